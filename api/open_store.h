// Chooses the store from --db: a postgresql:// (or postgres://) URI opens the PostgreSQL
// store, anything else is a SQLite file path (docs/design-postgres.md).
#pragma once
#include <memory>
#include <string>
#include <string_view>

#include "api/sqlite_store.h"
#include "api/store.h"

namespace sandnet::api {

// Whether --db names a PostgreSQL database (postgresql:// or postgres://).
bool is_postgres_uri(std::string_view db);

// Throws std::runtime_error for a URI when the binary was built without PostgreSQL.
std::unique_ptr<Store> open_store(const std::string& db, const SqliteOptions& sqlite = {});

// --db for logs: a URI's password is replaced by "***".
std::string db_for_log(const std::string& db);

}  // namespace sandnet::api
