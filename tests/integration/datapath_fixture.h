// The topology of the veth acceptance test, with the real agent enforcing it:
//   A, B in net1; B, C in net2; D in no network; E alone in net3.
// The host namespace also routes to every sandbox (no proxy ARP): anything the datapath wrongly
// handed to the host stack would be delivered, so the datapath alone stands between sandboxes.
#pragma once
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "tests/integration/harness/agent_process.h"
#include "tests/integration/harness/reachability.h"
#include "tests/integration/harness/require_root.h"
#include "tests/integration/harness/state_file.h"
#include "tests/integration/harness/topology.h"

namespace sandnet::testing {

class DatapathTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  Sandbox& sb(const std::string& label) { return topo_->sandbox(label); }
  // The standard state above; tests derive changed states from it.
  DesiredState standard_state();
  // The standard policy as a predicate.
  static bool standard_policy(const Sandbox& from, const Sandbox& to);
  // Writes the state and waits (bounded) until the agent reports it applied.
  void apply(const DesiredState& state);
  // Restarts a stopped agent and waits until it has adopted the current state file.
  void start_agent_and_wait();
  // Checks the whole matrix against a policy; `when` names the moment in failure messages.
  void expect_matrix(const Policy& policy, const std::string& when);

  std::string net1_, net2_, net3_;
  std::string last_sha_;
  std::unique_ptr<Topology> topo_;  // declared before agent_: the agent goes first
  std::unique_ptr<AgentProcess> agent_;
};

// sandnetctl, when this build has it (for failure diagnostics).
std::string sandnetctl_binary();

}  // namespace sandnet::testing
