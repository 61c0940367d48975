// Test support: reaching a test server's database from outside the server, the way another
// process, an operator or a fault would, in the dialect of whichever store the test runs on
// (a SQLite file, or a postgresql:// URI when SANDNET_API_TEST_PG_HOST is set). The HTTP
// tests use it to inject faults and to read the change log, so each runs on both stores.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

namespace sandnet::test {

bool is_postgres(const std::string& db);

// Rows of the change log with this kind.
int64_t count_changes(const std::string& db, const std::string& kind);

// While alive, every INSERT into networks fails inside the store with a non-retryable error
// (a trigger), so the server meets a real store failure.
class BrokenNetworkInserts {
 public:
  explicit BrokenNetworkInserts(const std::string& db);
  ~BrokenNetworkInserts();
  void repair();

 private:
  std::string db_;
  bool broken_ = false;
};

// While alive, another session holds the store's write lock (SQLite: BEGIN IMMEDIATE;
// PostgreSQL: the revision row locked FOR UPDATE), so the server's writes wait behind it.
class ForeignWriteLock {
 public:
  explicit ForeignWriteLock(const std::string& db);
  ~ForeignWriteLock();
  void release();

 private:
  struct Session;
  std::unique_ptr<Session> session_;
};

// While alive, the database cannot be read by the server: SQLite's file header is
// overwritten with garbage; a PostgreSQL database refuses new connections and its sessions
// are ended. repair() restores it. unhealthy_word is what /healthz's message then names.
class DatabaseOutage {
 public:
  explicit DatabaseOutage(const std::string& db);
  ~DatabaseOutage();
  void repair();
  static const char* unhealthy_word(const std::string& db);

 private:
  std::string db_;
  bool broken_ = false;
  char header_[100] = {};
};

// After a crash of the server: "ok" when the database is consistent (SQLite's
// integrity_check; PostgreSQL recovers by itself, so a query that answers is enough).
std::string integrity_check(const std::string& db);

}  // namespace sandnet::test
