// Runtime reports (plug/unplug/applied) and propagation-aware attach/detach.
#include <future>

#include "tests/api_feed/feed_fixture.h"

namespace sandnet::test {
namespace {

using nlohmann::json;

class FeedRuntimeTest : public FeedTest {
 protected:
  json member(const std::string& net, const std::string& sandbox) {
    Response r = alice().get("/v1/networks/" + net);
    EXPECT_EQ(r.status, 200) << r.raw;
    for (const json& m : r.body["data"]["members"]) {
      if (m["sandbox_id"] == sandbox) return m;
    }
    ADD_FAILURE() << "no member " << sandbox << " in " << r.raw;
    return {};
  }

  int64_t revision() { return snapshot(h1())["revision"]; }
};

TEST_F(FeedRuntimeTest, PlugAndUnplugShowInMemberStatus) {
  make_network(alice(), "backend");
  json sb = make_sandbox(alice(), "brave-otter", {"backend"});
  std::string id = sb["id"];
  EXPECT_EQ(member("backend", id)["status"], "pending");
  Response p = h1().plug(id, R"({"mac":"02:00:0a:2a:00:05"})");
  ASSERT_EQ(p.status, 200) << p.raw;
  EXPECT_EQ(p.body["data"]["ip"], sb["ip"]);
  EXPECT_EQ(p.body["data"]["host"], "h1");
  EXPECT_EQ(p.body["data"]["status"], "running");
  EXPECT_EQ(p.body["data"]["mac"], "02:00:0a:2a:00:05");
  EXPECT_EQ(member("backend", id)["status"], "running");
  EXPECT_EQ(alice().get("/v1/sandboxes/" + id).body["data"]["status"], "running");
  Response u = h1().unplug(id);
  ASSERT_EQ(u.status, 200) << u.raw;
  EXPECT_EQ(u.body["data"]["status"], "stopped");
  EXPECT_EQ(u.body["data"]["host"], "h1");
  EXPECT_EQ(member("backend", id)["status"], "stopped");
  // Plug without a body keeps the recorded MAC.
  ASSERT_EQ(h1().plug(id).status, 200);
  EXPECT_EQ(snapshot(h1())["sandboxes"][0]["mac"], "02:00:0a:2a:00:05");
}

TEST_F(FeedRuntimeTest, PlugUnknownSandboxIs404) {
  expect_fail(h1().plug("sb_01ARZ3NDEKTSV4RRFFQ69G5FAV"), 404, "not_found");
  expect_fail(h1().unplug("sb_01ARZ3NDEKTSV4RRFFQ69G5FAV"), 404, "not_found");
  expect_fail(h1().plug("brave-otter"), 404, "not_found");  // hosts name sandboxes by id
}

TEST_F(FeedRuntimeTest, PlugBumpsTheRevisionOnce) {
  std::string id = sandbox_id("brave-otter");
  int64_t before = revision();
  plug(h1(), id);
  int64_t after = revision();
  EXPECT_EQ(after, before + 1);
  plug(h1(), id);  // same state: no change, no revision
  EXPECT_EQ(revision(), after);
}

TEST_F(FeedRuntimeTest, AppliedIsMonotonicAndDrivesTheMemberFlag) {
  make_network(alice(), "backend");
  std::string id = make_sandbox(alice(), "brave-otter", {"backend"})["id"];
  EXPECT_EQ(member("backend", id)["applied"], false);  // not placed
  plug(h1(), id);
  int64_t r = revision();
  EXPECT_EQ(member("backend", id)["applied"], false);
  Response a = h1().applied(r);
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(a.body["data"]["applied_revision"], r);
  EXPECT_EQ(member("backend", id)["applied"], true);
  Response older = h1().applied(r - 1);
  EXPECT_EQ(older.body["data"]["applied_revision"], r);
  // A later change of the sandbox makes it pending again until applied.
  ASSERT_EQ(h1().unplug(id).status, 200);
  EXPECT_EQ(member("backend", id)["applied"], false);
  ASSERT_EQ(h1().applied(revision()).status, 200);
  EXPECT_EQ(member("backend", id)["applied"], true);
  // Stored lazily (within a second, docs/api.md Storage): the CLI reads the file.
  std::string want = "applied revision " + std::to_string(revision());
  EXPECT_TRUE(eventually([&] {
    return run_cli({"hosts", "list", "--db", db_}).find(want) != std::string::npos;
  }, std::chrono::seconds(10)));
}

TEST_F(FeedRuntimeTest, WithoutWaitAttachAndDetachAnswerTheSeedShape) {
  make_network(alice(), "backend");
  std::string id = sandbox_id("brave-otter");
  plug(h1(), id);
  Response r = alice().post("/v1/sandboxes/" + id + "/networks", R"({"id":"backend"})");
  EXPECT_EQ(r.body, json::parse(R"({"status":"success","data":{"ok":true}})"));
  Response d = alice().del("/v1/sandboxes/" + id + "/networks/backend");
  EXPECT_EQ(d.body, json::parse(R"({"status":"success","data":{"ok":true}})"));
}

// The test plays the agents: follow the feed, then report the revision as applied.
void apply_feed(HostClient& h, int64_t since) {
  Response r = h.feed(since, 10);
  ASSERT_EQ(r.status, 200) << r.raw;
  ASSERT_EQ(h.applied(r.body["data"]["revision"]).status, 200);
}

TEST_F(FeedRuntimeTest, WaitAppliedAnswersOnceEveryAffectedHostApplied) {
  make_network(alice(), "backend");
  std::string a = sandbox_id("brave-otter"), b = sandbox_id("clever-fox");
  attach(a, "backend");
  plug(h1(), a);
  plug(h2(), b);
  int64_t since = revision();
  auto call = std::async(std::launch::async, [&] {
    return alice().post("/v1/sandboxes/" + b + "/networks?wait=applied&timeout=20",
                        R"({"id":"backend"})");
  });
  apply_feed(h1(), since);
  // Only h1 applied so far: the call is still waiting on h2.
  EXPECT_EQ(call.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout);
  apply_feed(h2(), since);
  ASSERT_EQ(call.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  Response r = call.get();
  EXPECT_EQ(r.body, json::parse(R"({"status":"success","data":{"ok":true,"applied":true}})"))
      << r.raw;
  EXPECT_EQ(member("backend", b)["applied"], true);

  since = revision();
  auto detach_call = std::async(std::launch::async, [&] {
    return alice().del("/v1/sandboxes/" + b + "/networks/backend?wait=applied&timeout=20");
  });
  apply_feed(h1(), since);
  apply_feed(h2(), since);
  Response d = detach_call.get();
  EXPECT_EQ(d.body["data"], json::parse(R"({"ok":true,"applied":true})")) << d.raw;
}

TEST_F(FeedRuntimeTest, WaitAppliedTimesOutWithPendingHosts) {
  make_network(alice(), "backend");
  std::string a = sandbox_id("brave-otter");
  plug(h2(), a);
  Response r = alice().post("/v1/sandboxes/" + a + "/networks?wait=applied&timeout=1",
                            R"({"id":"backend"})");
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["data"], json::parse(R"({"ok":true,"applied":false,"pending_hosts":["h2"]})"));
  // No placed member and no placed sandbox: nothing to wait for.
  std::string lone = sandbox_id("lone-yak");
  Response n = alice().post("/v1/sandboxes/" + lone + "/networks?wait=applied&timeout=1",
                            R"({"id":"backend"})");
  EXPECT_EQ(n.body["data"]["pending_hosts"], json::array({"h2"}));  // a's host still behind
  Response d = alice().del("/v1/sandboxes/" + lone + "/networks/backend?wait=applied&timeout=0");
  EXPECT_EQ(d.body["data"]["applied"], false);
}

TEST_F(FeedRuntimeTest, ApiRestartKeepsAppliedRevisionsAndTheChangeLog) {
  make_network(alice(), "backend");
  std::string a = make_sandbox(alice(), "brave-otter", {"backend"})["id"];
  plug(h1(), a);
  int64_t r = revision();
  ASSERT_EQ(h1().applied(r).status, 200);
  std::string b = sandbox_id("clever-fox");
  attach(b, "backend");
  ASSERT_EQ(server_->terminate(), 0);
  start();
  h1_ = std::make_unique<HostClient>(server_->port(), "h1", h1_token_);
  EXPECT_EQ(member("backend", a)["applied"], true);
  // The agent resumes from its revision: the change made before the restart is not lost.
  Response c = h1().feed(r, 5);
  ASSERT_EQ(c.status, 200) << c.raw;
  EXPECT_EQ(c.body["data"]["type"], "changes");
  EXPECT_EQ(ids_of(c.body["data"]["sandboxes"]), (std::set<std::string>{b}));
}

}  // namespace
}  // namespace sandnet::test
