// Database statements per change with many hosts long-polling one replica: the shared feed
// poll reads each change once, and the woken hosts take their answers from it, so waiting
// hosts add no statements, whether 5 or 50 of them wait (a count from /metrics, never a time).
// Runs on SQLite and on PostgreSQL (api_feed_pg.*).
#include <chrono>

#include <gtest/gtest.h>

#include "tests/api/api_fixture.h"
#include "tests/api_feed/feed_fanout_support.h"

namespace sandnet::test {
namespace {

class FeedFanoutQueriesTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    // No fallback rechecks, no host-token refresh and no lease renewal during the test: they
    // would add statements that no change caused.
    restart_with_config({{"feed_recheck_ms", 600000}, {"host_token_cache_ms", 60000},
                         {"host_lease_ms", 3600000}, {"wait_threads", 128}});
  }

  int64_t statements() { return metric(anon(), "sandnet_api_store_statements_total"); }
  // Until the shared poll has read every write this replica acknowledged.
  void settle() {
    EXPECT_TRUE(eventually([&] {
      int64_t committed = metric(anon(), "sandnet_api_committed_revision");
      return metric(anon(), "sandnet_api_feed_revision") == committed;
    }));
  }

  // Statements the replica executes for one change to the network: the write itself and
  // the shared poll's read of it, with and without every host long-polling.
  struct Cost {
    int64_t alone = 0, with_waiters = 0;
  };
  Cost change_cost(const FanoutNetwork& net, const std::string& tag) {
    Cost cost;
    settle();
    int64_t s0 = statements();
    add_member(alice(), net.id, tag + "-a");
    settle();
    cost.alone = statements() - s0;

    int64_t since = metric(anon(), "sandnet_api_feed_revision");
    std::vector<std::future<Response>> polls = long_poll_all(net, since, 30);
    size_t n = net.hosts.size();
    EXPECT_TRUE(eventually([&] {
      return metric(anon(), "sandnet_api_feed_waiting") == static_cast<int64_t>(n);
    }));
    int64_t s1 = statements();
    add_member(alice(), net.id, tag + "-b");
    for (auto& poll : polls) {
      Response r = poll.get();
      EXPECT_EQ(r.status, 200) << r.raw;
      EXPECT_GT(r.body["data"]["revision"].get<int64_t>(), since) << r.raw;  // the change
      EXPECT_EQ(r.body["data"]["sandboxes"].size(), 1u) << r.raw;
    }
    cost.with_waiters = statements() - s1;
    return cost;
  }
};

TEST_F(FeedFanoutQueriesTest, WaitingHostsAddNoStatementsWhateverTheirNumber) {
  FanoutNetwork few = make_fanout_network(db_, server_->port(), alice(), "few", 5);
  FanoutNetwork many = make_fanout_network(db_, server_->port(), alice(), "many", 50);
  Cost c5 = change_cost(few, "few");
  Cost c50 = change_cost(many, "many");
  // The write's own statements grow with the hosts it touches (one index row each); the
  // hosts waiting for it add none: they are answered from the one shared read. (At most one
  // more empty check, 3 statements, either way: on PostgreSQL the replica's own NOTIFY may
  // poke the shared poll again after it has read.)
  EXPECT_LE(c5.with_waiters, c5.alone + 3) << "5 hosts";
  EXPECT_LE(c50.with_waiters, c50.alone + 3) << "50 hosts";
}

}  // namespace
}  // namespace sandnet::test
