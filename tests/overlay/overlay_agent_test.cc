// The overlay run by real agents (state-file mode): each host's sandnet-agent, given its
// underlay device and host number, makes the VXLAN device, attaches the overlay programs and
// carries its sandboxes' traffic across hosts; stopped, the pinned datapath keeps it flowing.
//   host A (number 1, 192.0.2.1): A1 in net1, A2 in net2;  host B (number 2, 192.0.2.2): B1 in net1
#include <chrono>
#include <fstream>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/ulid.h"
#include "tests/integration/harness/agent_process.h"
#include "tests/integration/harness/probes.h"
#include "tests/integration/harness/process.h"
#include "tests/integration/harness/require_root.h"
#include "tests/integration/harness/state_file.h"
#include "tests/integration/harness/topology.h"
#include "tests/overlay/underlay_net.h"

namespace sandnet::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

struct AgentHost {
  std::unique_ptr<Topology> topo;
  std::unique_ptr<AgentProcess> agent;
};

class OverlayAgents : public ::testing::Test {
 protected:
  void SetUp() override {
    SANDNET_REQUIRE_ROOT();
    prefix_ = random_test_prefix();
    underlay_ = std::make_unique<UnderlayNet>(prefix_);
    a_ = host("a", 1, "192.0.2.1", 10);
    b_ = host("b", 2, "192.0.2.2", 110);
    Sandbox& a1 = a_.topo->add_sandbox("1");
    Sandbox& a2 = a_.topo->add_sandbox("2");
    Sandbox& b1 = b_.topo->add_sandbox("1");
    std::string net1 = new_network_id(), net2 = new_network_id();
    DesiredState sa, sb;
    sa.add_endpoint(a1).add_endpoint(a2).add_remote(b1, "hb").add_host("hb", 2, "192.0.2.2");
    sb.add_endpoint(b1).add_remote(a1, "ha").add_remote(a2, "ha").add_host("ha", 1, "192.0.2.1");
    for (DesiredState* s : {&sa, &sb}) s->set_network(net1, {&a1, &b1}).set_network(net2, {&a2});
    apply(a_, sa.to_json());
    apply(b_, sb.to_json());
  }

  void TearDown() override {
    for (auto* h : {&a_, &b_}) {
      if (h->agent) {
        h->agent->stop();
        h->agent->purge();
      }
      h->agent.reset();
      h->topo.reset();
    }
    underlay_.reset();
  }

  AgentHost host(const std::string& tag, int number, const std::string& ip, int first_byte) {
    AgentHost h;
    h.topo = std::make_unique<Topology>(prefix_ + tag, first_byte);
    underlay_->plug(h.topo->host_netns(), tag, ip);
    std::string config = h.topo->scratch_dir() + "/agent.json";
    std::ofstream(config) << json{{"underlay_device", "ul0"}, {"host_number", number}}.dump();
    AgentPaths paths = AgentProcess::paths_for(*h.topo);
    paths.extra_args = {"--config", config};
    h.agent = std::make_unique<AgentProcess>(paths);
    return h;
  }

  void apply(AgentHost& h, const std::string& state) {
    std::string sha = h.agent->write_state(state);
    if (!h.agent->running()) h.agent->start();
    std::string why;
    ASSERT_TRUE(h.agent->wait_applied(sha, 20s, &why)) << why << "\n" << h.agent->log();
  }

  Sandbox& A1() { return a_.topo->sandbox("1"); }
  Sandbox& A2() { return a_.topo->sandbox("2"); }
  Sandbox& B1() { return b_.topo->sandbox("1"); }

  std::string prefix_;
  std::unique_ptr<UnderlayNet> underlay_;
  AgentHost a_, b_;
};

TEST_F(OverlayAgents, EachAgentMakesItsVxlanDeviceAndNetworksSpanTheHosts) {
  for (auto* h : {&a_, &b_}) {
    json link = json::parse(run_checked({"ip", "-j", "-d", "-n", h->topo->host_netns(), "link", "show", "sn-vxlan"}));
    ASSERT_EQ(link.size(), 1u);
    EXPECT_EQ(link[0]["mtu"], 1450) << "the underlay's 1500 minus the encapsulation";
    EXPECT_EQ(link[0]["linkinfo"]["info_kind"], "vxlan");
    EXPECT_EQ(link[0]["linkinfo"]["info_data"].value("external", false), true) << link.dump();
  }
  EXPECT_TRUE(ping_eventually(A1().netns, B1().ip, 10s)) << a_.agent->log() << b_.agent->log();
  EXPECT_TRUE(ping_eventually(B1().netns, A1().ip, 10s));
  EXPECT_FALSE(ping_once(A2().netns, B1().ip, 500ms)) << "A2 is in net2 only";
  EXPECT_FALSE(ping_once(B1().netns, A2().ip, 500ms));
}

TEST_F(OverlayAgents, WithOneAgentStoppedItsSandboxesKeepTheirPeersAcrossHosts) {
  ASSERT_TRUE(ping_eventually(A1().netns, B1().ip, 10s));
  ASSERT_TRUE(a_.agent->stop());
  auto stream = ping_stream(A1().netns, B1().ip, 20, 50ms, 1s);
  EXPECT_EQ(stream.received, stream.sent) << "lost while agent A was stopped";
  a_.agent->start();
  auto again = ping_stream(B1().netns, A1().ip, 40, 50ms, 1s);
  EXPECT_EQ(again.received, again.sent) << "lost while agent A restarted";
}

}  // namespace
}  // namespace sandnet::testing
