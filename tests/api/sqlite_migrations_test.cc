// The SQLite store's versioned migrations on real files: a fresh file is migrated once, a
// file the last unversioned release wrote is adopted with its data, two processes opening a
// fresh file at once migrate it exactly once between them, and a newer file is refused.
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "api/sqlite_conn.h"
#include "api/sqlite_migrations.h"
#include "api/sqlite_store.h"
#include "tests/api/api_process.h"

namespace sandnet::api {
namespace {

const int kSteps = static_cast<int>(sqlite_migrations().size());
const int kLatest = latest_version(sqlite_migrations());

int64_t count(const std::string& path, const std::string& sql) {
  SqliteConn conn(path);
  Stmt s = conn.prepare(sql);
  s.step();
  return s.int_at(0);
}

TEST(SqliteMigrations, FreshFileIsMigratedOnceToTheLatestVersion) {
  sandnet::test::TempDir dir;
  std::string path = dir.file("fresh.db");
  { EXPECT_EQ(SqliteStore(path).migrations_applied(), kSteps); }
  EXPECT_EQ(SqliteStore(path).migrations_applied(), 0);
  SqliteConn conn(path);
  EXPECT_EQ(sqlite_schema_version(conn), kLatest);
  EXPECT_EQ(count(path, "SELECT COUNT(*) FROM schema_migrations"), kSteps);
}

// tests/api/fixtures/unversioned-release.sql: a dump of a file the last release before
// versioned migrations wrote (no schema_migrations table).
TEST(SqliteMigrations, UnversionedFileIsAdoptedWithItsData) {
  sandnet::test::TempDir dir;
  std::string path = dir.file("old.db");
  {
    std::ifstream in(std::string(SANDNET_API_FIXTURES) + "/unversioned-release.sql");
    ASSERT_TRUE(in) << "fixture missing";
    std::stringstream dump;
    dump << in.rdbuf();
    SqliteConn(path).exec(dump.str());
    // A second host, its one token revoked: registered too (step 3), numbered before h1.
    SqliteConn(path).exec(
        "INSERT INTO host_tokens VALUES('00000000000000aa', 'h0', X'00', '2026-12-06T15:33:30Z',"
        " '2026-12-06T15:40:00Z')");
  }
  SqliteStore store(path);
  EXPECT_EQ(store.migrations_applied(), kSteps - 1);  // version 1 is adopted, not run
  {
    SqliteConn conn(path);
    EXPECT_EQ(sqlite_schema_version(conn), kLatest);
  }
  EXPECT_EQ(count(path, "SELECT COUNT(*) FROM meta WHERE name = 'schema_version'"), 0);

  std::optional<User> alice = store.find_user("alice");
  ASSERT_TRUE(alice);
  store.read([&](ReadTx& tx) {
    EXPECT_EQ(tx.current_revision(), 4);
    EXPECT_EQ(tx.feed_log_floor(), 0);
    std::optional<Network> net = tx.find_network_by_name(alice->id, "backend");
    ASSERT_TRUE(net);
    std::optional<Sandbox> sb = tx.find_sandbox_by_name(alice->id, "web");
    ASSERT_TRUE(sb);
    EXPECT_EQ(sb->ip, "10.42.0.2");
    EXPECT_EQ(sb->status, "running");
    EXPECT_EQ(sb->host, "h1");
    EXPECT_EQ(tx.view_sandbox(sb->id)->mac, "02:00:0a:2a:00:02");
    ASSERT_EQ(tx.network_members(net->id).size(), 1u);
    EXPECT_TRUE(tx.network_in_view("h1", net->id));
    EXPECT_EQ(tx.changes_since(0, 100).size(), 4u);
  });
  // Every host with a token is registered, numbered in id order, without underlay, lost.
  std::vector<HostInfo> hosts = store.list_hosts();
  ASSERT_EQ(hosts.size(), 2u);
  EXPECT_EQ(hosts[0].host_id, "h0");
  EXPECT_EQ(hosts[0].number, 1);
  EXPECT_EQ(hosts[1].host_id, "h1");
  EXPECT_EQ(hosts[1].number, 2);
  EXPECT_EQ(hosts[1].active_tokens, 1);
  for (const HostInfo& h : hosts) {
    EXPECT_EQ(h.underlay, "");
    EXPECT_FALSE(h.live);
  }
  // And it takes writes at the next revision.
  store.write([&](WriteTx& tx) { tx.create_network(alice->id, "frontend"); });
  store.read([&](ReadTx& tx) { EXPECT_EQ(tx.current_revision(), 5); });
}

// Both children wait on a third connection's write lock, so their migrations really race;
// whichever wins, the steps run once. The children are forked before the parent opens the
// file: a SQLite connection must not cross a fork.
TEST(SqliteMigrations, TwoProcessesOpeningAFreshFileMigrateItOnce) {
  sandnet::test::TempDir dir;
  std::string path = dir.file("race.db");
  int go[2];
  ASSERT_EQ(pipe(go), 0);
  pid_t children[2];
  for (pid_t& child : children) {
    child = fork();
    if (child == 0) {
      close(go[1]);
      char byte;
      if (read(go[0], &byte, 1) != 1) _exit(101);
      try {
        SqliteStore store(path);
        _exit(store.migrations_applied());
      } catch (...) {
        _exit(100);
      }
    }
  }
  close(go[0]);
  {
    SqliteConn blocker(path);
    blocker.exec("BEGIN IMMEDIATE");
    ASSERT_EQ(write(go[1], "xx", 2), 2);
    // Not a timing assertion: only more likely that both are already waiting on the lock.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    blocker.exec("ROLLBACK");
  }
  close(go[1]);
  int applied[2];
  for (int i = 0; i < 2; ++i) {
    int status = 0;
    waitpid(children[i], &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    applied[i] = WEXITSTATUS(status);
  }
  EXPECT_EQ(applied[0] + applied[1], kSteps) << applied[0] << " and " << applied[1];
  EXPECT_TRUE(applied[0] == 0 || applied[1] == 0) << applied[0] << " and " << applied[1];
  EXPECT_EQ(count(path, "SELECT COUNT(*) FROM schema_migrations"), kSteps);
}

TEST(SqliteMigrations, FileNewerThanTheBinaryIsRefused) {
  sandnet::test::TempDir dir;
  std::string path = dir.file("newer.db");
  { SqliteStore store(path); }
  SqliteConn(path).exec(
      "INSERT INTO schema_migrations(version, applied_at) VALUES (9999, datetime('now'))");
  try {
    SqliteStore again(path);
    FAIL() << "opened a newer file";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("9999"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace sandnet::api
