// The PostgreSQL store, for several API replicas on one database (docs/design-postgres.md).
// Readers run in REPEATABLE READ snapshots on pooled connections. Every write transaction
// first locks the revision row (SELECT … FOR UPDATE), which serializes writers across all
// replicas, so revisions are gapless and in commit order, as on SQLite.
#pragma once
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "api/store.h"

namespace sandnet::api {

class PgConn;
class PgListener;

class PgStore final : public Store {
 public:
  // Connects and applies pending migrations under the advisory lock. Throws StoreBusy when
  // the server cannot be reached, std::runtime_error when the schema is newer than this binary.
  // lock_timeout_ms: how long a write waits for the revision row's lock (held by another
  // replica's or session's write) before it fails as retryable StoreBusy, like SQLite's
  // busy_timeout_ms; 0 waits for ever.
  explicit PgStore(std::string uri, int lock_timeout_ms = 10000);
  ~PgStore() override;

  // How many migration steps this instance applied at start (0 when another had).
  int migrations_applied() const { return migrations_applied_; }

  void read(const std::function<void(ReadTx&)>& fn) override;
  void write(const std::function<void(WriteTx&)>& fn) override;

  UserId create_user(const std::string& name) override;
  std::optional<User> find_user(const std::string& name) override;
  std::vector<User> list_users() override;
  void add_api_key(UserId user, const std::string& key_id,
                   const std::string& secret_hash) override;
  std::optional<ApiKeyRecord> find_api_key(const std::string& key_id) override;
  bool revoke_api_key(const std::string& key_id) override;
  void add_host_token(const std::string& host_id, const std::string& token_id,
                      const std::string& secret_hash) override;
  std::vector<HostTokenRecord> find_host_tokens(const std::vector<std::string>& token_ids) override;
  std::vector<HostInfo> list_hosts() override;
  bool revoke_host(const std::string& host_id) override;
  int64_t compact_change_log(int64_t keep_revisions) override;
  void set_commit_listener(CommitListener listener) override;
  // LISTENs on a dedicated connection; every write transaction that takes a revision (or
  // stores applied revisions) NOTIFYs inside itself, so the poke is sent only if it commits.
  bool watch_remote_commits(RemoteCommitListener listener) override;
  StoreHealth health() override;

 private:
  // Returns the connection to the pool when destroyed, unless its link broke.
  class Lease;
  Lease lease();

  std::string uri_;
  int lock_timeout_ms_;
  int migrations_applied_ = 0;
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<PgConn>> idle_;
  // Local writers queue here rather than on the row lock, and the commit listener sees this
  // process's revisions in order.
  std::mutex write_mu_;
  CommitListener commit_listener_;
  std::unique_ptr<PgListener> remote_listener_;
};

}  // namespace sandnet::api
