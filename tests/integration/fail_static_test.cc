// Fail-static: with the agent killed the datapath keeps enforcing the last state; a restarted
// agent adopts it and rewrites nothing; a bad state file changes nothing.
#include <nlohmann/json.hpp>

#include "tests/integration/datapath_fixture.h"
#include "tests/integration/harness/poll.h"

namespace sandnet::testing {
namespace {

using std::chrono::milliseconds;

TEST_F(DatapathTest, Kill9LeavesTheMatrixUnchangedAndARestartAdoptsIt) {
  expect_matrix(standard_policy, "agent running");
  agent_->kill9();
  ASSERT_FALSE(agent_->running());
  expect_matrix(standard_policy, "agent killed with SIGKILL");
  ASSERT_NO_FATAL_FAILURE(start_agent_and_wait());
  auto status = agent_->status();
  ASSERT_TRUE(status.has_value());
  if (status->contains("map_writes"))
    EXPECT_EQ(status->at("map_writes"), 0) << "a restarted agent rewrote entries that were right: " << status->dump();
  expect_matrix(standard_policy, "agent restarted");
}

TEST_F(DatapathTest, StoppedAgentKeepsEnforcingAndAppliesAChangeOnRestart) {
  ASSERT_TRUE(agent_->stop());
  expect_matrix(standard_policy, "agent stopped with SIGTERM");
  // D joins net3 while the agent is down: nothing changes until it is back.
  DesiredState changed = standard_state();
  changed.set_network(net3_, {&sb("D"), &sb("E")});
  last_sha_ = agent_->write_state(changed.to_json());
  ASSERT_NO_FATAL_FAILURE(start_agent_and_wait());
  expect_matrix(
      [](const Sandbox& from, const Sandbox& to) {
        auto pair = from.label + to.label;
        return standard_policy(from, to) || pair == "DE" || pair == "ED";
      },
      "D added to net3 while the agent was down");
}

TEST_F(DatapathTest, InvalidStateFileIsRejectedAndTheRunningStateKept) {
  agent_->write_state("{\"version\": 1, \"endpoints\": [{\"tap\": 7}]}\n");
  bool reported = eventually(milliseconds(30000), milliseconds(20), [&] {
    auto st = agent_->status();
    return st && st->value("ok", true) == false;
  });
  ASSERT_TRUE(reported) << "no ok=false status for an invalid file; last: "
                        << agent_->status().value_or(nlohmann::json()).dump() << "\n" << agent_->log();
  EXPECT_TRUE(agent_->running());
  EXPECT_FALSE(agent_->status()->value("error", "").empty());
  expect_matrix(standard_policy, "after an invalid state file");
}

}  // namespace
}  // namespace sandnet::testing
