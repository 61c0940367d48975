#include "api/sqlite_to_pg.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <stdexcept>

#include "api/pg_conn.h"
#include "api/pg_migrations.h"
#include "api/sql_transaction.h"
#include "api/sqlite_conn.h"
#include "api/sqlite_migrations.h"

namespace sandnet::api {
namespace {

// PostgreSQL columns that SQLite keeps implicitly: {table, column} → SQLite expression.
// Members' attach order is SQLite's rowid (api/pg_migrations.cc, version 1).
const std::map<std::pair<std::string, std::string>, std::string> kImplicitColumns = {
    {{"members", "attach_order"}, "rowid"}};

// Rows per INSERT: well under PostgreSQL's 65,535 parameters per statement.
constexpr size_t kMaxParamsPerInsert = 30000;

struct PgColumn {
  std::string name;
  std::string type;  // information_schema data_type: bigint, text, bytea, boolean, integer
  bool identity = false;
};

std::string ident(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string join(const std::set<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// Tables holding data, without the migrations' own bookkeeping.
std::set<std::string> sqlite_tables(SqliteConn& src) {
  std::set<std::string> out;
  Stmt s = src.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
      " AND name != 'schema_migrations'");
  while (s.step()) out.insert(s.text_at(0));
  return out;
}

std::set<std::string> pg_tables(PgConn& dst) {
  std::set<std::string> out;
  PgResult r = dst.exec(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
      " AND table_type = 'BASE TABLE' AND table_name != 'schema_migrations'");
  for (int i = 0; i < r.rows(); ++i) out.insert(r.text(i, 0));
  return out;
}

std::set<std::string> sqlite_columns(SqliteConn& src, const std::string& table) {
  std::set<std::string> out;
  Stmt s = src.prepare("SELECT name FROM pragma_table_info(?)");
  s.bind(1, std::string_view(table));
  while (s.step()) out.insert(s.text_at(0));
  return out;
}

std::vector<PgColumn> pg_columns(PgConn& dst, const std::string& table) {
  std::vector<PgColumn> out;
  PgResult r = dst.exec(
      "SELECT column_name, data_type, is_identity = 'YES' FROM information_schema.columns"
      " WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
      {table});
  for (int i = 0; i < r.rows(); ++i) out.push_back({r.text(i, 0), r.text(i, 1), r.bool_at(i, 2)});
  return out;
}

// Referenced tables before the tables that reference them (the foreign keys are not
// deferrable), otherwise by name.
std::vector<std::string> copy_order(PgConn& dst, const std::set<std::string>& tables) {
  std::map<std::string, std::set<std::string>> needs;
  PgResult r = dst.exec(
      "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c"
      " JOIN pg_namespace n ON n.oid = c.connamespace"
      " WHERE c.contype = 'f' AND n.nspname = current_schema()");
  for (int i = 0; i < r.rows(); ++i) {
    if (r.text(i, 0) != r.text(i, 1)) needs[r.text(i, 0)].insert(r.text(i, 1));
  }
  std::vector<std::string> order;
  std::set<std::string> done;
  while (order.size() < tables.size()) {
    size_t before = order.size();
    for (const std::string& t : tables) {
      if (done.count(t)) continue;
      const std::set<std::string>& deps = needs[t];
      if (std::all_of(deps.begin(), deps.end(), [&](const auto& d) { return done.count(d); })) {
        order.push_back(t);
        done.insert(t);
      }
    }
    if (order.size() == before) throw std::runtime_error("migrate: foreign keys form a cycle");
  }
  return order;
}

// The source expression for each target column, or why the schemas differ.
std::vector<std::string> source_expressions(const std::string& table,
                                            const std::vector<PgColumn>& target,
                                            const std::set<std::string>& source) {
  std::vector<std::string> exprs;
  std::set<std::string> unused = source;
  for (const PgColumn& c : target) {
    if (unused.erase(c.name)) {
      exprs.push_back(ident(c.name));
    } else if (auto it = kImplicitColumns.find({table, c.name}); it != kImplicitColumns.end()) {
      exprs.push_back(it->second);
    } else {
      throw std::runtime_error("migrate: column " + table + "." + c.name +
                               " has no source in the SQLite file");
    }
  }
  if (!unused.empty()) {
    throw std::runtime_error("migrate: SQLite columns " + table + ".{" + join(unused) +
                             "} have no place in PostgreSQL: this sandnet-api cannot copy them");
  }
  return exprs;
}

PgParam value_of(const Stmt& row, int col, const PgColumn& target) {
  if (row.is_null(col)) return std::nullopt;
  if (target.type == "bytea") return PgParam::bytes(row.blob_at(col));
  if (target.type == "boolean") return PgParam(row.int_at(col) != 0 ? "true" : "false");
  return PgParam(row.text_at(col));
}

void insert_rows(PgConn& dst, const std::string& head, size_t columns,
                 const std::vector<PgParam>& params) {
  std::string sql = head;
  size_t rows = params.size() / columns;
  for (size_t r = 0; r < rows; ++r) {
    sql += r ? ",(" : " VALUES (";
    for (size_t c = 0; c < columns; ++c) {
      sql += (c ? ",$" : "$") + std::to_string(r * columns + c + 1);
    }
    sql += ")";
  }
  dst.exec(sql, params);
}

int64_t copy_table(SqliteConn& src, PgConn& dst, const std::string& table) {
  std::vector<PgColumn> target = pg_columns(dst, table);
  std::vector<std::string> exprs = source_expressions(table, target, sqlite_columns(src, table));
  std::string select = "SELECT ";
  std::string head = "INSERT INTO " + ident(table) + " (";
  bool identity = false;
  for (size_t i = 0; i < target.size(); ++i) {
    select += (i ? ", " : "") + exprs[i];
    head += (i ? ", " : "") + ident(target[i].name);
    identity = identity || target[i].identity;
  }
  select += " FROM " + ident(table);
  // Identity values are copied as stored (user ids, attach order), never generated anew.
  head += identity ? ") OVERRIDING SYSTEM VALUE" : ")";

  size_t per_insert = std::max<size_t>(1, kMaxParamsPerInsert / target.size()) * target.size();
  std::vector<PgParam> params;
  int64_t rows = 0;
  Stmt s = src.prepare(select);
  while (s.step()) {
    for (size_t i = 0; i < target.size(); ++i) {
      params.push_back(value_of(s, static_cast<int>(i), target[i]));
    }
    ++rows;
    if (params.size() >= per_insert) {
      insert_rows(dst, head, target.size(), params);
      params.clear();
    }
  }
  if (!params.empty()) insert_rows(dst, head, target.size(), params);

  // The next generated value follows the copied ones.
  for (const PgColumn& c : target) {
    if (!c.identity) continue;
    dst.exec("SELECT setval(pg_get_serial_sequence($1, $2), GREATEST(MAX(" + ident(c.name) +
                 "), 1), MAX(" + ident(c.name) + ") IS NOT NULL) FROM " + ident(table),
             {table, c.name});
  }
  int64_t landed = dst.exec("SELECT COUNT(*) FROM " + ident(table)).int_at(0, 0);
  if (landed != rows) {
    throw std::runtime_error("migrate: " + table + ": " + std::to_string(rows) + " rows read, " +
                             std::to_string(landed) + " in PostgreSQL");
  }
  return rows;
}

// An empty target is one `serve` or the migrations alone left: no rows but meta's, and the
// revision still 0. Called with the revision row locked, so no replica writes meanwhile.
void refuse_non_empty(PgConn& dst, const std::set<std::string>& tables) {
  for (const std::string& t : tables) {
    if (t == "meta") continue;
    if (dst.exec("SELECT EXISTS (SELECT 1 FROM " + ident(t) + ")").bool_at(0, 0)) {
      throw std::runtime_error("migrate: the PostgreSQL database already holds data (table " +
                               t + "): migrate only into an empty database");
    }
  }
  if (dst.exec("SELECT value FROM meta WHERE name = 'revision'").int_at(0, 0) != 0) {
    throw std::runtime_error(
        "migrate: the PostgreSQL database already holds data (revision is not 0): migrate only "
        "into an empty database");
  }
}

}  // namespace

StoreCopyReport copy_sqlite_to_pg(const std::string& sqlite_path, const std::string& pg_uri) {
  if (!std::filesystem::is_regular_file(sqlite_path)) {
    throw std::runtime_error("migrate: no SQLite file " + sqlite_path);
  }
  SqliteConn src(sqlite_path);
  migrate_sqlite(src);
  PgConn dst(pg_uri);
  migrate_pg(dst);
  StoreCopyReport report;
  report.schema_version = sqlite_schema_version(src);
  if (report.schema_version != pg_schema_version(dst)) {
    throw std::runtime_error("migrate: SQLite schema version " +
                             std::to_string(report.schema_version) +
                             " differs from PostgreSQL's " + std::to_string(pg_schema_version(dst)));
  }
  std::set<std::string> tables = sqlite_tables(src);
  std::set<std::string> target_tables = pg_tables(dst);
  if (tables != target_tables) {
    std::set<std::string> only_src, only_dst;
    std::set_difference(tables.begin(), tables.end(), target_tables.begin(), target_tables.end(),
                        std::inserter(only_src, only_src.end()));
    std::set_difference(target_tables.begin(), target_tables.end(), tables.begin(), tables.end(),
                        std::inserter(only_dst, only_dst.end()));
    throw std::runtime_error("migrate: the two schemas differ: only in SQLite {" +
                             join(only_src) + "}, only in PostgreSQL {" + join(only_dst) +
                             "}: this sandnet-api cannot copy them");
  }

  // One read transaction on the file (every table from the same snapshot) around the one
  // write transaction on PostgreSQL; the file's is only read, and ends with COMMIT.
  in_sql_transaction(src, "BEGIN", [&] {
    in_sql_transaction(dst, "BEGIN ISOLATION LEVEL READ COMMITTED", [&] {
      dst.exec("SELECT value FROM meta WHERE name = 'revision' FOR UPDATE");
      refuse_non_empty(dst, tables);
      dst.exec("DELETE FROM meta");  // the migrations' initial rows; the file's replace them
      for (const std::string& t : copy_order(dst, tables)) {
        report.rows_per_table.emplace_back(t, copy_table(src, dst, t));
      }
      report.revision = dst.exec("SELECT value FROM meta WHERE name = 'revision'").int_at(0, 0);
    });
  });
  return report;
}

}  // namespace sandnet::api
