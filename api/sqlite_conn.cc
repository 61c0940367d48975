#include "api/sqlite_conn.h"

#include <sqlite3.h>

#include <fmt/format.h>

#include "api/statement_counter.h"

namespace sandnet::api {
namespace {

[[noreturn]] void fail(sqlite3* db, int rc, std::string_view context) {
  int extended = db ? sqlite3_extended_errcode(db) : rc;
  const char* msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  throw SqliteError(rc, extended, fmt::format("sqlite: {}: {}", context, msg));
}

}  // namespace

bool SqliteError::is_unique_violation() const {
  return extended_code == SQLITE_CONSTRAINT_UNIQUE ||
         extended_code == SQLITE_CONSTRAINT_PRIMARYKEY;
}

Stmt::~Stmt() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Stmt& Stmt::bind(int index, int64_t value) {
  if (int rc = sqlite3_bind_int64(stmt_, index, value); rc != SQLITE_OK) fail(db_, rc, "bind");
  return *this;
}

Stmt& Stmt::bind(int index, std::string_view value) {
  int rc = sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT,
                               SQLITE_UTF8);
  if (rc != SQLITE_OK) fail(db_, rc, "bind");
  return *this;
}

Stmt& Stmt::bind_blob(int index, std::string_view bytes) {
  int rc = sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) fail(db_, rc, "bind");
  return *this;
}

Stmt& Stmt::bind_null(int index) {
  if (int rc = sqlite3_bind_null(stmt_, index); rc != SQLITE_OK) fail(db_, rc, "bind");
  return *this;
}

bool Stmt::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(db_, rc, sqlite3_sql(stmt_));
}

void Stmt::run() {
  while (step()) {
  }
}

int64_t Stmt::int_at(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Stmt::text_at(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (!text) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::string Stmt::blob_at(int column) const {
  const void* data = sqlite3_column_blob(stmt_, column);
  if (!data) return {};
  return std::string(static_cast<const char*>(data),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

bool Stmt::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

bool SqliteError::is_busy() const {
  return (code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED;
}

SqliteConn::SqliteConn(const std::string& path, int busy_timeout_ms) {
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    throw SqliteError(rc, rc, fmt::format("sqlite: open {}: {}", path, msg));
  }
  sqlite3_extended_result_codes(db_, 1);
  // Another process (the admin CLI) may hold the write lock for a moment.
  sqlite3_busy_timeout(db_, busy_timeout_ms);
  // FULL: in WAL mode every commit fsyncs the log, so an acknowledged write survives a crash
  // or power loss (NORMAL would only survive an application crash).
  exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=FULL");
  exec("PRAGMA foreign_keys=ON");
}

SqliteConn::~SqliteConn() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Stmt SqliteConn::prepare(const std::string& sql) {
  count_statement();  // every prepared statement is run once per prepare() call
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) fail(db_, rc, sql);
    it = cache_.emplace(sql, stmt).first;
  }
  return Stmt(db_, it->second);
}

void SqliteConn::exec(const std::string& sql) {
  count_statement();
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw SqliteError(rc, sqlite3_extended_errcode(db_), fmt::format("sqlite: {}: {}", sql, msg));
  }
}

int64_t SqliteConn::changes() const { return sqlite3_changes64(db_); }

}  // namespace sandnet::api
