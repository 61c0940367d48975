// What the two stores' versioned migrations share: the shape of a step and the version
// check. Each store keeps its own ordered list in its own dialect (api/sqlite_migrations.cc,
// api/pg_migrations.cc) with the same version numbers meaning the same schema, and its own
// runner, because what excludes a second migrator differs (BEGIN IMMEDIATE on the SQLite
// file, an advisory lock on PostgreSQL). docs/design-postgres.md, "Migrations".
#pragma once
#include <vector>

namespace sandnet::api {

// One released step; once released it is never edited: a change is a new step.
struct MigrationStep {
  int version;
  const char* sql;
};

// The highest version in `steps` (the list is ordered and never empty).
int latest_version(const std::vector<MigrationStep>& steps);

// Throws std::runtime_error naming both versions when the database's version is above the
// highest this binary knows: an older binary must not serve a newer schema.
void refuse_newer_schema(int database_version, const std::vector<MigrationStep>& steps);

}  // namespace sandnet::api
