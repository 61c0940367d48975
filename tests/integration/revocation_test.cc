// Revocation through the real stack: an established A->B TCP connection stops carrying data
// once a state that removes A from net1 is applied, and stays cut; re-adding A restores reach.
#include <memory>

#include "tests/integration/datapath_fixture.h"
#include "tests/integration/harness/poll.h"
#include "tests/integration/harness/probes.h"

namespace sandnet::testing {
namespace {

using std::chrono::milliseconds;

TEST_F(DatapathTest, RemovingAFromNet1CutsTheEstablishedFlowToB) {
  const Sandbox& A = sb("A");
  const Sandbox& B = sb("B");
  TcpEchoServer server(B.netns, B.ip, 7300);
  std::unique_ptr<TcpEchoClient> flow;
  ASSERT_TRUE(eventually(milliseconds(15000), milliseconds(100), [&] {
    try {
      flow = std::make_unique<TcpEchoClient>(A.netns, B.ip, 7300, milliseconds(1000));
      return true;
    } catch (const std::exception&) {
      return false;
    }
  })) << "A could not connect to B before the change";
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(flow->exchange(milliseconds(5000))) << "flow not established";

  DesiredState revoked = standard_state();
  revoked.set_network(net1_, {&B});
  ASSERT_NO_FATAL_FAILURE(apply(revoked));

  // Nothing revoked passes once the agent says the state is live: the first exchange fails.
  int passed_after_apply = 0;
  bool cut = eventually(milliseconds(15000), milliseconds(0), [&] {
    if (!flow->exchange(milliseconds(500))) return true;
    ++passed_after_apply;
    return false;
  });
  ASSERT_TRUE(cut) << "data still flows A<->B 15 s after the revocation was applied";
  EXPECT_EQ(passed_after_apply, 0) << "exchanges completed after the agent reported the state applied";
  EXPECT_FALSE(flow->exchange(milliseconds(2000))) << "the cut flow came back";

  auto revoked_policy = [](const Sandbox& from, const Sandbox& to) {
    auto pair = from.label + to.label;
    return pair == "BC" || pair == "CB";
  };
  expect_matrix(revoked_policy, "after removing A from net1");

  ASSERT_NO_FATAL_FAILURE(apply(standard_state()));
  expect_matrix(standard_policy, "after re-adding A to net1");
}

}  // namespace
}  // namespace sandnet::testing
