#include "tests/integration/datapath_fixture.h"

#include <cstdlib>
#include <thread>

#include "common/ulid.h"
#include "tests/integration/harness/process.h"

namespace sandnet::testing {

using std::chrono::milliseconds;

std::string sandnetctl_binary() {
  if (const char* env = std::getenv("SANDNETCTL")) return env;
#ifdef SANDNETCTL_PATH
  return SANDNETCTL_PATH;
#else
  return "";
#endif
}

void DatapathTest::SetUp() {
  SANDNET_REQUIRE_ROOT();
  topo_ = std::make_unique<Topology>();
  for (const char* label : {"A", "B", "C", "D", "E"}) topo_->add_sandbox(label);
  topo_->enable_host_routing(/*proxy_arp=*/false);
  net1_ = new_network_id();
  net2_ = new_network_id();
  net3_ = new_network_id();
  agent_ = std::make_unique<AgentProcess>(AgentProcess::paths_for(*topo_));
  last_sha_ = agent_->write_state(standard_state().to_json());
  ASSERT_NO_FATAL_FAILURE(start_agent_and_wait());
}

void DatapathTest::TearDown() {
  if (!HasFailure() || !agent_) return;
  // Everything an operator would look at, in the test's output.
  std::string report = "---- agent log\n" + agent_->log();
  const std::string& root = agent_->paths().bpffs_root;
  if (std::string ctl = sandnetctl_binary(); !ctl.empty()) {
    for (const char* view : {"endpoints", "members", "counters"})
      report += "---- sandnetctl dp " + std::string(view) + "\n" +
                run_command({ctl, "dp", view, "--bpffs-root", root}, {.netns = topo_->host_netns()}).output;
  }
  report += "---- bpftool net (host netns)\n" +
            run_command({"bpftool", "net", "show"}, {.netns = topo_->host_netns()}).output;
  std::fprintf(stderr, "%s\n", report.c_str());
  // Debugging aid (docs/testing.md): keep the failed topology alive to poke at it.
  if (const char* pause = std::getenv("SANDNET_TEST_PAUSE_ON_FAILURE")) {
    std::fprintf(stderr, "pausing %s s: host netns %s, pins %s\n", pause, topo_->host_netns().c_str(), root.c_str());
    std::this_thread::sleep_for(std::chrono::seconds(std::atoi(pause)));
  }
}

DesiredState DatapathTest::standard_state() {
  DesiredState s;
  for (const auto& sandbox : topo_->sandboxes()) s.add_endpoint(*sandbox);
  s.set_network(net1_, {&sb("A"), &sb("B")});
  s.set_network(net2_, {&sb("B"), &sb("C")});
  s.set_network(net3_, {&sb("E")});
  return s;
}

bool DatapathTest::standard_policy(const Sandbox& from, const Sandbox& to) {
  auto pair = from.label + to.label;
  return pair == "AB" || pair == "BA" || pair == "BC" || pair == "CB";
}

void DatapathTest::apply(const DesiredState& state) {
  last_sha_ = agent_->write_state(state.to_json());
  std::string why;
  ASSERT_TRUE(agent_->wait_applied(last_sha_, milliseconds(30000), &why)) << why;
}

void DatapathTest::start_agent_and_wait() {
  agent_->start();
  std::string why;
  ASSERT_TRUE(agent_->wait_applied(last_sha_, milliseconds(30000), &why)) << why;
}

void DatapathTest::expect_matrix(const Policy& policy, const std::string& when) {
  auto mismatches = matrix_mismatches(*topo_, policy);
  EXPECT_TRUE(mismatches.empty()) << when << ": " << describe_mismatches(mismatches);
}

}  // namespace sandnet::testing
