// Host leases (docs/host-feed.md, "Leases"): a host that stops making requests becomes lost
// in the feeds of the hosts that see it, its next request makes it live again, a long-poll in
// progress keeps its host live, and IPAM reuses an address only once every live host has
// applied its release. Short leases; bounded polls, never a wall-clock assertion. Real
// binary, real HTTP; on SQLite and on PostgreSQL (api_feed_pg.*).
#include <future>

#include <gtest/gtest.h>

#include "tests/api_feed/feed_fixture.h"

namespace sandnet::test {
namespace {

using nlohmann::json;

class FeedLeasesTest : public FeedTest {
 protected:
  void restart(json config) {
    restart_with_config(config);
    h1_ = std::make_unique<HostClient>(server_->port(), "h1", h1_token_);
    h2_ = std::make_unique<HostClient>(server_->port(), "h2", h2_token_);
  }

  // Until `observer`'s feed, read from `since` on, says `id` is live (or lost); `also` runs
  // between polls (another host's requests). Returns the revision of that answer.
  int64_t until_host(HostClient& observer, int64_t since, const std::string& id, bool live,
                     const std::function<void()>& also = [] {}) {
    int64_t at = -1;
    EXPECT_TRUE(eventually([&] {
      also();
      Response r = observer.feed(since, 1);
      if (r.status != 200) return false;
      since = r.body["data"]["revision"];
      json h = host_record(r.body["data"], id);
      if (!h.is_null() && h["live"] == live) at = since;
      return at >= 0;
    }, std::chrono::seconds(30))) << id << " never turned " << (live ? "live" : "lost");
    return at;
  }
};

TEST_F(FeedLeasesTest, ASilentHostIsLostForItsPeersAndItsNextRequestBringsItBack) {
  restart({{"host_lease_ms", 400}});
  share_a_network();
  auto h2_polls = [&] { EXPECT_EQ(h2().feed(0).status, 200); };
  int64_t since = snapshot(h1())["revision"];
  since = until_host(h1(), since, "h2", true, h2_polls);
  // h2 falls silent; h1 keeps polling (and stays live itself).
  since = until_host(h1(), since, "h2", false);
  // It comes back with its next request.
  ASSERT_EQ(h2().feed(0).status, 200);
  until_host(h1(), since, "h2", true, h2_polls);
  // h1's snapshot agrees.
  json s = snapshot(h1());
  EXPECT_EQ(host_record(s, "h2")["number"], 2);
}

TEST_F(FeedLeasesTest, ALongPollInProgressKeepsItsHostLive) {
  restart({{"host_lease_ms", 400}});
  std::string c = sandbox_id("c");
  plug(h2(), c);
  // h2 sees only itself; once live, any change of its record would answer its long-poll.
  int64_t since = 0;
  ASSERT_TRUE(eventually([&] {
    json s = snapshot(h2());
    since = s["revision"];
    return host_record(s, "h2")["live"] == true;
  }));
  // Many leases long: a host_lost change would touch h2 and answer at once.
  Response r = h2().feed(since, 4);
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_TRUE(r.body["data"]["hosts"].empty()) << r.raw;
  EXPECT_TRUE(r.body["data"]["sandboxes"].empty()) << r.raw;
}

TEST_F(FeedLeasesTest, AReleasedAddressWaitsForEveryLiveHostToApplyItsRelease) {
  // 5 addresses (10.77.0.2-.6), no quarantine: only the hosts hold a release back.
  restart({{"host_lease_ms", 5000}, {"ip_pool", "10.77.0.0/29"}, {"ip_quarantine_seconds", 0},
           {"applied_persist_ms", 50}});
  ASSERT_TRUE(eventually([&] { return host_record(snapshot(h1()), "h1")["live"] == true; }));
  std::vector<json> sandboxes;
  for (int i = 0; i < 5; ++i) sandboxes.push_back(make_sandbox(alice(), "s" + std::to_string(i)));
  std::string freed_ip = sandboxes[0]["ip"];
  ASSERT_EQ(alice().del("/v1/sandboxes/" + sandboxes[0]["id"].get<std::string>()).status, 200);
  int64_t released = snapshot(h1())["revision"];  // h1 stays live: it just asked
  Response refused = alice().post("/v1/sandboxes", json{{"name", "late"}}.dump());
  expect_fail(refused, 503, "pool_exhausted");
  ASSERT_EQ(h1().applied(released).status, 200);
  json reused;
  ASSERT_TRUE(eventually([&] {
    Response r = alice().post("/v1/sandboxes", json{{"name", "late"}}.dump());
    if (r.status == 200) reused = r.body["data"];
    return r.status == 200;
  }));
  EXPECT_EQ(reused["ip"], freed_ip);
  // A lost host holds nothing back: once h1 is lost, the next release is reused at once.
  ASSERT_TRUE(eventually([&] {
    return run_cli({"hosts", "list", "--db", db_}).find("h1\tnumber 1\tunderlay none\tlost") !=
           std::string::npos;
  }, std::chrono::seconds(30)));
  freed_ip = sandboxes[1]["ip"];
  ASSERT_EQ(alice().del("/v1/sandboxes/" + sandboxes[1]["id"].get<std::string>()).status, 200);
  Response again = alice().post("/v1/sandboxes", json{{"name", "later"}}.dump());
  ASSERT_EQ(again.status, 200) << again.raw;
  EXPECT_EQ(again.body["data"]["ip"], freed_ip);
}

}  // namespace
}  // namespace sandnet::test
