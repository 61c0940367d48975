#include "api/sqlite_migrations.h"

#include "api/sql_transaction.h"
#include "api/sqlite_conn.h"

namespace sandnet::api {

// Uniqueness that the API promises is enforced here, not by read-then-write checks:
// UNIQUE(user_id, name) is what makes 20 concurrent creates of one name yield one winner.
// Ids are "<prefix><ULID>", so ORDER BY id is creation order: stable pagination.
namespace {

// Version 1: the schema as the last release before versioned migrations left it (the same
// tables as PostgreSQL's version 1). Written with IF NOT EXISTS, unlike later steps, because
// adopting an unversioned file runs it too (adopt_unversioned below): there every statement
// finds its table and changes nothing.
const char* const kV1 = R"sql(
CREATE TABLE IF NOT EXISTS meta (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
INSERT OR IGNORE INTO meta(name, value) VALUES ('revision', 0), ('feed_log_floor', 0);

CREATE TABLE IF NOT EXISTS users (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS api_keys (
  key_id      TEXT PRIMARY KEY,
  user_id     INTEGER NOT NULL REFERENCES users(id),
  secret_hash BLOB NOT NULL,
  created_at  TEXT NOT NULL,
  revoked_at  TEXT
);

CREATE TABLE IF NOT EXISTS networks (
  id         TEXT PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users(id),
  name       TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revision   INTEGER NOT NULL,
  UNIQUE (user_id, name)
);
CREATE INDEX IF NOT EXISTS networks_by_user ON networks(user_id, id);

CREATE TABLE IF NOT EXISTS sandboxes (
  id         TEXT PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users(id),
  name       TEXT NOT NULL,
  status     TEXT NOT NULL,
  ip         TEXT NOT NULL,
  host       TEXT NOT NULL DEFAULT '',
  mac        TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  revision   INTEGER NOT NULL,
  UNIQUE (user_id, name)
);
CREATE INDEX IF NOT EXISTS sandboxes_by_user ON sandboxes(user_id, id);

CREATE TABLE IF NOT EXISTS members (
  network_id TEXT NOT NULL REFERENCES networks(id),
  sandbox_id TEXT NOT NULL REFERENCES sandboxes(id),
  revision   INTEGER NOT NULL,
  PRIMARY KEY (network_id, sandbox_id)
);
CREATE INDEX IF NOT EXISTS members_by_sandbox ON members(sandbox_id);

-- One row per address ever handed out; sandbox_id NULL once released, released_by the
-- user whose sandbox released it (its address quota counts it while quarantined).
CREATE TABLE IF NOT EXISTS ip_addresses (
  ip             INTEGER PRIMARY KEY,
  sandbox_id     TEXT,
  released_at_ms INTEGER,
  released_by    INTEGER
);
CREATE INDEX IF NOT EXISTS ip_by_sandbox ON ip_addresses(sandbox_id);
CREATE INDEX IF NOT EXISTS ip_released ON ip_addresses(released_at_ms)
  WHERE sandbox_id IS NULL;

-- The change log the host feed is built on: one revision per write transaction,
-- one row per change in it.
CREATE TABLE IF NOT EXISTS changes (
  revision   INTEGER NOT NULL,
  seq        INTEGER NOT NULL,
  kind       TEXT NOT NULL,
  user_id    INTEGER NOT NULL,
  network_id TEXT NOT NULL DEFAULT '',
  sandbox_id TEXT NOT NULL DEFAULT '',
  at         TEXT NOT NULL,
  PRIMARY KEY (revision, seq)
);

CREATE TABLE IF NOT EXISTS idempotency (
  user_id      INTEGER NOT NULL,
  key          TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status       INTEGER NOT NULL,
  body         TEXT NOT NULL,
  created_ms   INTEGER NOT NULL,
  PRIMARY KEY (user_id, key)
);
CREATE INDEX IF NOT EXISTS idempotency_age ON idempotency(created_ms);

-- Host feed (docs/host-feed.md). Host tokens are a scope apart from users' API keys.
CREATE TABLE IF NOT EXISTS host_tokens (
  token_id    TEXT PRIMARY KEY,
  host_id     TEXT NOT NULL,
  secret_hash BLOB NOT NULL,
  created_at  TEXT NOT NULL,
  revoked_at  TEXT
);
CREATE INDEX IF NOT EXISTS host_tokens_by_host ON host_tokens(host_id);

CREATE TABLE IF NOT EXISTS host_applied (
  host_id  TEXT PRIMARY KEY,
  revision INTEGER NOT NULL,
  at       TEXT NOT NULL
);

-- Which logged changes touched which host's view (computed at write time, when the view
-- before the change is still known), and when a network entered or left a host's view.
-- The feed reads only these rows for its host, never the whole log.
CREATE TABLE IF NOT EXISTS change_hosts (
  host     TEXT NOT NULL,
  revision INTEGER NOT NULL,
  seq      INTEGER NOT NULL,
  PRIMARY KEY (host, revision, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS view_edges (
  host       TEXT NOT NULL,
  revision   INTEGER NOT NULL,
  network_id TEXT NOT NULL,
  entered    INTEGER NOT NULL,
  PRIMARY KEY (host, revision, network_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sandboxes_by_host ON sandboxes(host);
-- How many members of each network are placed on each host: "which hosts see this network"
-- and "is it in this host's view" without scanning the network's members.
CREATE TABLE IF NOT EXISTS network_hosts (
  network_id TEXT NOT NULL,
  host       TEXT NOT NULL,
  members    INTEGER NOT NULL,
  PRIMARY KEY (network_id, host)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS network_hosts_by_host ON network_hosts(host, network_id);
)sql";

bool has_row(SqliteConn& conn, const std::string& sql) { return conn.prepare(sql).step(); }

bool has_table(SqliteConn& conn, const char* table) {
  Stmt s = conn.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
  s.bind(1, std::string_view(table));
  return s.step();
}

bool has_column(SqliteConn& conn, const char* table, const char* column) {
  Stmt s = conn.prepare(std::string("SELECT 1 FROM pragma_table_info('") + table +
                        "') WHERE name = ?");
  s.bind(1, std::string_view(column));
  return s.step();
}

// Version 2 (PostgreSQL's too): the feed follower reads every host's change rows after a
// revision (feed_delta.h); without these it would scan the whole retained log.
const char* const kV2 = R"sql(
CREATE INDEX change_hosts_by_revision ON change_hosts(revision);
CREATE INDEX view_edges_by_revision ON view_edges(revision);
)sql";

// Version 3 (PostgreSQL's too): hosts with numbers, underlay addresses and leases
// (docs/host-feed.md, issue 17). Every host that has a token is registered, numbered in id
// order, without underlay, lost until its first request. Host changes name their host in
// the log; a released address remembers the revision that released it (IPAM waits for
// every live host to apply it).
const char* const kV3 = R"sql(
CREATE TABLE hosts (
  id             TEXT PRIMARY KEY,
  number         INTEGER NOT NULL UNIQUE CHECK (number BETWEEN 1 AND 16777215),
  underlay       TEXT UNIQUE,
  live           INTEGER NOT NULL DEFAULT 0,
  lease_until_ms INTEGER NOT NULL DEFAULT 0,
  revision       INTEGER NOT NULL DEFAULT 0
);
INSERT INTO hosts(id, number)
  SELECT host_id, ROW_NUMBER() OVER (ORDER BY host_id)
  FROM (SELECT DISTINCT host_id FROM host_tokens);
ALTER TABLE changes ADD COLUMN host_id TEXT NOT NULL DEFAULT '';
ALTER TABLE ip_addresses ADD COLUMN released_revision INTEGER NOT NULL DEFAULT 0;
)sql";

int applied_version(SqliteConn& conn) {
  Stmt s = conn.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  s.step();
  return static_cast<int>(s.int_at(0));
}

void record(SqliteConn& conn, int version) {
  conn.prepare("INSERT INTO schema_migrations(version, applied_at) VALUES (?, datetime('now'))")
      .bind(1, int64_t{version})
      .run();
}

// A file written before versioned migrations (a meta table, no schema_migrations) is brought
// to version 1 and recorded there. For a file the last unversioned release wrote nothing
// changes but the version row (and the unused 'schema_version' meta row goes); older files
// get what that release's idempotent schema code gave them.
void adopt_unversioned(SqliteConn& conn) {
  // Files from before the host feed: a log floor at their current revision (their earlier
  // changes have no host rows, so older feeds resync). Before kV1, whose default floor is 0.
  conn.exec("INSERT OR IGNORE INTO meta(name, value) SELECT 'feed_log_floor', value"
            " FROM meta WHERE name = 'revision'");
  conn.exec(kV1);
  if (!has_column(conn, "sandboxes", "mac")) {
    conn.exec("ALTER TABLE sandboxes ADD COLUMN mac TEXT NOT NULL DEFAULT ''");
  }
  // Added with tenant quotas; addresses released before it count against no one.
  if (!has_column(conn, "ip_addresses", "released_by")) {
    conn.exec("ALTER TABLE ip_addresses ADD COLUMN released_by INTEGER");
  }
  if (!has_row(conn, "SELECT 1 FROM network_hosts LIMIT 1")) {
    conn.exec("INSERT INTO network_hosts(network_id, host, members)"
              " SELECT m.network_id, s.host, COUNT(*) FROM members m"
              " JOIN sandboxes s ON s.id = m.sandbox_id WHERE s.host != ''"
              " GROUP BY m.network_id, s.host");
  }
  conn.exec("DELETE FROM meta WHERE name = 'schema_version'");
  record(conn, 1);
}

// The file's version inside the caller's write transaction: creates schema_migrations, and
// adopts an unversioned file, first.
int versioned(SqliteConn& conn) {
  if (has_table(conn, "schema_migrations")) return applied_version(conn);
  bool unversioned = has_table(conn, "meta");
  conn.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)");
  if (unversioned) adopt_unversioned(conn);
  return applied_version(conn);
}

}  // namespace

const std::vector<MigrationStep>& sqlite_migrations() {
  static const std::vector<MigrationStep> steps = {{1, kV1}, {2, kV2}, {3, kV3}};
  return steps;
}

int sqlite_schema_version(SqliteConn& conn) {
  return has_table(conn, "schema_migrations") ? applied_version(conn) : 0;
}

int migrate_sqlite(SqliteConn& conn) {
  int applied = 0;
  for (const MigrationStep& step : sqlite_migrations()) {
    // BEGIN IMMEDIATE takes the file's write lock before the version is read: a second
    // process waits (busy_timeout) and then reads the version the first one committed.
    in_sql_transaction(conn, "BEGIN IMMEDIATE", [&] {
      int current = versioned(conn);
      refuse_newer_schema(current, sqlite_migrations());
      if (step.version <= current) return;
      conn.exec(step.sql);
      record(conn, step.version);
      ++applied;
    });
  }
  return applied;
}

}  // namespace sandnet::api
