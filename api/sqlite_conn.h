// Thin RAII layer over the SQLite C API: one connection with a cache of prepared
// statements, and a statement cursor that resets itself when it goes out of scope.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace sandnet::api {

struct SqliteError : std::runtime_error {
  SqliteError(int code, int extended, const std::string& what)
      : std::runtime_error(what), code(code), extended_code(extended) {}
  int code;
  int extended_code;
  bool is_unique_violation() const;
  // Another connection holds a lock this one waited for in vain (SQLITE_BUSY/LOCKED).
  bool is_busy() const;
};

class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();

  Stmt& bind(int index, int64_t value);
  Stmt& bind(int index, std::string_view value);
  Stmt& bind_blob(int index, std::string_view bytes);
  Stmt& bind_null(int index);

  // true while there is a row; false when done. Throws SqliteError.
  bool step();
  // Runs a statement that returns no rows.
  void run();

  int64_t int_at(int column) const;
  std::string text_at(int column) const;
  std::string blob_at(int column) const;
  bool is_null(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class SqliteConn {
 public:
  explicit SqliteConn(const std::string& path, int busy_timeout_ms = 10000);
  SqliteConn(const SqliteConn&) = delete;
  SqliteConn& operator=(const SqliteConn&) = delete;
  ~SqliteConn();

  // Statements are prepared once per connection and reused.
  Stmt prepare(const std::string& sql);
  void exec(const std::string& sql);
  int64_t changes() const;

 private:
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

}  // namespace sandnet::api
