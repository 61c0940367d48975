#include "api/open_store.h"

#include <stdexcept>
#include <string_view>

#ifdef SANDNET_HAVE_PG
#include "api/pg_store.h"
#endif

namespace sandnet::api {

bool is_postgres_uri(std::string_view db) {
  return db.rfind("postgresql://", 0) == 0 || db.rfind("postgres://", 0) == 0;
}

std::unique_ptr<Store> open_store(const std::string& db, const SqliteOptions& sqlite) {
  if (is_postgres_uri(db)) {
#ifdef SANDNET_HAVE_PG
    return std::make_unique<PgStore>(db, sqlite.busy_timeout_ms);
#else
    throw std::runtime_error("this sandnet-api was built without PostgreSQL (-DSANDNET_PG=ON)");
#endif
  }
  return std::make_unique<SqliteStore>(db, sqlite);
}

std::string db_for_log(const std::string& db) {
  if (!is_postgres_uri(db)) return db;
  size_t scheme_end = db.find("://") + 3;
  size_t at = db.find('@', scheme_end);
  size_t colon = db.find(':', scheme_end);
  if (at == std::string::npos || colon == std::string::npos || colon > at) return db;
  return db.substr(0, colon + 1) + "***" + db.substr(at);
}

}  // namespace sandnet::api
