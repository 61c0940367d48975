// Migrations of the PostgreSQL store against a real cluster: a fresh database is brought to
// the latest version once, two processes starting at once migrate exactly once between them,
// and a database newer than the binary is refused.
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "api/pg_conn.h"
#include "api/pg_migrations.h"
#include "api/pg_store.h"
#include "tests/api/api_process.h"
#include "tests/api/pg_cluster_env.h"

namespace sandnet::api {
namespace {

using sandnet::test::PgCluster;

const int kSteps = static_cast<int>(pg_migrations().size());

TEST(PgMigrations, FreshDatabaseIsMigratedOnceToTheLatestVersion) {
  std::string uri = PgCluster::fresh_database();
  {
    PgStore first(uri);
    EXPECT_EQ(first.migrations_applied(), kSteps);
  }
  PgStore second(uri);
  EXPECT_EQ(second.migrations_applied(), 0);
  PgConn conn(uri);
  EXPECT_EQ(pg_schema_version(conn), pg_migrations().back().version);
}

int advisory_waiters(PgConn& conn) {
  return static_cast<int>(
      conn.exec("SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
          .int_at(0, 0));
}

// Both processes are held at the advisory lock (a third session holds it) until both wait
// there, so they really start at once; then exactly one applies every step.
TEST(PgMigrations, TwoStartersExactlyOneMigrates) {
  std::string uri = PgCluster::fresh_database();
  PgConn blocker(uri);
  blocker.exec("SELECT pg_advisory_lock($1)", {kPgMigrationLockKey});
  pid_t children[2];
  for (pid_t& child : children) {
    child = fork();
    if (child == 0) {
      try {
        PgStore store(uri);
        _exit(store.migrations_applied());
      } catch (...) {
        _exit(100);
      }
    }
  }
  EXPECT_TRUE(sandnet::test::eventually([&] { return advisory_waiters(blocker) == 2; }));
  blocker.exec("SELECT pg_advisory_unlock($1)", {kPgMigrationLockKey});
  int applied[2];
  for (int i = 0; i < 2; ++i) {
    int status = 0;
    waitpid(children[i], &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    applied[i] = WEXITSTATUS(status);
  }
  EXPECT_EQ(applied[0] + applied[1], kSteps);
  EXPECT_TRUE(applied[0] == 0 || applied[1] == 0) << applied[0] << " and " << applied[1];
  EXPECT_EQ(blocker.exec("SELECT COUNT(*) FROM schema_migrations").int_at(0, 0), kSteps);
}

TEST(PgMigrations, DatabaseNewerThanTheBinaryIsRefused) {
  std::string uri = PgCluster::fresh_database();
  { PgStore store(uri); }
  PgConn conn(uri);
  conn.exec("INSERT INTO schema_migrations(version) VALUES (9999)");
  EXPECT_THROW(PgStore again(uri), std::runtime_error);
}

TEST(PgMigrations, UnreachableServerIsRetryable) {
  try {
    PgStore store("postgresql:///postgres?host=/nonexistent-sandnet-dir&user=postgres");
    FAIL() << "connected to nothing";
  } catch (const StoreBusy&) {
  }
}

}  // namespace
}  // namespace sandnet::api
