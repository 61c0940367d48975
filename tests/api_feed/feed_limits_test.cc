// Per-host limits for agents: one host can hold at most max_waits_per_caller long-polls, so
// it cannot take every wait slot from the other hosts, and host_requests_per_second bounds
// its request rate (429 + Retry-After) without touching another host.
#include "tests/api_feed/feed_fixture.h"

namespace sandnet::test {
namespace {

class FeedLimitsTest : public FeedTest {
 protected:
  void restart(const nlohmann::json& config) {
    restart_with_config(config);
    h1_ = std::make_unique<HostClient>(server_->port(), "h1", h1_token_);
    h2_ = std::make_unique<HostClient>(server_->port(), "h2", h2_token_);
  }
};

TEST_F(FeedLimitsTest, OneHostCannotTakeEveryWaitSlot) {
  restart({{"wait_threads", 8}, {"max_waits_per_caller", 2}});
  make_network(alice(), "quiet");  // revision 1: a feed since it waits (since=0 is a snapshot)
  int64_t rev = snapshot(h1())["revision"];
  std::vector<std::future<Response>> polls;
  for (int i = 0; i < 4; ++i) {
    polls.push_back(std::async(std::launch::async, [&] { return h1().feed(rev, 3); }));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  auto other = std::async(std::launch::async, [&] { return h2().feed(rev, 1); });
  PollOutcome o = collect_polls(polls);
  EXPECT_EQ(o.ok, 2);
  EXPECT_EQ(o.busy, 2);
  EXPECT_EQ(other.get().status, 200);  // h2 still got a slot
}

TEST_F(FeedLimitsTest, HostRequestRateIsPerHost) {
  restart({{"host_requests_per_second", 2}});  // burst of 4
  int limited = 0;
  for (int i = 0; i < 20; ++i) {
    Response r = h1().feed(0, 0);
    if (r.status == 429) {
      ++limited;
      expect_fail(r, 429, "rate_limited");
      EXPECT_EQ(r.headers.count("Retry-After"), 1u);
    }
  }
  EXPECT_GE(limited, 10);
  EXPECT_EQ(h2().feed(0, 0).status, 200);
  EXPECT_EQ(alice().get("/v1/networks").status, 200);
}

}  // namespace
}  // namespace sandnet::test
