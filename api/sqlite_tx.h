// SQLite implementations of the store's transaction interfaces (internal to the store).
#pragma once
#include "api/store.h"

namespace sandnet::api {

class SqliteConn;

class SqliteTx : public WriteTx {
 public:
  explicit SqliteTx(SqliteConn& conn) : conn_(conn) {}

  Page<Network> list_networks(UserId user, int64_t limit, int64_t offset) override;
  std::optional<Network> find_network_by_id(UserId user, std::string_view id) override;
  std::optional<Network> find_network_by_name(UserId user, std::string_view name) override;
  std::vector<Member> network_members(const std::string& network_id) override;
  Page<Sandbox> list_sandboxes(UserId user, int64_t limit, int64_t offset) override;
  std::optional<Sandbox> find_sandbox_by_id(UserId user, std::string_view id) override;
  std::optional<Sandbox> find_sandbox_by_name(UserId user, std::string_view name) override;
  std::vector<NetworkSummary> sandbox_networks(const std::string& sandbox_id) override;
  std::optional<StoredResponse> find_idempotent(UserId user, const std::string& key) override;
  int64_t current_revision() override;
  std::vector<Change> changes_since(int64_t revision, int64_t limit) override;

  Network create_network(UserId user, const std::string& name) override;
  void delete_network(const std::string& network_id) override;
  Sandbox create_sandbox(UserId user, const std::string& id, const std::string& name,
                         const std::string& ip) override;
  void delete_sandbox(const std::string& sandbox_id) override;
  bool attach(const std::string& sandbox_id, const std::string& network_id) override;
  bool detach(const std::string& sandbox_id, const std::string& network_id) override;
  bool set_sandbox_status(const std::string& sandbox_id, const std::string& host,
                          const std::string& status) override;
  std::optional<uint32_t> highest_ip(uint32_t first, uint32_t last) override;
  std::optional<uint32_t> oldest_released_ip(uint32_t first, uint32_t last,
                                             int64_t released_before_ms) override;
  void claim_ip(uint32_t ip, const std::string& sandbox_id) override;
  void release_ips(const std::string& sandbox_id, int64_t now_ms) override;
  void save_idempotent(UserId user, const std::string& key,
                       const StoredResponse& response) override;

 private:
  // The revision of this write transaction, taken on its first change.
  int64_t revision();
  void log_change(const char* kind, UserId user, const std::string& network_id,
                  const std::string& sandbox_id);
  UserId owner_of_sandbox(const std::string& sandbox_id);

  SqliteConn& conn_;
  int64_t revision_ = 0;
  int64_t change_seq_ = 0;
};

}  // namespace sandnet::api
