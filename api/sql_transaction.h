// One transaction on a SqliteConn or a PgConn: `begin`, fn, COMMIT; on any exception
// ROLLBACK (its own failure ignored: fn's error is the one worth reporting) and rethrow.
// For the migration runners, the SQLite-to-PostgreSQL copy and PgStore's transactions;
// SqliteStore keeps its own (its statements go through the connection's cache).
#pragma once
#include <string>

namespace sandnet::api {

template <typename Conn, typename Fn>
void in_sql_transaction(Conn& conn, const std::string& begin, Fn&& fn) {
  conn.exec(begin);
  try {
    fn();
    conn.exec("COMMIT");
  } catch (...) {
    try {
      conn.exec("ROLLBACK");
    } catch (...) {
    }
    throw;
  }
}

}  // namespace sandnet::api
