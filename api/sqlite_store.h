// The embedded store: one SQLite file in WAL mode. Readers run concurrently on pooled
// connections; writers are serialized by an in-process mutex (SQLite allows one writer
// anyway, and waiting on a mutex is cheaper than SQLite's busy-sleep loop) and by
// BEGIN IMMEDIATE + busy_timeout against other processes such as the admin CLI.
#pragma once
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "api/store.h"

namespace sandnet::api {

class SqliteConn;

struct SqliteOptions {
  // How long a write waits for another process's lock (admin CLI, backup) before the
  // request fails as retryable (StoreBusy).
  int busy_timeout_ms = 10000;
  // /healthz is 503 when the database's filesystem has less free space than this.
  int64_t min_free_disk_bytes = 16 * 1024 * 1024;
};

class SqliteStore final : public Store {
 public:
  // Creates the file when missing and applies the schema migrations it lacks
  // (api/sqlite_migrations.h); throws when the file is newer than this binary.
  explicit SqliteStore(std::string path, SqliteOptions options = {});
  ~SqliteStore() override;

  // How many migration steps opening this store applied (0 when the file was current).
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
  StoreHealth health() override;

 private:
  // Returns the connection to the pool when destroyed.
  class Lease;
  Lease lease();

  std::string path_;
  SqliteOptions options_;
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<SqliteConn>> idle_;
  std::mutex write_mu_;
  CommitListener commit_listener_;
  int migrations_applied_ = 0;
};

}  // namespace sandnet::api
