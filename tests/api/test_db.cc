#include "tests/api/test_db.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

#include <sqlite3.h>

#ifdef SANDNET_HAVE_PG
#include "api/pg_conn.h"
#endif

namespace sandnet::test {
namespace {

class Sqlite {
 public:
  explicit Sqlite(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) {
      std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw std::runtime_error("sqlite3_open " + path + ": " + msg);
    }
    sqlite3_busy_timeout(db_, 10000);
  }
  ~Sqlite() { sqlite3_close(db_); }
  void exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "?";
      sqlite3_free(err);
      throw std::runtime_error(sql + ": " + msg);
    }
  }
  // The first column of the first row, as text ("" when no row).
  std::string scalar(const std::string& sql, const std::string& param = "") {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      throw std::runtime_error(sql + ": " + sqlite3_errmsg(db_));
    }
    if (!param.empty()) sqlite3_bind_text(stmt, 1, param.c_str(), -1, SQLITE_TRANSIENT);
    std::string out;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
      const unsigned char* text = sqlite3_column_text(stmt, 0);
      out = text ? reinterpret_cast<const char*>(text) : "";
    }
    sqlite3_finalize(stmt);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

#ifdef SANDNET_HAVE_PG
// postgresql:///NAME?host=…: NAME, and the same URI naming the maintenance database.
std::string pg_database_name(const std::string& uri) {
  size_t start = uri.find(":///");
  if (start == std::string::npos) throw std::runtime_error("unexpected test URI " + uri);
  start += 4;
  size_t end = uri.find('?', start);
  return uri.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::string pg_admin_uri(const std::string& uri) {
  std::string name = pg_database_name(uri);
  std::string admin = uri;
  admin.replace(admin.find(":///") + 4, name.size(), "postgres");
  return admin;
}
#endif

[[noreturn]] [[maybe_unused]] void no_pg() {
  throw std::runtime_error("a postgresql:// test database, but the tests were built without "
                           "PostgreSQL (-DSANDNET_PG=ON)");
}

}  // namespace

bool is_postgres(const std::string& db) {
  return db.rfind("postgresql://", 0) == 0 || db.rfind("postgres://", 0) == 0;
}

int64_t count_changes(const std::string& db, const std::string& kind) {
  if (!is_postgres(db)) {
    Sqlite conn(db);
    return std::stoll(conn.scalar("SELECT COUNT(*) FROM changes WHERE kind = ?", kind));
  }
#ifdef SANDNET_HAVE_PG
  api::PgConn conn(db);
  return conn.exec("SELECT COUNT(*) FROM changes WHERE kind = $1", {kind}).int_at(0, 0);
#else
  no_pg();
#endif
}

BrokenNetworkInserts::BrokenNetworkInserts(const std::string& db) : db_(db) {
  if (!is_postgres(db_)) {
    Sqlite(db_).exec(
        "CREATE TRIGGER break_networks BEFORE INSERT ON networks "
        "BEGIN SELECT RAISE(ABORT, 'injected failure'); END;");
  } else {
#ifdef SANDNET_HAVE_PG
    api::PgConn conn(db_);
    conn.exec_script(
        "CREATE FUNCTION break_networks() RETURNS trigger LANGUAGE plpgsql AS "
        "$$BEGIN RAISE EXCEPTION 'injected failure'; END$$;"
        "CREATE TRIGGER break_networks BEFORE INSERT ON networks "
        "FOR EACH ROW EXECUTE FUNCTION break_networks();");
#else
    no_pg();
#endif
  }
  broken_ = true;
}

BrokenNetworkInserts::~BrokenNetworkInserts() {
  try {
    repair();
  } catch (...) {
  }
}

void BrokenNetworkInserts::repair() {
  if (!broken_) return;
  broken_ = false;
  if (!is_postgres(db_)) {
    Sqlite(db_).exec("DROP TRIGGER break_networks");
    return;
  }
#ifdef SANDNET_HAVE_PG
  api::PgConn conn(db_);
  conn.exec_script("DROP TRIGGER break_networks ON networks; DROP FUNCTION break_networks();");
#endif
}

struct ForeignWriteLock::Session {
  std::unique_ptr<Sqlite> sqlite;
#ifdef SANDNET_HAVE_PG
  std::unique_ptr<api::PgConn> pg;
#endif
};

ForeignWriteLock::ForeignWriteLock(const std::string& db) : session_(new Session) {
  if (!is_postgres(db)) {
    session_->sqlite = std::make_unique<Sqlite>(db);
    session_->sqlite->exec("BEGIN IMMEDIATE");
    return;
  }
#ifdef SANDNET_HAVE_PG
  session_->pg = std::make_unique<api::PgConn>(db);
  session_->pg->exec("BEGIN");
  // The row every write transaction of the PostgreSQL store locks first (api/pg_store.cc).
  session_->pg->exec("SELECT value FROM meta WHERE name = 'revision' FOR UPDATE");
#else
  no_pg();
#endif
}

ForeignWriteLock::~ForeignWriteLock() {
  try {
    release();
  } catch (...) {
  }
}

void ForeignWriteLock::release() {
  if (!session_) return;
  std::unique_ptr<Session> s = std::move(session_);
  if (s->sqlite) s->sqlite->exec("ROLLBACK");
#ifdef SANDNET_HAVE_PG
  if (s->pg) s->pg->exec("ROLLBACK");
#endif
}

DatabaseOutage::DatabaseOutage(const std::string& db) : db_(db) {
  if (!is_postgres(db_)) {
    int fd = open(db_.c_str(), O_RDWR);
    if (fd < 0) throw std::runtime_error("open " + db_ + ": " + std::strerror(errno));
    bool ok = pread(fd, header_, sizeof header_, 0) == sizeof header_;
    std::string garbage(sizeof header_, '\x5a');
    ok = ok && pwrite(fd, garbage.data(), garbage.size(), 0) == sizeof header_;
    close(fd);
    if (!ok) throw std::runtime_error("could not overwrite the header of " + db_);
  } else {
#ifdef SANDNET_HAVE_PG
    std::string name = pg_database_name(db_);
    api::PgConn admin(pg_admin_uri(db_));
    // A generated identifier (tests/api/api_process.cc), not user input.
    admin.exec("ALTER DATABASE " + name + " ALLOW_CONNECTIONS false");
    admin.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
               {name});
#else
    no_pg();
#endif
  }
  broken_ = true;
}

DatabaseOutage::~DatabaseOutage() {
  try {
    repair();
  } catch (...) {
  }
}

void DatabaseOutage::repair() {
  if (!broken_) return;
  broken_ = false;
  if (!is_postgres(db_)) {
    int fd = open(db_.c_str(), O_RDWR);
    if (fd < 0) throw std::runtime_error("open " + db_ + ": " + std::strerror(errno));
    bool ok = pwrite(fd, header_, sizeof header_, 0) == sizeof header_;
    close(fd);
    if (!ok) throw std::runtime_error("could not restore the header of " + db_);
    return;
  }
#ifdef SANDNET_HAVE_PG
  api::PgConn admin(pg_admin_uri(db_));
  admin.exec("ALTER DATABASE " + pg_database_name(db_) + " ALLOW_CONNECTIONS true");
#endif
}

const char* DatabaseOutage::unhealthy_word(const std::string& db) {
  return is_postgres(db) ? "unreachable" : "unreadable";
}

std::string integrity_check(const std::string& db) {
  if (!is_postgres(db)) return Sqlite(db).scalar("PRAGMA integrity_check");
#ifdef SANDNET_HAVE_PG
  api::PgConn conn(db);
  return conn.exec("SELECT value FROM meta WHERE name = 'revision'").rows() == 1 ? "ok"
                                                                                  : "no revision row";
#else
  no_pg();
#endif
}

}  // namespace sandnet::test
