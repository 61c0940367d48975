// Test support: one throw-away PostgreSQL cluster per test binary (scripts/lib/pg_cluster.sh),
// started before the first test and removed after the last. A watchdog process removes it
// as well when the test binary dies without tearing down (crash, SIGKILL, ctest timeout).
#pragma once
#include <string>

namespace sandnet::test {

// The running cluster; valid while tests run.
class PgCluster {
 public:
  // postgresql:// URI of database `db` on the cluster's unix socket.
  static std::string uri(const std::string& db = "postgres");
  // Creates a new empty database and returns its URI: one per test keeps tests independent.
  static std::string fresh_database();
  // Stops the server (fast shutdown: sessions are ended) / starts it again on the same socket.
  static void stop();
  static void resume();
};

}  // namespace sandnet::test
