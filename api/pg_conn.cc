#include "api/pg_conn.h"

#include <libpq-fe.h>

#include <cstdlib>

#include "api/statement_counter.h"

namespace sandnet::api {
namespace {

// Server-sent SQLSTATE classes and codes after which a retry can succeed.
bool retryable_state(const std::string& s) {
  return s.rfind("08", 0) == 0                    // connection exception
         || s == "57P01" || s == "57P02" || s == "57P03"  // shutdown, crash, cannot connect now
         || s == "40001" || s == "40P01"           // serialization failure, deadlock
         || s == "55P03";                          // lock not available
}

PgError error_from(pg_conn* conn, pg_result* r) {
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  std::string msg = r ? PQresultErrorMessage(r) : PQerrorMessage(conn);
  if (msg.empty()) msg = PQerrorMessage(conn);
  while (!msg.empty() && msg.back() == '\n') msg.pop_back();
  return PgError(state ? state : "", "postgresql: " + msg);
}

}  // namespace

bool PgError::is_retryable() const { return sqlstate.empty() || retryable_state(sqlstate); }

PgParam PgParam::bytes(std::string_view raw) {
  static const char* const kHex = "0123456789abcdef";
  std::string hex = "\\x";
  for (unsigned char c : raw) {
    hex.push_back(kHex[c >> 4]);
    hex.push_back(kHex[c & 15]);
  }
  return PgParam(hex);
}

void PgResult::free_result(pg_result* r) { PQclear(r); }
int PgResult::rows() const { return PQntuples(r_.get()); }
bool PgResult::is_null(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
std::string PgResult::text(int row, int col) const {
  return std::string(PQgetvalue(r_.get(), row, col),
                     static_cast<size_t>(PQgetlength(r_.get(), row, col)));
}
int64_t PgResult::int_at(int row, int col) const {
  return is_null(row, col) ? 0 : std::strtoll(PQgetvalue(r_.get(), row, col), nullptr, 10);
}
bool PgResult::bool_at(int row, int col) const { return text(row, col) == "t"; }
std::string PgResult::bytes(int row, int col) const {
  size_t len = 0;
  unsigned char* raw = PQunescapeBytea(
      reinterpret_cast<const unsigned char*>(PQgetvalue(r_.get(), row, col)), &len);
  if (!raw) throw PgError("", "postgresql: bad bytea value");
  std::string out(reinterpret_cast<char*>(raw), len);
  PQfreemem(raw);
  return out;
}
int64_t PgResult::affected() const {
  const char* n = PQcmdTuples(r_.get());
  return (n && *n) ? std::strtoll(n, nullptr, 10) : 0;
}

PgConn::PgConn(const std::string& uri) : conn_(PQconnectdb(uri.c_str())) {
  if (!conn_) throw PgError("", "postgresql: out of memory");
  if (PQstatus(conn_) != CONNECTION_OK) {
    PgError e = error_from(conn_, nullptr);
    PQfinish(conn_);
    conn_ = nullptr;
    throw e;
  }
  // Notices (e.g. "relation already exists, skipping") are not errors: keep them off stderr.
  PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
}

PgConn::~PgConn() {
  if (conn_) PQfinish(conn_);
}

PgResult PgConn::exec(const std::string& sql, const std::vector<PgParam>& params) {
  count_statement();
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const PgParam& p : params) values.push_back(p.value() ? p.value()->c_str() : nullptr);
  pg_result* r = PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                              values.data(), nullptr, nullptr, 0);
  ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    PgError e = error_from(conn_, r);
    PQclear(r);
    throw e;
  }
  return PgResult(r);
}

void PgConn::exec_script(const std::string& sql) {
  count_statement();
  pg_result* r = PQexec(conn_, sql.c_str());
  ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    PgError e = error_from(conn_, r);
    PQclear(r);
    throw e;
  }
  PQclear(r);
}

bool PgConn::ok() const { return conn_ && PQstatus(conn_) == CONNECTION_OK; }

int PgConn::socket() const { return PQsocket(conn_); }

std::vector<std::string> PgConn::notifications() {
  if (PQconsumeInput(conn_) == 0 || !ok()) throw error_from(conn_, nullptr);
  std::vector<std::string> channels;
  while (PGnotify* n = PQnotifies(conn_)) {
    channels.emplace_back(n->relname);
    PQfreemem(n);
  }
  return channels;
}

}  // namespace sandnet::api
