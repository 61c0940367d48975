// Long-polling: a relevant change answers a waiting agent at once; irrelevant ones do not
// wake it; a timeout answers empty changes at the current revision; stopping the server
// answers waiters instead of waiting out their timeouts.
#include <future>

#include "tests/api_feed/feed_fixture.h"

namespace sandnet::test {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

class FeedLongPollTest : public FeedTest {
 protected:
  void SetUp() override {
    FeedTest::SetUp();
    make_network(alice(), "backend");
    a_ = sandbox_id("brave-otter");
    b_ = sandbox_id("clever-fox");
    attach(a_, "backend");
    plug(h1(), a_);
    rev_ = snapshot(h1())["revision"];
  }
  std::string a_, b_;
  int64_t rev_ = 0;
};

TEST_F(FeedLongPollTest, RelevantChangeWakesTheWaiterAtOnce) {
  auto poll = std::async(std::launch::async, [&] { return h1().feed(rev_, 30); });
  // Let the poll reach its wait (if it has not yet, it finds the change on its first check).
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto changed = Clock::now();
  attach(b_, "backend");
  ASSERT_EQ(poll.wait_for(std::chrono::seconds(20)), std::future_status::ready)
      << "the long-poll was not woken by a relevant change";
  double ms = std::chrono::duration<double, std::milli>(Clock::now() - changed).count();
  Response r = poll.get();
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["data"]["type"], "changes");
  EXPECT_EQ(ids_of(r.body["data"]["sandboxes"]), (std::set<std::string>{b_}));
  std::printf("long-poll answered %.1f ms after the attach's 200\n", ms);
}

TEST_F(FeedLongPollTest, IrrelevantChangesDoNotAnswerAndTimeoutGivesCurrentRevision) {
  auto poll = std::async(std::launch::async, [&] { return h1().feed(rev_, 2); });
  // Changes elsewhere: another tenant, a sandbox on another host in no shared network.
  make_network(bob(), "elsewhere");
  std::string c = sandbox_id("quiet-owl", &bob());
  attach(c, "elsewhere", &bob());
  plug(h2(), c);
  Response r = poll.get();
  ASSERT_EQ(r.status, 200) << r.raw;
  const json& d = r.body["data"];
  EXPECT_EQ(d, (json{{"type", "changes"}, {"revision", d["revision"]},
                     {"sandboxes", json::array()}, {"networks", json::array()},
                     {"removed_sandboxes", json::array()},
                     {"removed_networks", json::array()}, {"hosts", json::array()}}));
  EXPECT_EQ(d["revision"], snapshot(h2())["revision"]);
  EXPECT_GT(d["revision"].get<int64_t>(), rev_);
}

TEST_F(FeedLongPollTest, ZeroTimeoutAnswersAtOnce) {
  Response r = h1().feed(rev_, 0);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body["data"]["revision"], rev_);
  EXPECT_EQ(r.body["data"]["sandboxes"], json::array());
}

TEST_F(FeedLongPollTest, ManyWaitersDoNotStarveUserRequests) {
  // More waiting agents than wait slots, and more than the user threads (--threads 2):
  // the extra waiters are refused with 503 and users are still served.
  server_->terminate();
  start({"--threads", "2", "--wait-threads", "4"});
  h1_ = std::make_unique<HostClient>(server_->port(), "h1", h1_token_);
  std::vector<std::future<Response>> polls;
  for (int i = 0; i < 7; ++i) {
    polls.push_back(std::async(std::launch::async, [&] { return h1().feed(rev_, 5); }));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(alice().get("/v1/networks").status, 200);
  PollOutcome o = collect_polls(polls);
  EXPECT_EQ(o.ok + o.busy, 7);
  EXPECT_LE(o.ok, 4 + 2);  // at most the wait slots wait; a late starter may find a free slot
}

TEST_F(FeedLongPollTest, StopAnswersWaiters) {
  auto poll = std::async(std::launch::async, [&] { return h1().feed(rev_, 60); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(server_->terminate(), 0);
  ASSERT_EQ(poll.wait_for(std::chrono::seconds(20)), std::future_status::ready);
}

}  // namespace
}  // namespace sandnet::test
