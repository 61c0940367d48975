// Thin RAII layer over libpq: one connection, parameterized statements only (every value is
// bound, text format), results freed when they go out of scope.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct pg_conn;
struct pg_result;

namespace sandnet::api {

struct PgError : std::runtime_error {
  PgError(std::string sqlstate, const std::string& what)
      : std::runtime_error(what), sqlstate(std::move(sqlstate)) {}
  std::string sqlstate;  // empty when the server sent none (e.g. the connection broke)
  bool is_unique_violation() const { return sqlstate == "23505"; }
  // Nothing committed and the same request may succeed shortly: a lost or refused
  // connection, a server shutting down, a serialization failure, a deadlock, a lock timeout.
  bool is_retryable() const;
};

// A parameter: NULL or text. Integers are sent in decimal text.
class PgParam {
 public:
  PgParam(std::nullopt_t) {}
  PgParam(std::string_view s) : value_(std::string(s)) {}
  PgParam(const std::string& s) : value_(s) {}
  PgParam(const char* s) : value_(std::string(s)) {}
  PgParam(int64_t v) : value_(std::to_string(v)) {}
  PgParam(int v) : value_(std::to_string(v)) {}
  // bytea: sent as hex text ("\x…"), which PostgreSQL parses on input.
  static PgParam bytes(std::string_view raw);
  const std::optional<std::string>& value() const { return value_; }

 private:
  std::optional<std::string> value_;
};

class PgResult {
 public:
  explicit PgResult(pg_result* r) : r_(r, &free_result) {}
  int rows() const;
  bool is_null(int row, int col) const;
  std::string text(int row, int col) const;
  int64_t int_at(int row, int col) const;
  bool bool_at(int row, int col) const;  // 't' / 'f'
  std::string bytes(int row, int col) const;  // bytea column, decoded
  int64_t affected() const;  // rows changed by INSERT/UPDATE/DELETE

 private:
  static void free_result(pg_result* r);
  std::unique_ptr<pg_result, void (*)(pg_result*)> r_;
};

class PgConn {
 public:
  // Throws PgError (retryable) when the server cannot be reached.
  explicit PgConn(const std::string& uri);
  PgConn(const PgConn&) = delete;
  PgConn& operator=(const PgConn&) = delete;
  ~PgConn();

  // One statement with $1..$n parameters. Throws PgError.
  PgResult exec(const std::string& sql, const std::vector<PgParam>& params = {});
  // Several statements without parameters (migrations).
  void exec_script(const std::string& sql);
  // false once the link to the server is broken: the pool drops such a connection.
  bool ok() const;

  // For a LISTENing connection (pg_listener.h): the socket to poll, and the channels
  // notified since the last call (reads what the server sent; throws PgError when the link
  // broke).
  int socket() const;
  std::vector<std::string> notifications();

 private:
  pg_conn* conn_ = nullptr;
};

}  // namespace sandnet::api
