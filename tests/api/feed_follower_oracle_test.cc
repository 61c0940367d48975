// The feed follower's shared read against the per-host truth, on both stores: random churn
// (create, attach, detach, plug, unplug, delete over several hosts and networks, hosts'
// leases running out and renewed on a simulated clock, underlay changes), and after
// every batch each host's answer built in memory from the batch reads equals what
// compute_view_changes reads from the database for that host; hosts that poll the follower
// only now and then, applying what it answers, hold exactly their snapshot view.
#include <map>
#include <random>

#include <gtest/gtest.h>

#include "api/api_error.h"
#include "api/feed_delta.h"
#include "api/feed_follower.h"
#include "api/host_registry.h"
#include "api/host_view.h"
#include "api/pg_store.h"
#include "api/placement.h"
#include "api/sqlite_store.h"
#include "common/ulid.h"
#include "tests/api/api_process.h"
#include "tests/api/pg_cluster_env.h"

namespace sandnet::api {
namespace {

const std::vector<std::string> kHosts = {"h0", "h1", "h2", "h3", "h4"};

// A host agent's copy of its view, kept by applying feed answers.
struct AgentView {
  int64_t revision = 0;
  std::map<std::string, nlohmann::json> sandboxes, networks;
  // Host records are kept, never removed (docs/host-feed.md): an agent may hold more than a
  // snapshot lists, but every record the snapshot lists must be the one it holds.
  std::map<std::string, nlohmann::json> hosts;

  void reset(const HostView& v) {
    revision = v.revision;
    sandboxes.clear();
    networks.clear();
    hosts.clear();
    for (const ViewSandbox& s : v.sandboxes) sandboxes[s.id] = view_sandbox_json(s);
    for (const ViewNetwork& n : v.networks) networks[n.id] = view_network_json(n);
    for (const ViewHost& h : v.hosts) hosts[h.id] = view_host_json(h);
  }
  void apply(const ViewChanges& c) {
    revision = c.revision;
    for (const ViewSandbox& s : c.sandboxes) sandboxes[s.id] = view_sandbox_json(s);
    for (const ViewNetwork& n : c.networks) networks[n.id] = view_network_json(n);
    for (const std::string& id : c.removed_sandboxes) sandboxes.erase(id);
    for (const std::string& id : c.removed_networks) networks.erase(id);
    for (const ViewHost& h : c.hosts) hosts[h.id] = view_host_json(h);
  }
  // What a fresh snapshot (`truth`) holds, this agent holds.
  bool holds(const AgentView& truth) const {
    if (revision != truth.revision || sandboxes != truth.sandboxes || networks != truth.networks) {
      return false;
    }
    for (const auto& [id, record] : truth.hosts) {
      auto it = hosts.find(id);
      if (it == hosts.end() || it->second != record) return false;
    }
    return true;
  }
};

class FeedFollowerOracleTest : public ::testing::TestWithParam<std::string> {
 protected:
  FeedFollowerOracleTest() {
    if (GetParam() == "postgres") {
      store_ = std::make_unique<PgStore>(sandnet::test::PgCluster::fresh_database());
    } else {
      store_ = std::make_unique<SqliteStore>(dir_.file("oracle.db"));
    }
    user_ = store_->create_user("alice");
    for (const std::string& host : kHosts) register_host(*store_, host, "");
  }

  int64_t revision() {
    int64_t r = 0;
    store_->read([&](ReadTx& tx) { r = tx.current_revision(); });
    return r;
  }

  template <typename T>
  const T& pick(const std::vector<T>& v) {
    return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng_)];
  }

  // One random change in its own write transaction; refusals (a busy name, a sandbox
  // plugged elsewhere) roll back and change nothing.
  void churn_once() {
    int op = std::uniform_int_distribution<int>(0, 11)(rng_);
    try {
      store_->write([&](WriteTx& tx) {
        if (op == 10) {
          // A lease keeper's round on a simulated clock: some hosts were heard from (their
          // lease runs 250 ms on), time moves on, and hosts turn lost or live.
          std::vector<std::string> renewed;
          for (const std::string& host : kHosts) {
            if (std::uniform_int_distribution<int>(0, 2)(rng_) == 0) renewed.push_back(host);
          }
          now_ms_ += 100 * std::uniform_int_distribution<int>(0, 3)(rng_);
          tx.keep_host_leases(renewed, now_ms_, now_ms_ + 250);
        } else if (op == 11) {
          // A new underlay (or one another host has: refused, rolled back).
          tx.register_host(pick(kHosts), "10.8.0." + std::to_string(
                                             std::uniform_int_distribution<int>(1, 6)(rng_)));
        } else if (op == 0 || networks_.empty()) {
          networks_.push_back(tx.create_network(user_, "n" + std::to_string(serial_++)).id);
        } else if (op == 1 || sandboxes_.empty()) {
          std::string id = new_sandbox_id();
          tx.create_sandbox(user_, id, "s" + std::to_string(serial_), "10.42.0." +
                            std::to_string(2 + serial_ % 250));
          ++serial_;
          sandboxes_.push_back(id);
          // Some sandboxes are created straight into a network, in the same transaction.
          if (serial_ % 2) tx.attach(id, pick(networks_));
        } else if (op <= 3) {
          tx.attach(pick(sandboxes_), pick(networks_));
        } else if (op == 4) {
          tx.detach(pick(sandboxes_), pick(networks_));
        } else if (op <= 6) {
          plug_on(tx, pick(kHosts), pick(sandboxes_), "02:00:00:00:00:01");
        } else if (op == 7) {
          std::string id = pick(sandboxes_);
          std::optional<ViewSandbox> sb = tx.view_sandbox(id);
          if (sb && !sb->host.empty()) unplug_on(tx, sb->host, id);
        } else if (op == 8) {
          std::string id = pick(sandboxes_);
          std::optional<ViewSandbox> sb = tx.view_sandbox(id);
          if (sb && sb->status != "running") {
            tx.delete_sandbox(id);
            std::erase(sandboxes_, id);
          }
        } else {
          std::string id = pick(networks_);
          if (tx.network_members(id).empty()) {
            tx.delete_network(id);
            std::erase(networks_, id);
          }
        }
      });
    } catch (const ApiError&) {
    }
  }

  sandnet::test::TempDir dir_;
  std::unique_ptr<Store> store_;
  UserId user_ = 0;
  std::mt19937 rng_{20261206};
  int serial_ = 0;
  int64_t now_ms_ = 1'000'000;  // the lease keepers' clock
  std::vector<std::string> networks_, sandboxes_;
};

INSTANTIATE_TEST_SUITE_P(Stores, FeedFollowerOracleTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

TEST_P(FeedFollowerOracleTest, EveryHostsAnswerEqualsItsOwnQueries) {
  int checked_touched = 0, with_hosts = 0;
  for (int batch = 0; batch < 60; ++batch) {
    int64_t from = revision();
    int changes = std::uniform_int_distribution<int>(1, 6)(rng_);
    for (int i = 0; i < changes; ++i) churn_once();
    store_->read([&](ReadTx& tx) {
      FeedDelta delta = read_feed_delta(tx, from);
      EXPECT_EQ(delta.to, tx.current_revision());
      EXPECT_FALSE(delta.log_lost);
      for (const std::string& host : kHosts) {
        ViewChanges truth = compute_view_changes(tx, host, from);
        auto it = delta.hosts.find(host);
        if (it == delta.hosts.end()) {
          EXPECT_TRUE(truth.empty()) << "batch " << batch << " host " << host;
          continue;
        }
        ++checked_touched;
        if (!it->second.changed_hosts.empty()) ++with_hosts;
        EXPECT_EQ(changes_json(it->second), changes_json(truth))
            << "batch " << batch << " host " << host;
      }
    });
  }
  EXPECT_GT(checked_touched, 50);  // the churn did reach the hosts
  EXPECT_GT(with_hosts, 10);       // and so did host records that changed
}

// The follower itself: read only when poked (a recheck far away), hosts that poll now and
// then walk the deltas it kept, and what they are answered rebuilds their snapshot exactly.
TEST_P(FeedFollowerOracleTest, HostsApplyingFollowerAnswersHoldTheirSnapshot) {
  AppliedTracker applied;
  FeedFollower follower(*store_, applied, {std::chrono::minutes(10), 64});
  std::map<std::string, AgentView> agents;
  auto snapshot = [&](const std::string& host) {
    AgentView v;
    store_->read([&](ReadTx& tx) { v.reset(snapshot_view(tx, host)); });
    return v;
  };
  for (const std::string& host : kHosts) agents[host] = snapshot(host);
  int answered = 0;
  for (int batch = 0; batch < 40; ++batch) {
    int changes = std::uniform_int_distribution<int>(1, 5)(rng_);
    for (int i = 0; i < changes; ++i) churn_once();
    int64_t now = revision();
    follower.poke();
    ASSERT_TRUE(sandnet::test::eventually([&] { return follower.known() == now; }));
    for (const std::string& host : kHosts) {
      if (std::uniform_int_distribution<int>(0, 2)(rng_) == 0) continue;  // lags this time
      AgentView& agent = agents[host];
      while (true) {
        ViewChanges answer;
        int64_t since = agent.revision;
        auto now_tp = std::chrono::steady_clock::now();
        auto outcome = follower.wait(host, since, now_tp, now_tp, answer);
        if (outcome == FeedFollower::Outcome::kAnswer) {
          // Everything since the agent's revision in one answer: exactly the store's.
          ++answered;
          store_->read([&](ReadTx& tx) {
            EXPECT_EQ(changes_json(answer), changes_json(compute_view_changes(tx, host, agent.revision)))
                << "batch " << batch << " host " << host;
          });
          agent.apply(answer);
          continue;
        }
        if (outcome == FeedFollower::Outcome::kAsk) {
          ASSERT_EQ(since, 0) << host;  // nothing yet: the route answers a snapshot
          agent = snapshot(host);
          continue;
        }
        ASSERT_EQ(outcome, FeedFollower::Outcome::kNothing) << host;
        agent.revision = since;
        break;
      }
      EXPECT_EQ(agent.revision, now);
      AgentView truth = snapshot(host);
      EXPECT_TRUE(agent.holds(truth)) << "batch " << batch << " host " << host;
    }
  }
  EXPECT_GT(answered, 30);
}

}  // namespace
}  // namespace sandnet::api
