// The same assertions against both stores: each test runs once on a SQLite file and once on
// a fresh PostgreSQL database (a throw-away cluster, pg_cluster_env.h). What one store does,
// the other must do too.
#include <memory>
#include <thread>

#include <gtest/gtest.h>

#include "api/api_error.h"
#include "api/host_auth.h"
#include "api/host_registry.h"
#include "api/host_token_cache.h"
#include "api/pg_store.h"
#include "api/sqlite_store.h"
#include "common/ulid.h"
#include "tests/api/api_process.h"
#include "tests/api/pg_cluster_env.h"

namespace sandnet::api {
namespace {

class StoreParamTest : public ::testing::TestWithParam<std::string> {
 protected:
  StoreParamTest()
      : db_(GetParam() == "postgres" ? sandnet::test::PgCluster::fresh_database()
                                     : dir_.file("store.db")),
        store_(open()) {}

  // A second instance on the same database: a second replica (or the admin CLI).
  std::unique_ptr<Store> open() const {
    if (GetParam() == "postgres") return std::make_unique<PgStore>(db_);
    return std::make_unique<SqliteStore>(db_);
  }

  int64_t revision() {
    int64_t r = 0;
    store_->read([&](ReadTx& tx) { r = tx.current_revision(); });
    return r;
  }

  sandnet::test::TempDir dir_;
  std::string db_;
  std::unique_ptr<Store> store_;
};

INSTANTIATE_TEST_SUITE_P(Stores, StoreParamTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

TEST_P(StoreParamTest, UsersAndApiKeys) {
  UserId alice = store_->create_user("alice");
  UserId bob = store_->create_user("bob");
  EXPECT_NE(alice, bob);
  EXPECT_THROW(store_->create_user("alice"), std::runtime_error);

  // Raw SHA-256 bytes: zeros and high bytes must round-trip unchanged.
  std::string hash("\x00\xff\x10\x80secret\x00tail", 14);
  store_->add_api_key(alice, "k1", hash);
  store_->add_api_key(alice, "k2", hash);
  std::optional<ApiKeyRecord> k = store_->find_api_key("k1");
  ASSERT_TRUE(k);
  EXPECT_EQ(k->user_id, alice);
  EXPECT_EQ(k->secret_hash, hash);
  EXPECT_FALSE(k->revoked);
  EXPECT_FALSE(store_->find_api_key("nope"));

  EXPECT_TRUE(store_->revoke_api_key("k1"));
  EXPECT_FALSE(store_->revoke_api_key("k1"));  // already revoked
  EXPECT_TRUE(store_->find_api_key("k1")->revoked);

  std::vector<User> users = store_->list_users();
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(users[0].name, "alice");
  EXPECT_EQ(users[0].active_keys, 1);
  EXPECT_EQ(users[1].active_keys, 0);
  EXPECT_EQ(store_->find_user("bob")->id, bob);
  EXPECT_FALSE(store_->find_user("carol"));
}

TEST_P(StoreParamTest, HostTokens) {
  std::string hash("\x01\x02\x00\x03", 4);
  register_host(*store_, "h1", "");  // hosts list lists registered hosts
  register_host(*store_, "h2", "");
  store_->add_host_token("h1", "t1", hash);
  store_->add_host_token("h1", "t2", hash);
  store_->add_host_token("h2", "t3", hash);
  EXPECT_EQ(store_->find_host_token("t1")->secret_hash, hash);
  EXPECT_EQ(store_->find_host_token("t3")->host_id, "h2");
  store_->write([&](WriteTx& tx) { tx.set_host_applied("h1", 7); });
  store_->write([&](WriteTx& tx) { tx.set_host_applied("h1", 3); });  // monotonic: ignored
  EXPECT_TRUE(store_->revoke_host("h2"));
  EXPECT_FALSE(store_->revoke_host("h2"));
  std::vector<HostInfo> hosts = store_->list_hosts();
  ASSERT_EQ(hosts.size(), 2u);
  EXPECT_EQ(hosts[0].host_id, "h1");
  EXPECT_EQ(hosts[0].active_tokens, 2);
  EXPECT_EQ(hosts[0].applied_revision, 7);
  EXPECT_EQ(hosts[1].active_tokens, 0);
  EXPECT_TRUE(store_->find_host_token("t3")->revoked);
  // Several in one statement; unknown ids are simply absent.
  std::vector<HostTokenRecord> some = store_->find_host_tokens({"t1", "t3", "nope"});
  ASSERT_EQ(some.size(), 2u);
  for (const HostTokenRecord& r : some) EXPECT_EQ(r.revoked, r.token_id == "t3") << r.token_id;
  EXPECT_TRUE(store_->find_host_tokens({}).empty());
}

// Host tokens verified once are believed without a statement until the refresher finds them
// revoked: a wrong secret is refused even while the right one is kept, and a revocation ends
// the belief at the next refresh (or at the TTL, whichever comes first).
// Registration, underlay changes and lease transitions, on both stores (docs/host-feed.md).
TEST_P(StoreParamTest, HostsNumbersUnderlaysAndLeases) {
  HostRegistration h1 = register_host(*store_, "h1", "");
  HostRegistration h2 = register_host(*store_, "h2", "10.8.0.2");
  EXPECT_TRUE(h1.created);
  EXPECT_EQ(h1.host, (ViewHost{"h1", 1, "", false}));
  EXPECT_EQ(h2.host, (ViewHost{"h2", 2, "10.8.0.2", false}));
  int64_t r0 = 0;
  store_->read([&](ReadTx& tx) { r0 = tx.current_revision(); });
  EXPECT_EQ(r0, 0);  // a new host is in no view: no revision
  try {
    register_host(*store_, "h3", "10.8.0.2");
    ADD_FAILURE() << "h2's underlay given to h3";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code, "underlay_taken");
  }
  // h2 sees a sandbox of h1 through a network: h1's changes touch h2 too.
  UserId u = store_->create_user("alice");
  store_->write([&](WriteTx& tx) {
    std::string net = tx.create_network(u, "n").id;
    for (const char* host : {"h1", "h2"}) {
      std::string id = new_sandbox_id();
      tx.create_sandbox(u, id, std::string("s-") + host, host[1] == '1' ? "10.42.0.2" : "10.42.0.3");
      tx.attach(id, net);
      tx.set_sandbox_status(id, host, "running");
    }
  });
  store_->read([&](ReadTx& tx) { r0 = tx.current_revision(); });
  HostRegistration moved = register_host(*store_, "h1", "10.8.0.1");
  EXPECT_TRUE(moved.underlay_changed);
  EXPECT_FALSE(register_host(*store_, "h1", "10.8.0.1").underlay_changed);  // the same again
  EXPECT_EQ(register_host(*store_, "h1", "").host.underlay, "10.8.0.1");   // kept
  // Leases on a clock of the test's own.
  auto keep = [&](std::vector<std::string> renewed, int64_t now) {
    LeaseTransitions t;
    store_->write([&](WriteTx& tx) { t = tx.keep_host_leases(renewed, now, now + 100); });
    return t;
  };
  LeaseTransitions t = keep({"h1", "h2"}, 1000);
  EXPECT_EQ(t.live, (std::vector<std::string>{"h1", "h2"}));
  EXPECT_TRUE(keep({"h1", "h2"}, 1000).live.empty());  // a second keeper: nothing turns
  t = keep({"h1"}, 1150);  // h2's lease ended at 1100
  EXPECT_EQ(t.lost, (std::vector<std::string>{"h2"}));
  EXPECT_TRUE(t.live.empty());
  EXPECT_TRUE(keep({}, 1160).lost.empty());  // once
  std::optional<int64_t> floor;
  store_->write([&](WriteTx& tx) { tx.set_host_applied("h1", 3); });
  store_->read([&](ReadTx& tx) { floor = tx.live_hosts_applied_floor(); });
  EXPECT_EQ(floor, 3);  // h1 only: h2 is lost
  std::vector<Change> log;
  store_->read([&](ReadTx& tx) {
    log = tx.changes_since(r0, 100);
    // h2 is told of h1's underlay and liveness (it sees h1's sandbox), h1 of h2's.
    std::vector<Change> seen = tx.host_changes_since("h2", r0);
    ASSERT_EQ(seen.size(), 4u);
    EXPECT_EQ(seen[0].kind, "host_underlay");
    EXPECT_EQ(seen[0].host_id, "h1");
  });
  ASSERT_EQ(log.size(), 4u);  // underlay, live h1, live h2, lost h2
  EXPECT_EQ(log[0].kind, "host_underlay");
  EXPECT_EQ(log[1].kind, "host_live");
  EXPECT_EQ(log[1].revision, log[2].revision);  // one revision for both turns
  EXPECT_EQ(log[3].kind, "host_lost");
  EXPECT_EQ(log[3].host_id, "h2");
  std::vector<HostInfo> hosts = store_->list_hosts();
  ASSERT_EQ(hosts.size(), 2u);
  EXPECT_EQ(hosts[0].underlay, "10.8.0.1");
  EXPECT_TRUE(hosts[0].live);
  EXPECT_FALSE(hosts[1].live);
}

TEST_P(StoreParamTest, HostTokenCacheBelievesUntilARefreshFindsTheRevocation) {
  std::string token = issue_host_token(*store_, "h1");
  std::string wrong = token;
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  HostTokenCache cache(*store_, std::chrono::hours(1));  // the refresher never runs by itself here
  auto t0 = HostTokenCache::Clock::now();
  EXPECT_EQ(cache.authenticate(token, t0), "h1");
  EXPECT_FALSE(cache.authenticate(wrong, t0));
  EXPECT_TRUE(store_->revoke_host("h1"));
  EXPECT_EQ(cache.authenticate(token, t0), "h1") << "believed until the next refresh";
  cache.refresh(t0);
  EXPECT_FALSE(cache.authenticate(token, t0)) << "the refresh found it revoked";
  std::string renewed = issue_host_token(*store_, "h1");
  EXPECT_EQ(cache.authenticate(renewed, t0), "h1");
  // A refresh renews a token in use...
  auto t1 = t0 + std::chrono::minutes(50);
  EXPECT_EQ(cache.authenticate(renewed, t1), "h1");
  cache.refresh(t1);
  EXPECT_TRUE(store_->revoke_host("h1"));
  EXPECT_EQ(cache.authenticate(renewed, t0 + std::chrono::minutes(100)), "h1") << "renewed at t1 for an hour";
  // ...and forgets one not presented for a TTL: the next request asks the store again.
  cache.refresh(t0 + std::chrono::minutes(170));
  EXPECT_FALSE(cache.authenticate(renewed, t0 + std::chrono::minutes(170)));
}

TEST_P(StoreParamTest, NetworksAreNamedPerUserAndPaged) {
  UserId alice = store_->create_user("alice");
  UserId bob = store_->create_user("bob");
  std::vector<Network> made;
  store_->write([&](WriteTx& tx) {
    for (const char* name : {"a", "b", "c"}) made.push_back(tx.create_network(alice, name));
    tx.create_network(bob, "a");  // another user may reuse the name
  });
  try {
    store_->write([&](WriteTx& tx) { tx.create_network(alice, "b"); });
    FAIL() << "duplicate name accepted";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status, 400);
    EXPECT_EQ(e.code, "name_taken");
  }
  store_->read([&](ReadTx& tx) {
    Page<Network> page = tx.list_networks(alice, 2, 1);
    EXPECT_EQ(page.total, 3);
    ASSERT_EQ(page.items.size(), 2u);
    EXPECT_EQ(page.items[0].id, made[1].id);
    EXPECT_EQ(page.items[1].name, "c");
    EXPECT_EQ(tx.find_network_by_name(alice, "a")->id, made[0].id);
    EXPECT_TRUE(tx.find_network_by_id(alice, made[0].id));
    EXPECT_FALSE(tx.find_network_by_id(bob, made[0].id));  // another tenant's: not found
  });
  store_->write([&](WriteTx& tx) { tx.delete_network(made[0].id); });
  store_->read([&](ReadTx& tx) { EXPECT_FALSE(tx.find_network_by_id(alice, made[0].id)); });
}

TEST_P(StoreParamTest, EveryWriteTakesOneRevisionAndLogsEveryChange) {
  UserId user = store_->create_user("alice");
  int64_t r0 = revision();
  Network net;
  Sandbox sb;
  store_->write([&](WriteTx& tx) { net = tx.create_network(user, "backend"); });
  store_->write([&](WriteTx& tx) {
    sb = tx.create_sandbox(user, new_sandbox_id(), "brave-otter", "10.42.0.2");
    tx.attach(sb.id, net.id);
  });
  store_->write([&](WriteTx& tx) { EXPECT_FALSE(tx.attach(sb.id, net.id)); });  // no-op
  store_->write([&](WriteTx& tx) { EXPECT_TRUE(tx.set_sandbox_status(sb.id, "host-a", "running")); });
  store_->write([&](WriteTx& tx) { EXPECT_TRUE(tx.set_sandbox_status(sb.id, "host-a", "running")); });
  store_->write([&](WriteTx& tx) { tx.delete_sandbox(sb.id); });
  store_->write([&](WriteTx& tx) { tx.delete_network(net.id); });

  std::vector<Change> log;
  store_->read([&](ReadTx& tx) { log = tx.changes_since(r0, 100); });
  EXPECT_EQ(revision(), r0 + 5);
  std::vector<std::pair<int64_t, std::string>> got;
  for (const Change& c : log) got.emplace_back(c.revision - r0, c.kind);
  std::vector<std::pair<int64_t, std::string>> want = {
      {1, "network_created"}, {2, "sandbox_created"}, {2, "member_attached"},
      {3, "sandbox_status"},  {4, "member_detached"}, {4, "sandbox_deleted"},
      {5, "network_deleted"}};
  EXPECT_EQ(got, want);
}

TEST_P(StoreParamTest, SandboxesMembersAndHostView) {
  UserId user = store_->create_user("alice");
  Network net;
  Sandbox a, b;
  store_->write([&](WriteTx& tx) {
    net = tx.create_network(user, "backend");
    a = tx.create_sandbox(user, new_sandbox_id(), "a", "10.42.0.2");
    b = tx.create_sandbox(user, new_sandbox_id(), "b", "10.42.0.3");
    tx.attach(b.id, net.id);  // attach order, not id order
    tx.attach(a.id, net.id);
  });
  EXPECT_THROW(store_->write([&](WriteTx& tx) {
    tx.create_sandbox(user, new_sandbox_id(), "a", "10.42.0.4");
  }), ApiError);
  store_->write([&](WriteTx& tx) { tx.set_sandbox_status(a.id, "h1", "running", "02:00:00:00:00:01"); });
  store_->read([&](ReadTx& tx) {
    std::vector<Member> members = tx.network_members(net.id);
    ASSERT_EQ(members.size(), 2u);
    EXPECT_EQ(members[0].sandbox_id, b.id);
    EXPECT_EQ(members[1].status, "running");
    EXPECT_EQ(members[1].host, "h1");
    EXPECT_EQ(tx.sandbox_networks(a.id).at(0).name, "backend");
    EXPECT_EQ(tx.list_sandboxes(user, 10, 0).total, 2);
    EXPECT_EQ(tx.tenant_usage(user, 0).memberships, 2);
    HostView view = tx.host_view("h1");
    EXPECT_EQ(view.revision, tx.current_revision());
    ASSERT_EQ(view.networks.size(), 1u);
    EXPECT_EQ(view.networks[0].members, (std::vector<std::string>{b.id, a.id}));
    ASSERT_EQ(view.sandboxes.size(), 2u);  // a is placed here, b is seen through the network
    EXPECT_TRUE(tx.network_in_view("h1", net.id));
    EXPECT_EQ(tx.member_hosts(net.id), std::vector<std::string>{"h1"});
    std::vector<ViewEdge> edges = tx.host_edges_since("h1", 0);
    ASSERT_EQ(edges.size(), 1u);
    EXPECT_TRUE(edges[0].entered);
    EXPECT_EQ(tx.view_sandbox(a.id)->mac, "02:00:00:00:00:01");
    EXPECT_FALSE(tx.host_changes_since("h1", 0).empty());
  });
}

// A failed write rolls back and gives its revision back: the next write takes the very next
// number, so a reader following revisions never sees a hole.
TEST_P(StoreParamTest, RolledBackWriteLeavesNoGap) {
  UserId user = store_->create_user("alice");
  int64_t r0 = revision();
  EXPECT_THROW(store_->write([&](WriteTx& tx) {
    tx.create_network(user, "x");
    throw std::runtime_error("handler failed");
  }), std::runtime_error);
  EXPECT_EQ(revision(), r0);
  store_->write([&](WriteTx& tx) { tx.create_network(user, "x"); });
  EXPECT_EQ(revision(), r0 + 1);
}

// Two instances on one database (two replicas) writing at once: revisions stay dense and in
// the order the log shows, each transaction's changes under its own single revision.
TEST_P(StoreParamTest, TwoInstancesWritingAtOnceKeepRevisionsGapless) {
  UserId user = store_->create_user("alice");
  std::unique_ptr<Store> other = open();
  int64_t r0 = revision();
  constexpr int kPerThread = 25;
  auto writer = [&](Store* s, const std::string& prefix) {
    for (int i = 0; i < kPerThread; ++i) {
      for (;;) {
        try {
          s->write([&](WriteTx& tx) { tx.create_network(user, prefix + std::to_string(i)); });
          break;
        } catch (const StoreBusy&) {  // SQLite's other-process lock: retry as a client would
        }
      }
    }
  };
  std::thread t1(writer, store_.get(), "p"), t2(writer, other.get(), "q");
  t1.join();
  t2.join();
  std::vector<Change> log;
  store_->read([&](ReadTx& tx) { log = tx.changes_since(r0, 1000); });
  ASSERT_EQ(log.size(), 2u * kPerThread);
  for (size_t i = 0; i < log.size(); ++i) EXPECT_EQ(log[i].revision, r0 + 1 + int64_t(i));
  EXPECT_EQ(revision(), r0 + 2 * kPerThread);
}

}  // namespace
}  // namespace sandnet::api
