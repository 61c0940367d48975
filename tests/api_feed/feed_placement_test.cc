// Who holds a plug: a tenant cannot delete a sandbox a host has plugged (the runtime must
// unplug it first), and a host cannot take a sandbox another host holds, nor unplug it.
// A move is explicit: the holder unplugs, then the new host plugs.
#include "tests/api_feed/feed_fixture.h"

namespace sandnet::test {
namespace {

using nlohmann::json;

class FeedPlacementTest : public FeedTest {
 protected:
  // alice: otter and fox in backend, both on h1. bob: yak in his own network, on h2.
  void SetUp() override {
    FeedTest::SetUp();
    backend_ = make_network(alice(), "backend")["id"];
    json otter = make_sandbox(alice(), "brave-otter", {"backend"});
    otter_ = otter["id"];
    otter_ip_ = otter["ip"];
    fox_ = make_sandbox(alice(), "clever-fox", {"backend"})["id"];
    plug(h1(), otter_);
    plug(h1(), fox_);
    bobnet_ = make_network(bob(), "bobnet")["id"];
    yak_ = make_sandbox(bob(), "idle-yak", {"bobnet"})["id"];
    plug(h2(), yak_);
  }

  // A view without its revision, to compare before and after.
  json view(HostClient& h) {
    json s = snapshot(h);
    s.erase("revision");
    return s;
  }

  // Nothing of alice's reaches the answer: not her host, names, networks or addresses.
  void expect_no_alice_data(const std::string& raw) {
    for (const std::string& secret :
         {std::string("h1"), std::string("alice"), std::string("backend"), backend_, fox_,
          std::string("clever-fox"), std::string("brave-otter"), otter_ip_}) {
      EXPECT_EQ(raw.find(secret), std::string::npos) << secret << " leaked: " << raw;
    }
  }

  std::string backend_, otter_, otter_ip_, fox_, bobnet_, yak_;
};

TEST_F(FeedPlacementTest, DeletingAPluggedSandboxIs409NamingTheHost) {
  Response d = alice().del("/v1/sandboxes/" + otter_);
  expect_fail(d, 409, "sandbox_plugged");
  EXPECT_EQ(d.body["data"]["host"], "h1") << d.raw;
  EXPECT_NE(d.body["data"]["message"].get<std::string>().find("h1"), std::string::npos) << d.raw;
  // Nothing changed: still a running member, still on h1.
  Response g = alice().get("/v1/sandboxes/" + otter_);
  ASSERT_EQ(g.status, 200) << g.raw;
  EXPECT_EQ(g.body["data"]["status"], "running");
  EXPECT_EQ(g.body["data"]["networks"].size(), 1u);
  EXPECT_EQ(ids_of(snapshot(h1())["sandboxes"]), (std::set<std::string>{otter_, fox_}));
  // Once the runtime has unplugged it, the delete goes through.
  ASSERT_EQ(h1().unplug(otter_).status, 200);
  Response after = alice().del("/v1/sandboxes/" + otter_);
  EXPECT_EQ(after.status, 200) << after.raw;
  EXPECT_EQ(alice().get("/v1/sandboxes/" + otter_).status, 404);
}

TEST_F(FeedPlacementTest, AnotherTenantStillGets404NotTheHost) {
  Response d = bob().del("/v1/sandboxes/" + otter_);
  expect_fail(d, 404, "not_found");
  EXPECT_EQ(d.raw.find("h1"), std::string::npos) << d.raw;
}

TEST_F(FeedPlacementTest, AnotherHostCannotPlugAHeldSandbox) {
  json h1_before = view(h1()), h2_before = view(h2());
  int64_t since = snapshot(h2())["revision"];
  Response p = h2().plug(otter_, R"({"mac":"02:00:0a:2a:00:99"})");
  expect_fail(p, 409, "plugged_elsewhere");
  expect_no_alice_data(p.raw);
  // The holder's plug and view are untouched (its MAC too); the other host learned nothing.
  EXPECT_EQ(view(h1()), h1_before);
  EXPECT_EQ(view(h2()), h2_before);
  EXPECT_EQ(ids_of(view(h2())["sandboxes"]), (std::set<std::string>{yak_}));
  EXPECT_EQ(ids_of(view(h2())["networks"]), (std::set<std::string>{bobnet_}));
  Response changes = h2().feed(since, 0);
  ASSERT_EQ(changes.status, 200) << changes.raw;
  EXPECT_EQ(changes.body["data"]["sandboxes"], json::array()) << changes.raw;
  EXPECT_EQ(changes.body["data"]["networks"], json::array()) << changes.raw;
  expect_no_alice_data(changes.raw);
}

TEST_F(FeedPlacementTest, AnotherHostsUnplugChangesNothing) {
  json h1_before = view(h1());
  Response u = h2().unplug(otter_);
  expect_fail(u, 409, "not_plugged_here");
  expect_no_alice_data(u.raw);
  EXPECT_EQ(view(h1()), h1_before);
  EXPECT_EQ(alice().get("/v1/sandboxes/" + otter_).body["data"]["status"], "running");
  // Not even a sandbox that was never placed anywhere is unplugged by a stranger.
  std::string owl = sandbox_id("quiet-owl");
  expect_fail(h2().unplug(owl), 409, "not_plugged_here");
  EXPECT_EQ(alice().get("/v1/sandboxes/" + owl).body["data"]["status"], "pending");
}

TEST_F(FeedPlacementTest, AMoveIsTheHolderUnpluggingThenTheNewHostPlugging) {
  ASSERT_EQ(h1().unplug(otter_).status, 200);
  Response p = h2().plug(otter_);
  ASSERT_EQ(p.status, 200) << p.raw;
  EXPECT_EQ(p.body["data"]["host"], "h2");
  EXPECT_EQ(p.body["data"]["status"], "running");
  // h2 now sees otter's network; h1 keeps fox and sees otter as a peer on h2.
  json h2v = view(h2());
  EXPECT_EQ(ids_of(h2v["networks"]), (std::set<std::string>{bobnet_, backend_}));
  json h1v = snapshot(h1());
  for (const json& s : h1v["sandboxes"]) {
    if (s["id"] == otter_) EXPECT_EQ(s["host"], "h2");
  }
  EXPECT_EQ(ids_of(h1v["sandboxes"]), (std::set<std::string>{otter_, fox_}));
  // Now h1 is the stranger.
  expect_fail(h1().plug(otter_), 409, "plugged_elsewhere");
  expect_fail(h1().unplug(otter_), 409, "not_plugged_here");
}

TEST_F(FeedPlacementTest, TheHolderMayPlugAgain) {
  Response p = h1().plug(otter_, R"({"mac":"02:00:0a:2a:00:42"})");
  ASSERT_EQ(p.status, 200) << p.raw;
  EXPECT_EQ(p.body["data"]["mac"], "02:00:0a:2a:00:42");
}

// A host that is gone cannot unplug: the operator releases its plug explicitly.
TEST_F(FeedPlacementTest, TheOperatorReleasesAGoneHostsPlug) {
  expect_fail(h2().plug(otter_), 409, "plugged_elsewhere");
  int code = 0;
  run_cli({"hosts", "unplug", "h2", otter_, "--db", db_}, &code);
  EXPECT_NE(code, 0) << "h2 does not hold it";
  EXPECT_EQ(alice().get("/v1/sandboxes/" + otter_).body["data"]["status"], "running");
  std::string out = run_cli({"hosts", "unplug", "h1", otter_, "--db", db_});
  EXPECT_NE(out.find("unplugged"), std::string::npos) << out;
  EXPECT_EQ(alice().get("/v1/sandboxes/" + otter_).body["data"]["status"], "stopped");
  Response p = h2().plug(otter_);
  ASSERT_EQ(p.status, 200) << p.raw;
  EXPECT_EQ(p.body["data"]["host"], "h2");
  expect_fail(alice().del("/v1/sandboxes/" + fox_), 409, "sandbox_plugged");
  run_cli({"hosts", "unplug", "h1", fox_, "--db", db_});
  EXPECT_EQ(alice().del("/v1/sandboxes/" + fox_).status, 200);
}

}  // namespace
}  // namespace sandnet::test
