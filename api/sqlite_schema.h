// The SQLite schema, applied idempotently at open.
#pragma once

namespace sandnet::api {

class SqliteConn;

void apply_sqlite_schema(SqliteConn& conn);

}  // namespace sandnet::api
