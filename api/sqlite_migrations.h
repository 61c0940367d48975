// Versioned schema migrations for the SQLite store: the same numbered steps as PostgreSQL's
// (api/pg_migrations.h), each applied in its own BEGIN IMMEDIATE transaction with its
// schema_migrations row, so that of two processes opening one file exactly one migrates.
#pragma once
#include <vector>

#include "api/migration_steps.h"

namespace sandnet::api {

class SqliteConn;

// The ordered list, same versions as pg_migrations().
const std::vector<MigrationStep>& sqlite_migrations();

// Applies every step above the file's version and returns how many this call applied (0 when
// another process had done it). A file from before versioned migrations is adopted at
// version 1 first (its data kept). Throws std::runtime_error when the file is newer than
// this binary.
int migrate_sqlite(SqliteConn& conn);

// The file's schema version (0 when none).
int sqlite_schema_version(SqliteConn& conn);

}  // namespace sandnet::api
