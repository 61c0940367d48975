#include "api/pg_store.h"

#include <set>

#include "api/clock.h"
#include "api/id_list.h"
#include "api/pg_conn.h"
#include "api/pg_listener.h"
#include "api/pg_migrations.h"
#include "api/pg_tx.h"
#include "api/sql_transaction.h"

namespace sandnet::api {
namespace {

// LISTEN/NOTIFY channels (pokes with an empty payload).
const char* const kRevisionChannel = "sandnet_revision";
const char* const kAppliedChannel = "sandnet_applied";

}  // namespace

class PgStore::Lease {
 public:
  Lease(PgStore& store, std::unique_ptr<PgConn> conn) : store_(store), conn_(std::move(conn)) {}
  Lease(Lease&&) = default;
  ~Lease() {
    if (!conn_ || !conn_->ok()) return;  // a broken link is dropped, not pooled
    std::lock_guard<std::mutex> lock(store_.pool_mu_);
    store_.idle_.push_back(std::move(conn_));
  }
  PgConn& operator*() { return *conn_; }
  PgConn* operator->() { return conn_.get(); }

 private:
  PgStore& store_;
  std::unique_ptr<PgConn> conn_;
};

// Every PostgreSQL failure after which a retry can succeed leaves the store as StoreBusy
// (503 store_busy): nothing was committed.
template <typename Fn>
auto retryable_as_busy(Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const PgError& e) {
    if (e.is_retryable()) throw StoreBusy(e.what());
    throw;
  }
}

PgStore::PgStore(std::string uri, int lock_timeout_ms)
    : uri_(std::move(uri)), lock_timeout_ms_(lock_timeout_ms) {
  // A connection of its own, without lock_timeout: a replica starting while another
  // migrates waits on the advisory lock for as long as that takes.
  auto conn = retryable_as_busy([&] { return std::make_unique<PgConn>(uri_); });
  migrations_applied_ = migrate_pg(*conn);
}

PgStore::~PgStore() = default;

PgStore::Lease PgStore::lease() {
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    if (!idle_.empty()) {
      std::unique_ptr<PgConn> conn = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(conn));
    }
  }
  return retryable_as_busy([&] {
    auto conn = std::make_unique<PgConn>(uri_);
    // A replica that stops mid-transaction (frozen, partitioned) would hold the revision
    // row's lock, and so every replica's writes, until the server ends its session.
    conn->exec("SET idle_in_transaction_session_timeout = '30s'");
    // A lock held elsewhere past this is 55P03, retryable: 503 store_busy, nothing committed.
    conn->exec("SET lock_timeout = " + std::to_string(lock_timeout_ms_));
    return Lease(*this, std::move(conn));
  });
}

void PgStore::read(const std::function<void(ReadTx&)>& fn) {
  Lease conn = lease();
  PgTx tx(*conn);
  retryable_as_busy([&] {
    in_sql_transaction(*conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", [&] { fn(tx); });
  });
}

void PgStore::write(const std::function<void(WriteTx&)>& fn) {
  Lease conn = lease();
  std::lock_guard<std::mutex> lock(write_mu_);
  PgTx tx(*conn);
  retryable_as_busy([&] {
    in_sql_transaction(*conn, "BEGIN ISOLATION LEVEL READ COMMITTED", [&] {
      // The revision row's lock serializes this transaction against every writer of every
      // replica until it ends (docs/design-postgres.md).
      conn->exec("SELECT value FROM meta WHERE name = 'revision' FOR UPDATE");
      fn(tx);
      // Pokes for the other replicas' followers, delivered at commit (and never on
      // rollback). NOTIFY takes a cluster-wide lock at commit: only writes that changed
      // something the followers read send one.
      if (tx.taken_revision() != 0) conn->exec("SELECT pg_notify($1, '')", {kRevisionChannel});
      if (tx.applied_written()) conn->exec("SELECT pg_notify($1, '')", {kAppliedChannel});
    });
  });
  if (commit_listener_ && tx.taken_revision() != 0) {
    const std::set<std::string>& touched = tx.touched_hosts();
    commit_listener_(tx.taken_revision(), std::vector<std::string>(touched.begin(), touched.end()));
  }
}

void PgStore::set_commit_listener(CommitListener listener) {
  std::lock_guard<std::mutex> lock(write_mu_);
  commit_listener_ = std::move(listener);
}

bool PgStore::watch_remote_commits(RemoteCommitListener listener) {
  remote_listener_.reset();  // joins the old thread first
  if (!listener) return true;
  remote_listener_ = std::make_unique<PgListener>(
      uri_, std::vector<std::string>{kRevisionChannel, kAppliedChannel},
      [listener](const std::string& channel) {
        listener(channel == kAppliedChannel ? RemoteCommit::kApplied : RemoteCommit::kRevision);
      });
  return true;
}

UserId PgStore::create_user(const std::string& name) {
  Lease conn = lease();
  return retryable_as_busy([&] {
    PgResult r = conn->exec(
        "INSERT INTO users(name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING"
        " RETURNING id",
        {name, rfc3339_utc_now()});
    if (r.rows() == 0) throw std::runtime_error("user '" + name + "' already exists");
    return r.int_at(0, 0);
  });
}

std::optional<User> PgStore::find_user(const std::string& name) {
  for (User& u : list_users()) {
    if (u.name == name) return u;
  }
  return std::nullopt;
}

std::vector<User> PgStore::list_users() {
  Lease conn = lease();
  PgResult r = retryable_as_busy([&] {
    return conn->exec(
        "SELECT u.id, u.name, u.created_at,"
        " (SELECT COUNT(*) FROM api_keys k WHERE k.user_id = u.id AND k.revoked_at IS NULL)"
        " FROM users u ORDER BY u.id");
  });
  std::vector<User> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back({r.int_at(i, 0), r.text(i, 1), r.text(i, 2), r.int_at(i, 3)});
  }
  return out;
}

void PgStore::add_api_key(UserId user, const std::string& key_id, const std::string& secret_hash) {
  Lease conn = lease();
  retryable_as_busy([&] {
    conn->exec("INSERT INTO api_keys(key_id, user_id, secret_hash, created_at)"
               " VALUES ($1, $2, $3, $4)",
               {key_id, user, PgParam::bytes(secret_hash), rfc3339_utc_now()});
  });
}

std::optional<ApiKeyRecord> PgStore::find_api_key(const std::string& key_id) {
  Lease conn = lease();
  PgResult r = retryable_as_busy([&] {
    return conn->exec(
        "SELECT key_id, user_id, secret_hash, revoked_at IS NOT NULL FROM api_keys"
        " WHERE key_id = $1",
        {key_id});
  });
  if (r.rows() == 0) return std::nullopt;
  return ApiKeyRecord{r.text(0, 0), r.int_at(0, 1), r.bytes(0, 2), r.bool_at(0, 3)};
}

bool PgStore::revoke_api_key(const std::string& key_id) {
  Lease conn = lease();
  return retryable_as_busy([&] {
    return conn->exec("UPDATE api_keys SET revoked_at = $1 WHERE key_id = $2"
                      " AND revoked_at IS NULL",
                      {rfc3339_utc_now(), key_id})
               .affected() > 0;
  });
}

void PgStore::add_host_token(const std::string& host_id, const std::string& token_id,
                             const std::string& secret_hash) {
  Lease conn = lease();
  retryable_as_busy([&] {
    conn->exec("INSERT INTO host_tokens(token_id, host_id, secret_hash, created_at)"
               " VALUES ($1, $2, $3, $4)",
               {token_id, host_id, PgParam::bytes(secret_hash), rfc3339_utc_now()});
  });
}

std::vector<HostTokenRecord> PgStore::find_host_tokens(const std::vector<std::string>& token_ids) {
  Lease conn = lease();
  PgResult r = retryable_as_busy([&] {
    return conn->exec(
        "SELECT token_id, host_id, secret_hash, revoked_at IS NOT NULL FROM host_tokens"
        " WHERE token_id IN (SELECT jsonb_array_elements_text($1::jsonb))",
        {json_id_list(token_ids)});
  });
  std::vector<HostTokenRecord> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back({r.text(i, 0), r.text(i, 1), r.bytes(i, 2), r.bool_at(i, 3)});
  return out;
}

std::vector<HostInfo> PgStore::list_hosts() {
  Lease conn = lease();
  PgResult r = retryable_as_busy([&] {
    return conn->exec(
        "SELECT h.id,"
        " (SELECT COUNT(*) FROM host_tokens t WHERE t.host_id = h.id AND t.revoked_at IS NULL),"
        " COALESCE((SELECT revision FROM host_applied a WHERE a.host_id = h.id), 0),"
        " h.number, COALESCE(h.underlay, ''), h.live FROM hosts h ORDER BY h.id");
  });
  std::vector<HostInfo> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back({r.text(i, 0), r.int_at(i, 1), r.int_at(i, 2), r.int_at(i, 3), r.text(i, 4),
                   r.bool_at(i, 5)});
  }
  return out;
}

bool PgStore::revoke_host(const std::string& host_id) {
  Lease conn = lease();
  return retryable_as_busy([&] {
    return conn->exec("UPDATE host_tokens SET revoked_at = $1 WHERE host_id = $2"
                      " AND revoked_at IS NULL",
                      {rfc3339_utc_now(), host_id})
               .affected() > 0;
  });
}

int64_t PgStore::compact_change_log(int64_t keep_revisions) {
  int64_t floor = 0;
  write([&](WriteTx& tx) { floor = static_cast<PgTx&>(tx).compact_log(keep_revisions); });
  return floor;
}

// A fresh connection (not a pooled one) reads the revision row and checks that the server
// takes writes (not a standby); the revision row's lock is not taken, it would queue the
// probe behind writers.
StoreHealth PgStore::health() {
  try {
    PgConn conn(uri_);
    PgResult r = conn.exec("SELECT value FROM meta WHERE name = 'revision'");
    if (r.rows() == 0) return {false, "database has no revision row"};
    PgResult ro = conn.exec("SELECT pg_is_in_recovery()");
    if (ro.bool_at(0, 0)) return {false, "database is a read-only standby"};
  } catch (const std::exception& e) {
    return {false, std::string("database unreachable: ") + e.what()};
  }
  return {};
}

}  // namespace sandnet::api
