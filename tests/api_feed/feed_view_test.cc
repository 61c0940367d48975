// What a host sees: the snapshot's scoping and record shapes, and a "changes" answer for
// every kind of change, including records leaving the view.
#include "tests/api_feed/feed_fixture.h"

namespace sandnet::test {
namespace {

using nlohmann::json;

class FeedViewTest : public FeedTest {};

const json* find_record(const json& list, const std::string& id) {
  for (const json& r : list) {
    if (r["id"] == id) return &r;
  }
  return nullptr;
}

TEST_F(FeedViewTest, SnapshotOfAnEmptyHost) {
  json s = snapshot(h1());
  // Its own record only (live once a lease keeper has stored its first request).
  json self = {{"id", "h1"}, {"number", 1}, {"underlay", nullptr}, {"live", s["hosts"][0]["live"]}};
  EXPECT_EQ(s, (json{{"type", "snapshot"}, {"revision", s["revision"]},
                     {"sandboxes", json::array()}, {"networks", json::array()},
                     {"hosts", json::array({self})}}));
}

TEST_F(FeedViewTest, SnapshotHoldsLocalSandboxesAndPeersSharingANetwork) {
  json backend = make_network(alice(), "backend");
  make_network(alice(), "other");
  make_network(bob(), "lonely");
  std::string a = sandbox_id("brave-otter"), b = sandbox_id("clever-fox"),
              c = sandbox_id("quiet-owl"), d = sandbox_id("idle-yak"),
              e = sandbox_id("solo-cat");
  attach(a, "backend");
  attach(b, "backend");
  attach(d, "backend");  // never plugged: a peer with host null
  attach(c, "other");
  plug(h1(), a);
  plug(h2(), b);
  plug(h2(), c);  // on h2, shares nothing with h1
  plug(h1(), e);  // on h1, in no network
  ASSERT_EQ(h1().plug(a, R"({"mac":"02:00:0A:2A:00:05"})").status, 200);

  json s = snapshot(h1());
  EXPECT_EQ(ids_of(s["sandboxes"]), (std::set<std::string>{a, b, d, e}));
  EXPECT_EQ(ids_of(s["networks"]), (std::set<std::string>{backend["id"]}));
  const json* ra = find_record(s["sandboxes"], a);
  ASSERT_NE(ra, nullptr);
  EXPECT_EQ(*ra, (json{{"id", a}, {"name", "brave-otter"}, {"ip", (*ra)["ip"]},
                       {"host", "h1"}, {"mac", "02:00:0a:2a:00:05"}, {"status", "running"},
                       {"networks", {backend["id"]}}}));
  EXPECT_TRUE((*ra)["ip"].get<std::string>().starts_with("10.42."));
  const json* rd = find_record(s["sandboxes"], d);
  ASSERT_NE(rd, nullptr);
  EXPECT_TRUE((*rd)["host"].is_null());
  EXPECT_TRUE((*rd)["mac"].is_null());
  EXPECT_EQ((*rd)["status"], "pending");
  const json* rb = find_record(s["sandboxes"], b);
  ASSERT_NE(rb, nullptr);
  EXPECT_EQ((*rb)["host"], "h2");
  const json* re = find_record(s["sandboxes"], e);
  ASSERT_NE(re, nullptr);
  EXPECT_EQ((*re)["networks"], json::array());
  EXPECT_EQ(s["networks"][0], (json{{"id", backend["id"]}, {"name", "backend"},
                                   {"members", {a, b, d}}}));

  // h2 sees both of its networks; a peer's networks list holds only networks in the view.
  json s2 = snapshot(h2());
  EXPECT_EQ(ids_of(s2["sandboxes"]), (std::set<std::string>{a, b, c, d}));
  EXPECT_EQ(s2["networks"].size(), 2u);
}

TEST_F(FeedViewTest, PeerNetworksAreRestrictedToTheView) {
  json backend = make_network(alice(), "backend");
  json secret = make_network(alice(), "secret");
  std::string a = sandbox_id("brave-otter"), b = sandbox_id("clever-fox");
  attach(a, "backend");
  attach(b, "backend");
  attach(b, "secret");
  plug(h1(), a);
  plug(h2(), b);
  json s = snapshot(h1());
  EXPECT_EQ((*find_record(s["sandboxes"], b))["networks"], json::array({backend["id"]}));
  EXPECT_EQ(ids_of(s["networks"]), (std::set<std::string>{backend["id"]}));
}

class FeedChangesTest : public FeedTest {
 protected:
  void SetUp() override {
    FeedTest::SetUp();
    backend_ = make_network(alice(), "backend")["id"];
    a_ = sandbox_id("brave-otter");
    b_ = sandbox_id("clever-fox");
    attach(a_, "backend");
    plug(h1(), a_);
    rev_ = snapshot(h1())["revision"];
  }

  // The next changes answer for h1 after rev_, which then advances.
  json next() {
    Response r = h1().feed(rev_, 5);
    EXPECT_EQ(r.status, 200) << r.raw;
    json d = r.body["data"];
    EXPECT_EQ(d["type"], "changes") << r.raw;
    EXPECT_GT(d["revision"].get<int64_t>(), rev_) << r.raw;
    rev_ = d["revision"];
    return d;
  }

  std::string backend_, a_, b_;
  int64_t rev_ = 0;
};

TEST_F(FeedChangesTest, ChangesCarryOnlyWhatChanged) {
  // A peer joins: its record and the network's, nothing else.
  attach(b_, "backend");
  json d = next();
  EXPECT_EQ(ids_of(d["sandboxes"]), (std::set<std::string>{b_}));
  EXPECT_EQ(ids_of(d["networks"]), (std::set<std::string>{backend_}));
  EXPECT_EQ(d["networks"][0]["members"], json::array({a_, b_}));
  EXPECT_EQ(d["removed_sandboxes"], json::array());
  EXPECT_EQ(d["removed_networks"], json::array());

  // The peer is plugged on another host: its status and host.
  plug(h2(), b_);
  d = next();
  EXPECT_EQ(ids_of(d["sandboxes"]), (std::set<std::string>{b_}));
  EXPECT_EQ(d["sandboxes"][0]["status"], "running");
  EXPECT_EQ(d["sandboxes"][0]["host"], "h2");
  EXPECT_EQ(d["networks"], json::array());

  // Unplugged: stopped, still placed on h2.
  ASSERT_EQ(h2().unplug(b_).status, 200);
  d = next();
  EXPECT_EQ(d["sandboxes"][0]["status"], "stopped");
  EXPECT_EQ(d["sandboxes"][0]["host"], "h2");

  // The peer leaves: it is removed; the network stays (a is still here).
  detach(b_, "backend");
  d = next();
  EXPECT_EQ(d["removed_sandboxes"], json::array({b_}));
  EXPECT_EQ(ids_of(d["networks"]), (std::set<std::string>{backend_}));
  EXPECT_EQ(d["networks"][0]["members"], json::array({a_}));
}

TEST_F(FeedChangesTest, NetworkEnteringAndLeavingTheView) {
  json front = make_network(alice(), "front")["id"];
  std::string c = sandbox_id("quiet-owl"), d2 = sandbox_id("idle-yak");
  attach(c, "front");
  attach(d2, "front");
  plug(h2(), c);
  // Nothing so far touched h1: the poll times out with the current revision.
  Response idle = h1().feed(rev_, 1);
  ASSERT_EQ(idle.status, 200);
  EXPECT_EQ(idle.body["data"]["sandboxes"], json::array());
  EXPECT_EQ(idle.body["data"]["revision"], snapshot(h1())["revision"]);

  // a joins front: the network and all its members enter h1's view.
  attach(a_, "front");
  json d = next();
  EXPECT_EQ(ids_of(d["networks"]), (std::set<std::string>{front}));
  EXPECT_EQ(ids_of(d["sandboxes"]), (std::set<std::string>{a_, c, d2}));

  // a leaves front: the network and its other members leave; a is updated.
  detach(a_, "front");
  d = next();
  EXPECT_EQ(d["removed_networks"], json::array({front}));
  EXPECT_EQ(ids_of(d["removed_sandboxes"]), (std::set<std::string>{c, d2}));
  EXPECT_EQ(ids_of(d["sandboxes"]), (std::set<std::string>{a_}));
  EXPECT_EQ(d["sandboxes"][0]["networks"], json::array({backend_}));
}

TEST_F(FeedChangesTest, SandboxMovingAndDeleted) {
  attach(b_, "backend");
  plug(h1(), b_);
  next();
  // b moves to h2, explicitly (h1 unplugs it, then h2 plugs it): still a peer of a on h1,
  // now with host h2.
  ASSERT_EQ(h1().unplug(b_).status, 200);
  next();
  plug(h2(), b_);
  json d = next();
  EXPECT_EQ(ids_of(d["sandboxes"]), (std::set<std::string>{b_}));
  EXPECT_EQ(d["sandboxes"][0]["host"], "h2");
  EXPECT_EQ(d["sandboxes"][0]["status"], "running");
  // a late unplug from h1 does not stop it.
  expect_fail(h1().unplug(b_), 409, "not_plugged_here");
  EXPECT_EQ(alice().get("/v1/sandboxes/" + b_).body["data"]["status"], "running");
  // a moves away: h1's view empties.
  ASSERT_EQ(h1().unplug(a_).status, 200);
  next();
  plug(h2(), a_);
  d = next();
  EXPECT_EQ(ids_of(d["removed_sandboxes"]), (std::set<std::string>{a_, b_}));
  EXPECT_EQ(d["removed_networks"], json::array({backend_}));
  // Deleting b (once h2 has unplugged it) reaches h2.
  ASSERT_EQ(h2().unplug(b_).status, 200);
  int64_t r2 = snapshot(h2())["revision"];
  ASSERT_EQ(alice().del("/v1/sandboxes/" + b_).status, 200);
  Response r = h2().feed(r2, 5);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body["data"]["removed_sandboxes"], json::array({b_}));
  EXPECT_EQ(ids_of(r.body["data"]["networks"]), (std::set<std::string>{backend_}));
}

TEST_F(FeedChangesTest, TooOldOrFutureSinceGetsASnapshot) {
  attach(b_, "backend");
  attach(b_, "backend");
  detach(b_, "backend");
  run_cli({"changelog", "compact", "--keep", "0", "--db", db_});
  Response r = h1().feed(rev_, 5);
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["data"]["type"], "snapshot");
  EXPECT_EQ(ids_of(r.body["data"]["sandboxes"]), (std::set<std::string>{a_}));
  int64_t now = r.body["data"]["revision"];
  Response future = h1().feed(now + 1000, 5);
  ASSERT_EQ(future.status, 200);
  EXPECT_EQ(future.body["data"]["type"], "snapshot");
  // At the floor itself the log is complete: changes (none yet -> times out empty).
  Response at_floor = h1().feed(now, 0);
  EXPECT_EQ(at_floor.body["data"]["type"], "changes");
}

}  // namespace
}  // namespace sandnet::test
