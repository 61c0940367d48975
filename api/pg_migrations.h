// Versioned schema migrations for the PostgreSQL store, applied under an advisory lock so
// that of several replicas starting at once exactly one migrates.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "api/migration_steps.h"

namespace sandnet::api {

class PgConn;

// The pg_advisory_lock key migrations hold: "sandnet" in ASCII, so that it does not collide
// by accident with another application's lock on a shared database.
constexpr int64_t kPgMigrationLockKey = 0x73616e646e6574;

// The ordered list, same versions as sqlite_migrations(); a step, once released, is never
// edited: a change is a new step.
const std::vector<MigrationStep>& pg_migrations();

// Applies every step above the database's version, each in its own transaction with its
// schema_migrations row. Returns how many this call applied (0 when another process had
// already done it). Throws std::runtime_error when the database is newer than this binary.
int migrate_pg(PgConn& conn);

// The database's schema version (0 when none).
int pg_schema_version(PgConn& conn);

}  // namespace sandnet::api
