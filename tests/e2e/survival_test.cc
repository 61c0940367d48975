// The agent survives: the API restarted mid-run or down for a while, the
// agent itself killed with SIGKILL and restarted, a tap deleted under it.
#include <thread>

#include <gtest/gtest.h>

#include "tests/e2e/e2e_world.h"
#include "tests/integration/harness/poll.h"
#include "tests/integration/harness/probes.h"
#include "tests/integration/harness/require_root.h"

namespace sandnet::e2e {
namespace {

using testing::TcpOutcome;
constexpr uint16_t kPort = 7000;
const milliseconds kBlocked{800};
const milliseconds kAllowed{10000};
const milliseconds kConverge{20000};

size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

class Survival : public ::testing::Test {
 protected:
  void SetUp() override {
    SANDNET_REQUIRE_ROOT();
    world_ = std::make_unique<World>();
    world_->start_api();
    world_->start_agent();
    World& w = *world_;
    w.ok("POST", "/v1/networks", {{"name", "backend"}});
    a_ = &w.create_sandbox("A", "brave-otter");
    b_ = &w.create_sandbox("B", "calm-heron");
    c_ = &w.create_sandbox("C", "quick-fox");
    for (auto* g : {a_, b_, c_}) w.plug(*g);
    w.attach(*a_, "backend");
    w.attach(*b_, "backend");
    servers_.push_back(std::make_unique<testing::TcpEchoServer>(b_->netns, b_->ip, kPort));
    servers_.push_back(std::make_unique<testing::TcpEchoServer>(c_->netns, c_->ip, kPort));
    ASSERT_EQ(testing::tcp_probe(a_->netns, b_->ip, kPort, kAllowed), TcpOutcome::kEchoed);
  }
  void TearDown() override {
    servers_.clear();
    if (HasFailure() && world_) std::fprintf(stderr, "---- agent log\n%s\n", world_->agent_log().c_str());
    world_.reset();
  }
  void expect_enforcing(const char* when) {
    EXPECT_EQ(testing::tcp_probe(a_->netns, b_->ip, kPort, kAllowed), TcpOutcome::kEchoed) << when;
    EXPECT_NE(testing::tcp_probe(a_->netns, c_->ip, kPort, kBlocked), TcpOutcome::kEchoed) << when;
  }
  std::string datapath_dump() {
    return testing::run_checked({sandnetctl_binary(), "dp", "endpoints", "--bpffs-root",
                                 "/sys/fs/bpf/sandnet-test-" + world_->topo().prefix(), "-o", "json"},
                                {.netns = world_->host_netns()}) +
           testing::run_checked({sandnetctl_binary(), "dp", "members", "--bpffs-root",
                                 "/sys/fs/bpf/sandnet-test-" + world_->topo().prefix(), "-o", "json"},
                                {.netns = world_->host_netns()});
  }
  std::unique_ptr<World> world_;
  Guest *a_ = nullptr, *b_ = nullptr, *c_ = nullptr;
  std::vector<std::unique_ptr<testing::TcpEchoServer>> servers_;
};

TEST_F(Survival, ApiRestartedMidRunLosesNoChange) {
  World& w = *world_;
  w.kill_api();
  expect_enforcing("API down");
  w.start_api();
  // Changes after the restart reach the agent, each applied once, nothing replayed.
  EXPECT_EQ(w.detach(*b_, "backend")["applied"], true);
  EXPECT_NE(testing::tcp_probe(a_->netns, b_->ip, kPort, kBlocked), TcpOutcome::kEchoed);
  EXPECT_EQ(w.attach(*c_, "backend")["applied"], true);
  // The datapath allows A->C once applied, but A's own kernel may still hold the neighbour entry
  // for C that failed while C was blocked (ARP unanswered): its connect can fail with "no route
  // to host" until A re-resolves. That is the guest's ARP timer, so poll (bounded) here.
  EXPECT_EQ(testing::tcp_probe_eventually(a_->netns, c_->ip, kPort, kConverge), TcpOutcome::kEchoed);
  EXPECT_EQ(w.member("backend", *c_)["applied"], true);
  auto status = w.agent_status();
  EXPECT_EQ(status["applied_revision"], status["reported_revision"]) << status.dump();
  EXPECT_EQ(status["plugs"].size(), 3u);
}

TEST_F(Survival, ApiDownForAWhileKeepsEnforcingAndCatchesUp) {
  World& w = *world_;
  w.kill_api();
  // Several backoff rounds pass; enforcement is unchanged and the outage is logged once.
  ASSERT_TRUE(testing::eventually(kConverge, milliseconds(100),
                                  [&] { return w.agent_status().value("api", "") == "unreachable"; }));
  std::this_thread::sleep_for(std::chrono::seconds(4));
  expect_enforcing("API down for a while");
  EXPECT_TRUE(w.agent_running());
  w.start_api();
  ASSERT_TRUE(testing::eventually(kConverge, milliseconds(100),
                                  [&] { return w.agent_status().value("api", "") == "reachable"; }));
  EXPECT_EQ(count_of(w.agent_log(), "API unreachable"), 1u) << "logged once per state change, not per retry";
  EXPECT_EQ(w.detach(*a_, "backend")["applied"], true);
  EXPECT_NE(testing::tcp_probe(a_->netns, b_->ip, kPort, kBlocked), TcpOutcome::kEchoed);
}

TEST_F(Survival, AgentKill9AndRestartDropsNoAllowedPacket) {
  World& w = *world_;
  auto before = datapath_dump();
  testing::PingStreamResult stream;
  std::thread pinger([&] { stream = testing::ping_stream(a_->netns, b_->ip, 400, milliseconds(10), milliseconds(2000)); });
  std::this_thread::sleep_for(milliseconds(800));
  w.kill_agent();
  std::this_thread::sleep_for(milliseconds(500));
  w.start_agent();
  pinger.join();
  EXPECT_EQ(stream.sent, 400);
  EXPECT_TRUE(stream.lost.empty()) << stream.lost.size() << " of " << stream.sent << " lost";
  EXPECT_EQ(datapath_dump(), before) << "the restarted agent left the datapath as it was";
  auto status = w.agent_status();
  EXPECT_EQ(status["plugs"].size(), 3u) << "plugs survive the restart";
  // And it still follows the feed.
  EXPECT_EQ(w.detach(*b_, "backend")["applied"], true);
  EXPECT_NE(testing::tcp_probe(a_->netns, b_->ip, kPort, kBlocked), TcpOutcome::kEchoed);
}

TEST_F(Survival, TapDeletedUnderItIsReportedStopped) {
  World& w = *world_;
  w.topo().delete_tap("B");
  EXPECT_TRUE(testing::eventually(kConverge, milliseconds(100),
                                  [&] { return w.member("backend", *b_).value("status", "") == "stopped"; }));
  EXPECT_TRUE(testing::eventually(kConverge, milliseconds(100), [&] { return w.agent_status()["plugs"].size() == 2u; }));
  EXPECT_TRUE(w.agent_running());
  EXPECT_EQ(w.attach(*c_, "backend")["applied"], true);
  // The datapath allows A->C once applied, but A's own kernel may still hold the neighbour entry
  // for C that failed while C was blocked (ARP unanswered): its connect can fail with "no route
  // to host" until A re-resolves. That is the guest's ARP timer, so poll (bounded) here.
  EXPECT_EQ(testing::tcp_probe_eventually(a_->netns, c_->ip, kPort, kConverge), TcpOutcome::kEchoed);
}

TEST_F(Survival, TapDeletedWhileAgentDownIsReportedAtStart) {
  World& w = *world_;
  EXPECT_TRUE(w.stop_agent());
  w.topo().delete_tap("B");
  w.start_agent();
  EXPECT_TRUE(testing::eventually(kConverge, milliseconds(100),
                                  [&] { return w.member("backend", *b_).value("status", "") == "stopped"; }));
  EXPECT_NE(testing::tcp_probe(a_->netns, c_->ip, kPort, kBlocked), TcpOutcome::kEchoed);
  EXPECT_EQ(w.attach(*c_, "backend")["applied"], true);
  // The datapath allows A->C once applied, but A's own kernel may still hold the neighbour entry
  // for C that failed while C was blocked (ARP unanswered): its connect can fail with "no route
  // to host" until A re-resolves. That is the guest's ARP timer, so poll (bounded) here.
  EXPECT_EQ(testing::tcp_probe_eventually(a_->netns, c_->ip, kPort, kConverge), TcpOutcome::kEchoed);
}

}  // namespace
}  // namespace sandnet::e2e
