// `sandnet-api migrate --from FILE --to URI`: copies a SQLite store into an empty PostgreSQL
// database, every table and every row as stored (key and token hashes, ids, the change log,
// the revision counter, hosts' applied revisions), in one PostgreSQL transaction, so that
// replicas on the PostgreSQL database answer what the SQLite server answered and host feeds
// continue at the same revisions. docs/operator-guide.md, "Moving from SQLite to PostgreSQL".
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sandnet::api {

struct StoreCopyReport {
  std::vector<std::pair<std::string, int64_t>> rows_per_table;  // in copy order
  int64_t revision = 0;
  int schema_version = 0;
};

// Migrates both schemas to the latest version first (the source file too). Throws
// std::runtime_error, with nothing written to the target, when the file is missing, either
// side is newer than this binary, the target holds data, or the two schemas do not have the
// same tables and columns (a table this code would not copy fails loudly, never silently).
StoreCopyReport copy_sqlite_to_pg(const std::string& sqlite_path, const std::string& pg_uri);

}  // namespace sandnet::api
