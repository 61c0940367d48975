// Restart without loss: a 10 ms-interval ping A->B runs while the agent is restarted (after
// SIGTERM, and after kill -9); every echo request gets its reply.
#include <signal.h>

#include <atomic>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "tests/integration/datapath_fixture.h"
#include "tests/integration/harness/probes.h"

namespace sandnet::testing {
namespace {

using std::chrono::milliseconds;

constexpr int kPings = 1000;  // 10 s at 10 ms: room for a slow restart in the middle

class RestartLossTest : public DatapathTest {
 protected:
  // Runs the ping stream on a worker thread while `disrupt` runs on this (the main) thread,
  // which must stay the agent's parent.
  void ping_through(const std::function<void()>& disrupt) {
    const Sandbox& A = sb("A");
    const Sandbox& B = sb("B");
    ASSERT_TRUE(ping_eventually(A.netns, B.ip, milliseconds(15000)));
    PingStreamResult result;
    std::atomic<bool> stream_done{false};
    std::thread pinger([&] {
      result = ping_stream(A.netns, B.ip, kPings, milliseconds(10), milliseconds(3000));
      stream_done = true;
    });
    std::this_thread::sleep_for(milliseconds(1000));
    disrupt();
    const bool restarted_while_pinging = !stream_done;
    pinger.join();
    EXPECT_TRUE(restarted_while_pinging) << "the restart outlasted the ping stream; it proves less than intended";
    EXPECT_EQ(result.sent, kPings);
    EXPECT_EQ(result.received, kPings) << "lost sequence numbers: " << fmt::format("{}", fmt::join(result.lost, ","));
  }
};

TEST_F(RestartLossTest, RestartAfterSigtermLosesNoPing) {
  ping_through([&] {
    EXPECT_TRUE(agent_->stop()) << "agent did not exit on SIGTERM";
    ASSERT_NO_FATAL_FAILURE(start_agent_and_wait());
  });
}

TEST_F(RestartLossTest, RestartAfterKill9LosesNoPing) {
  ping_through([&] {
    agent_->kill9();
    ASSERT_NO_FATAL_FAILURE(start_agent_and_wait());
  });
}

}  // namespace
}  // namespace sandnet::testing
