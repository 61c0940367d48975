// Hosts with numbers and underlay addresses (docs/host-feed.md, "Hosts, their overlay
// addresses and their leases"): `hosts create` registers and validates, and feed answers
// carry the records of the hosts a view's sandboxes are placed on, in snapshots and in
// changes (an underlay change reaches exactly the hosts that see the host). Real binary,
// real HTTP; on SQLite and on PostgreSQL (api_feed_pg.*).
#include <regex>

#include <gtest/gtest.h>

#include "tests/api_feed/feed_fixture.h"

namespace sandnet::test {
namespace {

using nlohmann::json;

class FeedHostsTest : public FeedTest {
 protected:
  // `hosts create` with these arguments: its stdout and exit code.
  std::pair<std::string, int> create(std::vector<std::string> args) {
    args.insert(args.begin(), {"hosts", "create"});
    args.insert(args.end(), {"--db", db_});
    int rc = 0;
    std::string out = run_cli(args, &rc);
    return {out, rc};
  }
  std::string list() { return run_cli({"hosts", "list", "--db", db_}); }

  // A long-poll of h from `since` until an answer carries a record of `id` (the shared poll
  // of a SQLite replica sees a CLI write at its next recheck).
  json changes_naming(HostClient& h, int64_t since, const std::string& id) {
    json found;
    EXPECT_TRUE(eventually([&] {
      Response r = h.feed(since, 2);
      if (r.status != 200) return false;
      if (!host_record(r.body["data"], id).is_null()) found = r.body["data"];
      return !found.is_null();
    })) << "no answer named host " << id;
    return found;
  }
};

TEST_F(FeedHostsTest, CreateRegistersWithTheSmallestFreeNumberAndPrintsOnlyTheToken) {
  auto [out, rc] = create({"h3", "--underlay", "10.9.0.3"});
  ASSERT_EQ(rc, 0);
  EXPECT_TRUE(std::regex_match(out, std::regex("ht_[0-9a-f]{16}_[0-9a-f]{64}\n"))) << out;
  std::string l = list();
  EXPECT_NE(l.find("h1\tnumber 1\tunderlay none\t"), std::string::npos) << l;
  EXPECT_NE(l.find("h2\tnumber 2\tunderlay none\t"), std::string::npos) << l;
  EXPECT_NE(l.find("h3\tnumber 3\tunderlay 10.9.0.3\tlost\tactive tokens 1\t"), std::string::npos)
      << l;
  // Another token for a known host keeps its number and its underlay.
  ASSERT_EQ(create({"h3"}).second, 0);
  l = list();
  EXPECT_NE(l.find("h3\tnumber 3\tunderlay 10.9.0.3\tlost\tactive tokens 2\t"), std::string::npos)
      << l;
}

TEST_F(FeedHostsTest, UnderlaysThatNoHostCanHaveAreRefusedAndNothingIsRegistered) {
  for (const char* bad : {"0.0.0.0", "0.1.2.3", "127.0.0.1", "224.0.0.1", "239.255.255.255",
                          "255.255.255.255", "240.0.0.1", "10.9.0", "10.9.0.256", "::1",
                          "10.9.0.3 ", "host.example", ""}) {
    auto [out, rc] = create({"h4", "--underlay", bad});
    EXPECT_NE(rc, 0) << bad;
    EXPECT_EQ(out, "") << bad;  // no token for a refused registration
  }
  ASSERT_EQ(create({"h3", "--underlay", "10.9.0.3"}).second, 0);
  auto [out, rc] = create({"h4", "--underlay", "10.9.0.3"});  // h3's
  EXPECT_NE(rc, 0);
  EXPECT_EQ(out, "");
  EXPECT_EQ(list().find("h4\t"), std::string::npos) << list();
}

TEST_F(FeedHostsTest, SnapshotListsTheHostsOfItsPlacedSandboxesAndItself) {
  ASSERT_EQ(create({"h2", "--underlay", "10.9.0.2"}).second, 0);
  ASSERT_EQ(create({"h3", "--underlay", "10.9.0.3"}).second, 0);  // shares nothing with h1
  share_a_network();
  plug(h2(), sandbox_id("c"));  // in no network: only h2 sees it
  json s1 = snapshot(h1());
  ASSERT_EQ(s1["hosts"].size(), 2u) << s1.dump();
  EXPECT_EQ(s1["hosts"][0]["id"], "h1");
  EXPECT_EQ(s1["hosts"][0]["number"], 1);
  EXPECT_EQ(s1["hosts"][0]["underlay"], nullptr);
  EXPECT_EQ(s1["hosts"][1], (json{{"id", "h2"}, {"number", 2}, {"underlay", "10.9.0.2"},
                                  {"live", s1["hosts"][1]["live"]}}));
  EXPECT_TRUE(s1["hosts"][1]["live"].is_boolean());
  json s2 = snapshot(h2());
  ASSERT_EQ(s2["hosts"].size(), 2u) << s2.dump();
  EXPECT_EQ(s2["hosts"][0]["id"], "h1");
  EXPECT_EQ(s2["hosts"][1]["id"], "h2");
}

TEST_F(FeedHostsTest, AnUnderlayChangeReachesTheHostsThatSeeTheHostAndOnlyThem) {
  std::string h3_token = create_host(db_, "h3");
  HostClient h3(server_->port(), "h3", h3_token);
  share_a_network();
  plug(h3, sandbox_id("c"));  // h3 sees neither h1 nor h2
  int64_t r1 = snapshot(h1())["revision"];
  int64_t r3 = snapshot(h3)["revision"];
  ASSERT_EQ(create({"h2", "--underlay", "10.9.0.2"}).second, 0);
  json d = changes_naming(h1(), r1, "h2");
  EXPECT_EQ(host_record(d, "h2")["underlay"], "10.9.0.2");
  EXPECT_EQ(host_record(d, "h2")["number"], 2);
  EXPECT_TRUE(d["sandboxes"].empty()) << d.dump();  // nothing else changed
  EXPECT_TRUE(host_record(changes_naming(h2(), r1, "h2"), "h2")["underlay"] == "10.9.0.2");
  // h3 holds no sandbox of h2: nothing for it, up to the revision that changed h2.
  Response r = h3.feed(r3, 0);
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_GE(r.body["data"]["revision"].get<int64_t>(), d["revision"].get<int64_t>()) << r.raw;
  EXPECT_TRUE(r.body["data"]["hosts"].empty()) << r.raw;
}

TEST_F(FeedHostsTest, AChangesAnswerListsTheHostsOfItsUpsertedSandboxes) {
  ASSERT_EQ(create({"h2", "--underlay", "10.9.0.2"}).second, 0);
  std::string net = make_network(alice(), "net")["id"];
  std::string a = sandbox_id("a"), b = sandbox_id("b");
  attach(a, net);
  plug(h1(), a);
  plug(h2(), b);
  int64_t since = snapshot(h1())["revision"];
  attach(b, net);  // b, placed on h2, enters h1's view
  Response r = h1().feed(since, 5);
  ASSERT_EQ(r.status, 200) << r.raw;
  const json& d = r.body["data"];
  EXPECT_EQ(ids_of(d["sandboxes"]), (std::set<std::string>{b})) << r.raw;
  EXPECT_EQ(d["hosts"], (json::array({{{"id", "h2"}, {"number", 2}, {"underlay", "10.9.0.2"},
                                       {"live", d["hosts"][0]["live"]}}})))
      << r.raw;
}

}  // namespace
}  // namespace sandnet::test
