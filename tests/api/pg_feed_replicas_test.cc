// The host feed across sandnet-api replicas (real processes) on one PostgreSQL database,
// with the default long-poll (no shortened --long-poll): a commit on one replica wakes the
// long-polls on another (LISTEN/NOTIFY pokes its shared poll), a host switching replicas
// never sees its revision go backwards, ?wait=applied on one replica is released by a report
// taken by another, the shared poll survives a database restart, and the poll's statements
// per change do not grow with the hosts waiting (a count from /metrics), and every replica's
// lease keeper turns a host lost or live once, not once per replica.
#include <chrono>
#include <fstream>
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "api/pg_conn.h"
#include "tests/api/api_process.h"
#include "tests/api/pg_cluster_env.h"
#include "tests/api_feed/feed_fanout_support.h"

namespace sandnet::test {
namespace {

using namespace std::chrono_literals;

class PgFeedReplicasTest : public ::testing::Test {
 protected:
  PgFeedReplicasTest() : db_(PgCluster::fresh_database()), key_(create_user(db_, "alice")) {}

  // Starts n replicas with this serve configuration.
  void start(int n, const nlohmann::json& config = nlohmann::json::object()) {
    std::string path = dir_.file("serve.json");
    std::ofstream(path) << config.dump();
    for (int i = 0; i < n; ++i) {
      replicas_.push_back(std::make_unique<ApiProcess>(db_, std::vector<std::string>{"--config", path}));
      tenants_.push_back(std::make_unique<Api>(replicas_.back()->port(), key_));
      anons_.push_back(std::make_unique<Api>(replicas_.back()->port(), ""));
    }
  }
  Api& tenant(int i) { return *tenants_[i]; }
  int port(int i) { return replicas_[i]->port(); }
  int64_t gauge(int i, const std::string& name) { return metric(*anons_[i], name); }
  // Until replica i's shared poll has read revision `r`.
  void settle(int i, int64_t r) {
    ASSERT_TRUE(eventually([&] { return gauge(i, "sandnet_api_feed_revision") >= r; }));
  }

  TempDir dir_;
  std::string db_;
  std::string key_;
  std::vector<std::unique_ptr<ApiProcess>> replicas_;
  std::vector<std::unique_ptr<Api>> tenants_, anons_;
};

TEST_F(PgFeedReplicasTest, LongPollOnOneReplicaIsAnsweredByACommitOnAnother) {
  start(2);
  FanoutNetwork net = make_fanout_network(db_, port(0), tenant(0), "lp", 1);
  HostClient& host = *net.hosts[0];
  int64_t since = host.feed(0).body["data"]["revision"];
  auto poll = std::async(std::launch::async, [&] { return host.feed(since, 25); });
  ASSERT_TRUE(eventually([&] { return gauge(0, "sandnet_api_feed_waiting") == 1; }));
  add_member(tenant(1), net.id, "from-b");
  // Answered with the change (a long-poll not woken would answer empty at its timeout).
  Response r = poll.get();
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_GT(r.body["data"]["revision"].get<int64_t>(), since);
  ASSERT_EQ(r.body["data"]["sandboxes"].size(), 1u) << r.raw;
  EXPECT_EQ(r.body["data"]["sandboxes"][0]["name"], "from-b");
}

TEST_F(PgFeedReplicasTest, AHostSwitchingReplicasNeverGoesBackwards) {
  start(3);
  FanoutNetwork net = make_fanout_network(db_, port(0), tenant(0), "sw", 1);
  std::string token = net.hosts[0]->token();
  std::vector<std::unique_ptr<HostClient>> via;
  for (int i = 0; i < 3; ++i) via.push_back(std::make_unique<HostClient>(port(i), "sw0", token));
  int64_t revision = via[0]->feed(0).body["data"]["revision"];
  for (int step = 0; step < 30; ++step) {
    // A change through one replica, then the host asks another right away (its shared poll
    // may not have read the change yet) and a third with what it was given.
    add_member(tenant(step % 3), net.id, "m" + std::to_string(step));
    for (int hop = 1; hop <= 2; ++hop) {
      Response r = via[(step + hop) % 3]->feed(revision, 0);
      ASSERT_EQ(r.status, 200) << r.raw;
      int64_t got = r.body["data"]["revision"];
      EXPECT_GE(got, revision) << "step " << step << " hop " << hop;
      EXPECT_EQ(r.body["data"]["type"], "changes") << r.raw;
      revision = std::max(revision, got);
    }
  }
  // Never past what the database holds.
  EXPECT_GE(via[1]->feed(0).body["data"]["revision"].get<int64_t>(), revision);
}

TEST_F(PgFeedReplicasTest, WaitAppliedOnOneReplicaIsReleasedByAReportToAnother) {
  start(2);
  FanoutNetwork net = make_fanout_network(db_, port(0), tenant(0), "ap", 1);
  HostClient& on_a = *net.hosts[0];
  HostClient on_b(port(1), "ap0", on_a.token());
  int64_t since = on_a.feed(0).body["data"]["revision"];
  Response sb = tenant(0).post("/v1/sandboxes", R"({"name":"late"})");
  ASSERT_EQ(sb.status, 200) << sb.raw;
  std::string id = sb.body["data"]["id"];
  auto attach = std::async(std::launch::async, [&] {
    return tenant(0).post("/v1/sandboxes/" + id + "/networks?wait=applied&timeout=30",
                          nlohmann::json{{"id", net.id}}.dump());
  });
  // The agent follows the feed on replica B and reports there what it applied.
  Response change = on_b.feed(since, 30);
  ASSERT_EQ(change.status, 200) << change.raw;
  int64_t applied = change.body["data"]["revision"];
  ASSERT_GT(applied, since);
  ASSERT_EQ(on_b.applied(applied).status, 200);
  Response r = attach.get();
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["data"]["applied"], true) << r.raw;
}

TEST_F(PgFeedReplicasTest, NothingIsAppliedBeforeTheHostReportsIt) {
  start(2);
  FanoutNetwork net = make_fanout_network(db_, port(0), tenant(0), "na", 1);
  Response sb = tenant(1).post("/v1/sandboxes", R"({"name":"unreported"})");
  ASSERT_EQ(sb.status, 200) << sb.raw;
  std::string id = sb.body["data"]["id"];
  Response r = tenant(0).post("/v1/sandboxes/" + id + "/networks?wait=applied&timeout=2",
                              nlohmann::json{{"id", net.id}}.dump());
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["data"]["applied"], false) << r.raw;
  EXPECT_EQ(r.body["data"]["pending_hosts"], nlohmann::json::array({"na0"})) << r.raw;
}

// Only NOTIFY may wake the replica here (its fallback recheck is ten minutes away), so the
// listen connection must come back after the restart.
TEST_F(PgFeedReplicasTest, AfterADatabaseRestartCommitsStillWakeLongPolls) {
  start(2, {{"feed_recheck_ms", 600000}});
  FanoutNetwork net = make_fanout_network(db_, port(0), tenant(0), "rs", 1);
  HostClient& host = *net.hosts[0];
  int64_t since = host.feed(0).body["data"]["revision"];
  auto poll = std::async(std::launch::async, [&] { return host.feed(since, 25); });
  ASSERT_TRUE(eventually([&] { return gauge(0, "sandnet_api_feed_waiting") == 1; }));
  PgCluster::stop();
  PgCluster::resume();
  // Writes through B succeed again once its pool reconnects (503 store_busy until then).
  nlohmann::json member{{"name", "after-restart"}, {"networks", {{{"id", net.id}}}}};
  ASSERT_TRUE(eventually([&] {
    return tenant(1).post("/v1/sandboxes", member.dump()).status == 200;
  }, 20s));
  Response r = poll.get();
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_GT(r.body["data"]["revision"].get<int64_t>(), since) << r.raw;
  ASSERT_EQ(r.body["data"]["sandboxes"].size(), 1u) << r.raw;
  EXPECT_EQ(r.body["data"]["sandboxes"][0]["name"], "after-restart");
  // And the next change, too.
  int64_t now = r.body["data"]["revision"];
  auto poll2 = std::async(std::launch::async, [&] { return host.feed(now, 25); });
  ASSERT_TRUE(eventually([&] { return gauge(0, "sandnet_api_feed_waiting") == 1; }));
  add_member(tenant(1), net.id, "woken");
  Response r2 = poll2.get();
  ASSERT_EQ(r2.status, 200) << r2.raw;
  ASSERT_EQ(r2.body["data"]["sandboxes"].size(), 1u) << r2.raw;
  EXPECT_EQ(r2.body["data"]["sandboxes"][0]["name"], "woken");
}

// The replica the hosts long-poll reads each change once whatever their number: its
// statements per change are the same for 5 and for 50 waiting hosts (the write, and its
// per-host index rows, happen on the other replica).
TEST_F(PgFeedReplicasTest, StatementsPerChangeDoNotGrowWithWaitingHosts) {
  // No fallback rechecks, and no host-token refresh (every 30 s here), during the counts.
  start(2, {{"feed_recheck_ms", 600000}, {"host_token_cache_ms", 60000},
            {"host_lease_ms", 3600000}, {"wait_threads", 128}});
  auto cost = [&](const std::string& prefix, int n) {
    FanoutNetwork net = make_fanout_network(db_, port(0), tenant(0), prefix, n);
    settle(0, gauge(0, "sandnet_api_committed_revision"));
    int64_t since = gauge(0, "sandnet_api_feed_revision");
    std::vector<std::future<Response>> polls = long_poll_all(net, since, 25);
    EXPECT_TRUE(eventually([&] { return gauge(0, "sandnet_api_feed_waiting") == n; }));
    int64_t before = gauge(0, "sandnet_api_store_statements_total");
    add_member(tenant(1), net.id, prefix + "-new");
    for (auto& p : polls) {
      Response r = p.get();
      EXPECT_EQ(r.status, 200) << r.raw;
      EXPECT_EQ(r.body["data"]["sandboxes"].size(), 1u) << r.raw;
    }
    return gauge(0, "sandnet_api_store_statements_total") - before;
  };
  int64_t c5 = cost("few", 5);
  int64_t c50 = cost("many", 50);
  EXPECT_EQ(c50, c5) << "5 hosts: " << c5 << ", 50 hosts: " << c50;
  EXPECT_LT(c50, 50);  // fewer than one statement per waiting host
}

// Two replicas each keep leases (lease 400 ms, a round every 100 ms) over one database; each
// host polls only its own replica, so each replica renews one host and sees the other's
// renewal only in the database. Every transition is logged once.
TEST_F(PgFeedReplicasTest, LeasesTurnOnceWhateverTheReplicas) {
  start(2, {{"host_lease_ms", 400}});
  FanoutNetwork net = make_fanout_network(db_, port(0), tenant(0), "ls", 2);
  HostClient a(port(0), "ls0", net.hosts[0]->token());
  HostClient b(port(1), "ls1", net.hosts[1]->token());
  sandnet::api::PgConn sql(db_);
  auto count = [&](const std::string& kind, const std::string& host) {
    return sql.exec("SELECT COUNT(*) FROM changes WHERE kind = $1 AND host_id = $2", {kind, host})
        .int_at(0, 0);
  };
  auto both_poll = [&] {
    EXPECT_EQ(a.feed(0).status, 200);
    EXPECT_EQ(b.feed(0).status, 200);
  };
  ASSERT_TRUE(eventually([&] {
    both_poll();
    return count("host_live", "ls0") >= 1 && count("host_live", "ls1") >= 1;
  }));
  // Many more rounds of both keepers while both hosts stay live: nothing more is logged.
  int64_t settled = 0;
  for (int i = 0; i < 20; ++i) {
    Response r = a.feed(0);
    ASSERT_EQ(r.status, 200) << r.raw;
    settled = r.body["data"]["revision"];
    EXPECT_EQ(b.feed(settled, 0).status, 200);
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(count("host_live", "ls0"), 1);
  EXPECT_EQ(count("host_live", "ls1"), 1);
  EXPECT_EQ(count("host_lost", "ls0"), 0);
  EXPECT_EQ(count("host_lost", "ls1"), 0);
  // ls1 falls silent: lost once, and ls0 (polling replica 0) is told.
  int64_t since = settled;
  bool told = false;
  ASSERT_TRUE(eventually([&] {
    Response r = a.feed(since, 1);
    if (r.status != 200) return false;
    since = r.body["data"]["revision"];
    nlohmann::json h = host_record(r.body["data"], "ls1");
    told = told || (!h.is_null() && h["live"] == false);
    return told;
  }, 30s));
  for (int i = 0; i < 10; ++i) {  // more rounds of both keepers
    EXPECT_EQ(a.feed(since, 0).status, 200);
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(count("host_lost", "ls1"), 1);
  // Back with one request to replica 1: live once more, once.
  ASSERT_EQ(b.feed(0).status, 200);
  ASSERT_TRUE(eventually([&] {
    EXPECT_EQ(b.feed(0).status, 200);
    return count("host_live", "ls1") == 2;
  }));
  for (int i = 0; i < 10; ++i) {
    both_poll();
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(count("host_live", "ls1"), 2);
  EXPECT_EQ(count("host_lost", "ls0"), 0);
}

}  // namespace
}  // namespace sandnet::test
