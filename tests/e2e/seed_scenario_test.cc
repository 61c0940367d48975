// The seed's story end to end on one host: networks and memberships made
// through the real API, enforced by the real agent following the feed, checked with real
// TCP/ICMP between veth sandboxes.
#include <gtest/gtest.h>

#include "tests/e2e/e2e_world.h"
#include "tests/integration/harness/poll.h"
#include "tests/integration/harness/probes.h"
#include "tests/integration/harness/require_root.h"

namespace sandnet::e2e {
namespace {

using testing::TcpOutcome;
constexpr uint16_t kPort = 7000;
const milliseconds kBlocked{800};   // a probe that must NOT pass: short, single
const milliseconds kAllowed{10000}; // a probe right after ?wait=applied: one attempt, generous

class SeedScenario : public ::testing::Test {
 protected:
  void SetUp() override {
    SANDNET_REQUIRE_ROOT();
    world_ = std::make_unique<World>();
    world_->start_api();
    world_->start_agent();
  }
  void TearDown() override {
    if (HasFailure() && world_) std::fprintf(stderr, "---- agent log\n%s\n", world_->agent_log().c_str());
    world_.reset();
  }
  std::unique_ptr<World> world_;
};

TEST_F(SeedScenario, AttachDetachAndDeleteNetwork) {
  World& w = *world_;
  auto net = w.ok("POST", "/v1/networks", {{"name", "backend"}});
  ASSERT_EQ(net["name"], "backend");
  auto& a = w.create_sandbox("A", "brave-otter");
  auto& b = w.create_sandbox("B", "calm-heron");
  auto& c = w.create_sandbox("C", "quick-fox");  // in no network
  for (auto* g : {&a, &b, &c}) {
    auto answer = w.plug(*g);
    EXPECT_TRUE(answer["ok"].get<bool>()) << answer.dump();
    EXPECT_EQ(answer["sandbox"]["ip"], g->ip);
  }
  testing::TcpEchoServer server_b(b.netns, b.ip, kPort), server_a(a.netns, a.ip, kPort), server_c(c.netns, c.ip, kPort);

  // Attach both with ?wait=applied: the very next connection must work, no retry loop.
  EXPECT_EQ(w.attach(a, "backend")["applied"], true);
  EXPECT_EQ(w.attach(b, "backend")["applied"], true);
  EXPECT_EQ(testing::tcp_probe(a.netns, b.ip, kPort, kAllowed), TcpOutcome::kEchoed);
  EXPECT_EQ(testing::tcp_probe(b.netns, a.ip, kPort, kAllowed), TcpOutcome::kEchoed);
  auto ma = w.member("backend", a);
  EXPECT_EQ(ma["status"], "running");
  EXPECT_EQ(ma["applied"], true);

  // The sandbox in no network reaches neither, and neither reaches it.
  for (auto* g : {&a, &b}) {
    EXPECT_NE(testing::tcp_probe(c.netns, g->ip, kPort, kBlocked), TcpOutcome::kEchoed) << g->name;
    EXPECT_FALSE(testing::ping_once(c.netns, g->ip, kBlocked)) << g->name;
    EXPECT_NE(testing::tcp_probe(g->netns, c.ip, kPort, kBlocked), TcpOutcome::kEchoed) << g->name;
  }

  // An established flow is cut by the detach.
  testing::TcpEchoClient flow(a.netns, b.ip, kPort, kAllowed);
  ASSERT_TRUE(flow.exchange(kAllowed));
  EXPECT_EQ(w.detach(b, "backend")["applied"], true);
  EXPECT_FALSE(flow.exchange(kBlocked));
  EXPECT_NE(testing::tcp_probe(a.netns, b.ip, kPort, kBlocked), TcpOutcome::kEchoed);
  EXPECT_FALSE(testing::ping_once(b.netns, a.ip, kBlocked));

  // DELETE answers 409 while a member is left, 200 after.
  auto del = w.call("DELETE", "/v1/networks/backend");
  EXPECT_EQ(del.status, 409) << del.raw;
  w.detach(a, "backend");
  del = w.call("DELETE", "/v1/networks/backend");
  EXPECT_EQ(del.status, 200) << del.raw;
}

TEST_F(SeedScenario, AttachAtCreateTime) {
  World& w = *world_;
  w.ok("POST", "/v1/networks", {{"name", "backend"}});
  auto& a = w.create_sandbox("A", "brave-otter", json::array({{{"id", "backend"}}}));
  auto& b = w.create_sandbox("B", "calm-heron", json::array({{{"id", "backend"}}}));
  auto& c = w.create_sandbox("C", "quick-fox");
  for (auto* g : {&a, &b, &c}) w.plug(*g);
  testing::TcpEchoServer server_b(b.netns, b.ip, kPort), server_c(c.netns, c.ip, kPort);
  // No wait here (the plug is the change): bounded poll until the member shows applied.
  EXPECT_TRUE(testing::eventually(milliseconds(20000), milliseconds(100), [&] {
    auto m = w.member("backend", b);
    return m.is_object() && m.value("status", "") == "running" && m.value("applied", false);
  }));
  EXPECT_EQ(testing::tcp_probe_eventually(a.netns, b.ip, kPort, kAllowed), TcpOutcome::kEchoed);
  EXPECT_NE(testing::tcp_probe(a.netns, c.ip, kPort, kBlocked), TcpOutcome::kEchoed);
  EXPECT_EQ(w.detach(b, "backend")["applied"], true);
  EXPECT_NE(testing::tcp_probe(a.netns, b.ip, kPort, kBlocked), TcpOutcome::kEchoed);
  EXPECT_EQ(w.call("DELETE", "/v1/networks/backend").status, 409);
  w.detach(a, "backend");
  EXPECT_EQ(w.call("DELETE", "/v1/networks/backend").status, 200);
}

TEST_F(SeedScenario, UnplugReportsStoppedAndRevokes) {
  World& w = *world_;
  w.ok("POST", "/v1/networks", {{"name", "backend"}});
  auto& a = w.create_sandbox("A", "brave-otter");
  auto& b = w.create_sandbox("B", "calm-heron");
  w.plug(a);
  w.plug(b);
  testing::TcpEchoServer server_b(b.netns, b.ip, kPort);
  w.attach(a, "backend");
  w.attach(b, "backend");
  EXPECT_EQ(testing::tcp_probe(a.netns, b.ip, kPort, kAllowed), TcpOutcome::kEchoed);
  EXPECT_TRUE(w.unplug(b)["ok"].get<bool>());
  EXPECT_NE(testing::tcp_probe(a.netns, b.ip, kPort, kBlocked), TcpOutcome::kEchoed);
  EXPECT_TRUE(testing::eventually(milliseconds(20000), milliseconds(100),
                                  [&] { return w.member("backend", b).value("status", "") == "stopped"; }));
  // Plug again: running, reachable.
  w.plug(b);
  EXPECT_EQ(testing::tcp_probe_eventually(a.netns, b.ip, kPort, kAllowed), TcpOutcome::kEchoed);
  EXPECT_TRUE(testing::eventually(milliseconds(20000), milliseconds(100),
                                  [&] { return w.member("backend", b).value("status", "") == "running"; }));
}

TEST_F(SeedScenario, PlugOfUnknownSandboxOrTapIsRefused) {
  World& w = *world_;
  auto& a = w.create_sandbox("A", "brave-otter");
  auto bad = testing::run_command({sandnetctl_binary(), "plug", "--sandbox", "sb_01HZY0000000000000000000ZZ", "--tap",
                                   a.tap, "--run-dir", w.run_dir()});
  EXPECT_FALSE(bad.ok()) << bad.output;
  bad = testing::run_command({sandnetctl_binary(), "plug", "--sandbox", a.id, "--tap", "nosuchtap0", "--run-dir", w.run_dir()});
  EXPECT_FALSE(bad.ok()) << bad.output;
  EXPECT_NE(bad.output.find("does not exist"), std::string::npos) << bad.output;
  bad = testing::run_command({sandnetctl_binary(), "plug", "--sandbox", "../../etc", "--tap", a.tap, "--run-dir", w.run_dir()});
  EXPECT_FALSE(bad.ok()) << bad.output;
  EXPECT_TRUE(w.agent_running());
}

}  // namespace
}  // namespace sandnet::e2e
