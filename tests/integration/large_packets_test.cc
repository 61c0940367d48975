// What small probes never produce: fragmented IPv4 (a 3000-byte ping on a 1500-byte MTU) and a
// bulk TCP transfer (full-size and GSO segments whose payload is not in the linear head).
// Between peers they pass intact; towards a non-peer they do not.
#include "tests/integration/datapath_fixture.h"
#include "tests/integration/harness/poll.h"
#include "tests/integration/harness/probes.h"
#include "tests/integration/harness/process.h"

namespace sandnet::testing {
namespace {

using std::chrono::milliseconds;

bool big_ping(const Sandbox& from, const Sandbox& to) {
  return run_command({"ping", "-c", "1", "-W", "2", "-s", "3000", "-M", "dont", to.ip},
                     {.netns = from.netns, .timeout = milliseconds(5000)})
      .ok();
}

TEST_F(DatapathTest, FragmentedPingsPassBetweenPeersOnly) {
  EXPECT_TRUE(eventually(milliseconds(15000), milliseconds(200), [&] { return big_ping(sb("A"), sb("B")); }))
      << "a fragmented 3000-byte ping A->B did not come back";
  EXPECT_FALSE(big_ping(sb("A"), sb("C"))) << "fragments reached a non-peer";
  EXPECT_FALSE(big_ping(sb("D"), sb("B"))) << "fragments from a sandbox in no network got through";
}

TEST_F(DatapathTest, BulkTcpTransferPassesIntactBetweenPeers) {
  TcpEchoServer server(sb("C").netns, sb("C").ip, 7700);
  std::unique_ptr<TcpEchoClient> flow;
  ASSERT_TRUE(eventually(milliseconds(15000), milliseconds(100), [&] {
    try {
      flow = std::make_unique<TcpEchoClient>(sb("B").netns, sb("C").ip, 7700, milliseconds(1000));
      return true;
    } catch (const std::exception&) {
      return false;
    }
  }));
  EXPECT_TRUE(flow->exchange_bulk(8 << 20, milliseconds(60000))) << "8 MiB B->C->B did not all come back";
}

}  // namespace
}  // namespace sandnet::testing
