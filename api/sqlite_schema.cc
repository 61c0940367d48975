#include "api/sqlite_schema.h"

#include "api/sqlite_conn.h"

namespace sandnet::api {

// Uniqueness that the API promises is enforced here, not by read-then-write checks:
// UNIQUE(user_id, name) is what makes 20 concurrent creates of one name yield one winner.
// Ids are "<prefix><ULID>", so ORDER BY id is creation order: stable pagination.
namespace {

const char* const kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
INSERT OR IGNORE INTO meta(name, value) VALUES ('schema_version', 1), ('revision', 0);

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
-- The feed follower reads every host's change rows after a revision (feed_delta.h).
CREATE INDEX IF NOT EXISTS change_hosts_by_revision ON change_hosts(revision);
CREATE INDEX IF NOT EXISTS view_edges_by_revision ON view_edges(revision);
)sql";

bool has_row(SqliteConn& conn, const char* sql) { return conn.prepare(sql).step(); }

bool has_column(SqliteConn& conn, const char* table, const char* column) {
  Stmt s = conn.prepare(std::string("SELECT 1 FROM pragma_table_info('") + table +
                        "') WHERE name = ?");
  s.bind(1, std::string_view(column));
  return s.step();
}

}  // namespace

void apply_sqlite_schema(SqliteConn& conn) {
  conn.exec("BEGIN IMMEDIATE");
  try {
    conn.exec(kSchema);
    // Added with the host feed; older files get the column and a log floor at their current
    // revision (their earlier changes have no host rows, so older feeds resync).
    if (!has_column(conn, "sandboxes", "mac")) {
      conn.exec("ALTER TABLE sandboxes ADD COLUMN mac TEXT NOT NULL DEFAULT ''");
    }
    // Added with tenant quotas; addresses released before it count against no one.
    if (!has_column(conn, "ip_addresses", "released_by")) {
      conn.exec("ALTER TABLE ip_addresses ADD COLUMN released_by INTEGER");
    }
    conn.exec("INSERT OR IGNORE INTO meta(name, value) SELECT 'feed_log_floor', value"
              " FROM meta WHERE name = 'revision'");
    if (!has_row(conn, "SELECT 1 FROM network_hosts LIMIT 1")) {
      conn.exec("INSERT INTO network_hosts(network_id, host, members)"
                " SELECT m.network_id, s.host, COUNT(*) FROM members m"
                " JOIN sandboxes s ON s.id = m.sandbox_id WHERE s.host != ''"
                " GROUP BY m.network_id, s.host");
    }
    conn.exec("COMMIT");
  } catch (...) {
    conn.exec("ROLLBACK");
    throw;
  }
}

}  // namespace sandnet::api
