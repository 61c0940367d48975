#include "api/sqlite_store.h"

#include <sys/statvfs.h>

#include <filesystem>
#include <set>
#include <stdexcept>

#include "api/clock.h"
#include "api/id_list.h"
#include "api/sqlite_conn.h"
#include "api/sqlite_migrations.h"
#include "api/sqlite_tx.h"

namespace sandnet::api {

class SqliteStore::Lease {
 public:
  Lease(SqliteStore& store, std::unique_ptr<SqliteConn> conn)
      : store_(store), conn_(std::move(conn)) {}
  Lease(Lease&&) = default;
  ~Lease() {
    if (!conn_) return;
    std::lock_guard<std::mutex> lock(store_.pool_mu_);
    store_.idle_.push_back(std::move(conn_));
  }
  SqliteConn& operator*() { return *conn_; }
  SqliteConn* operator->() { return conn_.get(); }

 private:
  SqliteStore& store_;
  std::unique_ptr<SqliteConn> conn_;
};

SqliteStore::SqliteStore(std::string path, SqliteOptions options)
    : path_(std::move(path)), options_(options) {
  Lease conn = lease();
  migrations_applied_ = migrate_sqlite(*conn);
}

SqliteStore::~SqliteStore() = default;

SqliteStore::Lease SqliteStore::lease() {
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    if (!idle_.empty()) {
      std::unique_ptr<SqliteConn> conn = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(conn));
    }
  }
  return Lease(*this, std::make_unique<SqliteConn>(path_, options_.busy_timeout_ms));
}

namespace {

// Runs fn between BEGIN and COMMIT; rolls back and rethrows on any exception. The statements
// go through the per-connection cache: no re-parsing on every request.
template <typename Fn>
void in_transaction(SqliteConn& conn, const char* begin, Fn&& fn) {
  conn.prepare(begin).run();
  try {
    fn();
    conn.prepare("COMMIT").run();
  } catch (...) {
    try {
      conn.prepare("ROLLBACK").run();
    } catch (...) {  // the original error is the one worth reporting
    }
    throw;
  }
}

}  // namespace

// A lock held elsewhere (another process) past busy_timeout is not a server fault: the
// request changed nothing and can be retried, so it leaves the store as StoreBusy.
template <typename Fn>
void busy_is_retryable(Fn&& fn) {
  try {
    fn();
  } catch (const SqliteError& e) {
    if (e.is_busy()) throw StoreBusy(e.what());
    throw;
  }
}

void SqliteStore::read(const std::function<void(ReadTx&)>& fn) {
  Lease conn = lease();
  SqliteTx tx(*conn);
  busy_is_retryable([&] { in_transaction(*conn, "BEGIN", [&] { fn(tx); }); });
}

void SqliteStore::write(const std::function<void(WriteTx&)>& fn) {
  Lease conn = lease();
  std::lock_guard<std::mutex> lock(write_mu_);
  SqliteTx tx(*conn);
  busy_is_retryable([&] { in_transaction(*conn, "BEGIN IMMEDIATE", [&] { fn(tx); }); });
  // Still under write_mu_, so listeners see revisions in order.
  if (commit_listener_ && tx.taken_revision() != 0) {
    const std::set<std::string>& touched = tx.touched_hosts();
    commit_listener_(tx.taken_revision(), std::vector<std::string>(touched.begin(), touched.end()));
  }
}

void SqliteStore::set_commit_listener(CommitListener listener) {
  std::lock_guard<std::mutex> lock(write_mu_);
  commit_listener_ = std::move(listener);
}

UserId SqliteStore::create_user(const std::string& name) {
  Lease conn = lease();
  std::lock_guard<std::mutex> lock(write_mu_);
  try {
    Stmt s = conn->prepare("INSERT INTO users(name, created_at) VALUES (?, ?) RETURNING id");
    s.bind(1, name).bind(2, rfc3339_utc_now());
    s.step();
    return s.int_at(0);
  } catch (const SqliteError& e) {
    if (e.is_unique_violation()) throw std::runtime_error("user '" + name + "' already exists");
    throw;
  }
}

std::optional<User> SqliteStore::find_user(const std::string& name) {
  for (User& u : list_users()) {
    if (u.name == name) return u;
  }
  return std::nullopt;
}

std::vector<User> SqliteStore::list_users() {
  Lease conn = lease();
  Stmt s = conn->prepare(
      "SELECT u.id, u.name, u.created_at,"
      " (SELECT COUNT(*) FROM api_keys k WHERE k.user_id = u.id AND k.revoked_at IS NULL)"
      " FROM users u ORDER BY u.id");
  std::vector<User> out;
  while (s.step()) out.push_back({s.int_at(0), s.text_at(1), s.text_at(2), s.int_at(3)});
  return out;
}

void SqliteStore::add_api_key(UserId user, const std::string& key_id,
                              const std::string& secret_hash) {
  Lease conn = lease();
  std::lock_guard<std::mutex> lock(write_mu_);
  Stmt s = conn->prepare(
      "INSERT INTO api_keys(key_id, user_id, secret_hash, created_at) VALUES (?, ?, ?, ?)");
  s.bind(1, key_id).bind(2, user).bind_blob(3, secret_hash).bind(4, rfc3339_utc_now());
  s.run();
}

std::optional<ApiKeyRecord> SqliteStore::find_api_key(const std::string& key_id) {
  Lease conn = lease();
  Stmt s = conn->prepare(
      "SELECT key_id, user_id, secret_hash, revoked_at IS NOT NULL FROM api_keys"
      " WHERE key_id = ?");
  s.bind(1, key_id);
  if (!s.step()) return std::nullopt;
  return ApiKeyRecord{s.text_at(0), s.int_at(1), s.blob_at(2), s.int_at(3) != 0};
}

bool SqliteStore::revoke_api_key(const std::string& key_id) {
  Lease conn = lease();
  std::lock_guard<std::mutex> lock(write_mu_);
  Stmt s = conn->prepare(
      "UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL");
  s.bind(1, rfc3339_utc_now()).bind(2, key_id);
  s.run();
  return conn->changes() > 0;
}

void SqliteStore::add_host_token(const std::string& host_id, const std::string& token_id,
                                 const std::string& secret_hash) {
  Lease conn = lease();
  std::lock_guard<std::mutex> lock(write_mu_);
  Stmt s = conn->prepare(
      "INSERT INTO host_tokens(token_id, host_id, secret_hash, created_at) VALUES (?, ?, ?, ?)");
  s.bind(1, token_id).bind(2, host_id).bind_blob(3, secret_hash).bind(4, rfc3339_utc_now());
  s.run();
}

std::vector<HostTokenRecord> SqliteStore::find_host_tokens(const std::vector<std::string>& token_ids) {
  Lease conn = lease();
  Stmt s = conn->prepare(
      "SELECT token_id, host_id, secret_hash, revoked_at IS NOT NULL FROM host_tokens"
      " WHERE token_id IN (SELECT value FROM json_each(?))");
  s.bind(1, json_id_list(token_ids));
  std::vector<HostTokenRecord> out;
  while (s.step()) out.push_back({s.text_at(0), s.text_at(1), s.blob_at(2), s.int_at(3) != 0});
  return out;
}

std::vector<HostInfo> SqliteStore::list_hosts() {
  Lease conn = lease();
  Stmt s = conn->prepare(
      "SELECT h.id,"
      " (SELECT COUNT(*) FROM host_tokens t WHERE t.host_id = h.id AND t.revoked_at IS NULL),"
      " COALESCE((SELECT revision FROM host_applied a WHERE a.host_id = h.id), 0),"
      " h.number, COALESCE(h.underlay, ''), h.live FROM hosts h ORDER BY h.id");
  std::vector<HostInfo> out;
  while (s.step()) {
    out.push_back({s.text_at(0), s.int_at(1), s.int_at(2), s.int_at(3), s.text_at(4),
                   s.int_at(5) != 0});
  }
  return out;
}

bool SqliteStore::revoke_host(const std::string& host_id) {
  Lease conn = lease();
  std::lock_guard<std::mutex> lock(write_mu_);
  Stmt s = conn->prepare(
      "UPDATE host_tokens SET revoked_at = ? WHERE host_id = ? AND revoked_at IS NULL");
  s.bind(1, rfc3339_utc_now()).bind(2, host_id);
  s.run();
  return conn->changes() > 0;
}

int64_t SqliteStore::compact_change_log(int64_t keep_revisions) {
  int64_t floor = 0;
  write([&](WriteTx& tx) { floor = static_cast<SqliteTx&>(tx).compact_log(keep_revisions); });
  return floor;
}

StoreHealth SqliteStore::health() {
  try {
    // A fresh connection has an empty page cache, so this reads the file (header, schema,
    // meta table) rather than pages a pooled connection cached long ago. It does not scan
    // every page: that is PRAGMA integrity_check, too slow for a probe.
    SqliteConn conn(path_, options_.busy_timeout_ms);
    Stmt s = conn.prepare("SELECT value FROM meta WHERE name = 'revision'");
    if (!s.step()) return {false, "database has no revision row"};
  } catch (const std::exception& e) {
    return {false, std::string("database unreadable: ") + e.what()};
  }
  // A full disk does not stop reads, but every write would fail.
  std::filesystem::path dir = std::filesystem::absolute(path_).parent_path();
  struct statvfs fs {};
  if (statvfs(dir.c_str(), &fs) == 0) {
    int64_t free_bytes = static_cast<int64_t>(fs.f_bavail) * static_cast<int64_t>(fs.f_frsize);
    if (free_bytes < options_.min_free_disk_bytes) {
      return {false, "disk nearly full: " + std::to_string(free_bytes) + " bytes free under " +
                         dir.string()};
    }
  }
  return {};
}

}  // namespace sandnet::api
