// SQLite implementations of the store's transaction interfaces (internal to the store).
#pragma once
#include <map>
#include <set>

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
  TenantUsage tenant_usage(UserId user, int64_t released_after_ms) override;
  std::optional<Sandbox> find_sandbox_by_id(UserId user, std::string_view id) override;
  std::optional<Sandbox> find_sandbox_by_name(UserId user, std::string_view name) override;
  std::vector<NetworkSummary> sandbox_networks(const std::string& sandbox_id) override;
  std::optional<StoredResponse> find_idempotent(UserId user, const std::string& key) override;
  int64_t current_revision() override;
  std::vector<Change> changes_since(int64_t revision, int64_t limit) override;
  int64_t feed_log_floor() override;
  HostView host_view(const std::string& host) override;
  std::vector<Change> host_changes_since(const std::string& host, int64_t revision) override;
  std::vector<ViewEdge> host_edges_since(const std::string& host, int64_t revision) override;
  bool network_in_view(const std::string& host, const std::string& network_id) override;
  std::optional<ViewSandbox> view_sandbox(const std::string& sandbox_id) override;
  std::optional<ViewNetwork> view_network(const std::string& network_id) override;
  std::vector<std::string> member_hosts(const std::string& network_id) override;
  std::vector<std::pair<std::string, int64_t>> applied_revisions() override;
  std::vector<ViewHost> view_hosts(const std::vector<std::string>& ids) override;
  std::optional<int64_t> live_hosts_applied_floor() override;

  // The feed follower's batch reads (sqlite_follower_reads.cc).
  std::vector<HostChange> host_changes_after(int64_t revision) override;
  std::vector<HostEdge> host_edges_after(int64_t revision) override;
  std::vector<ViewSandbox> view_sandboxes(const std::vector<std::string>& ids) override;
  std::vector<ViewNetwork> view_networks(const std::vector<std::string>& ids) override;
  std::vector<std::pair<std::string, std::string>> network_hosts_of(
      const std::vector<std::string>& network_ids) override;

  Network create_network(UserId user, const std::string& name) override;
  void delete_network(const std::string& network_id) override;
  Sandbox create_sandbox(UserId user, const std::string& id, const std::string& name,
                         const std::string& ip) override;
  void delete_sandbox(const std::string& sandbox_id) override;
  bool attach(const std::string& sandbox_id, const std::string& network_id) override;
  bool detach(const std::string& sandbox_id, const std::string& network_id) override;
  bool set_sandbox_status(const std::string& sandbox_id, const std::string& host,
                          const std::string& status, const std::string& mac = "") override;
  void set_host_applied(const std::string& host, int64_t revision) override;
  std::optional<uint32_t> highest_ip(uint32_t first, uint32_t last) override;
  std::optional<uint32_t> oldest_released_ip(uint32_t first, uint32_t last,
                                             int64_t released_before_ms,
                                             int64_t released_by_revision) override;
  void claim_ip(uint32_t ip, const std::string& sandbox_id) override;
  void release_ips(const std::string& sandbox_id, int64_t now_ms) override;
  void save_idempotent(UserId user, const std::string& key,
                       const StoredResponse& response) override;
  // Hosts and leases (sqlite_hosts.cc).
  HostRegistration register_host(const std::string& id, const std::string& underlay) override;
  LeaseTransitions keep_host_leases(const std::vector<std::string>& renewed, int64_t now_ms,
                                    int64_t until_ms) override;

  // 0 when this transaction changed nothing; else its revision and the hosts it touched.
  int64_t taken_revision() const { return revision_; }
  const std::set<std::string>& touched_hosts() const { return touched_hosts_; }

  // Drops log entries at or below `revision - keep`; returns the floor (sqlite_feed.cc).
  int64_t compact_log(int64_t keep);

 private:
  // The revision of this write transaction, taken on its first change.
  int64_t revision();
  // Returns the change's sequence number within the revision.
  int64_t log_change(const char* kind, UserId user, const std::string& network_id,
                     const std::string& sandbox_id, const std::string& host_id = "");
  UserId owner_of_sandbox(const std::string& sandbox_id);

  // Host-feed bookkeeping at write time (sqlite_feed.cc).
  std::string host_of(const std::string& sandbox_id);
  // Placed members of the network per host (network_hosts).
  std::map<std::string, int64_t> network_host_counts(const std::string& network_id);
  // Moves one member's count from host `from` to host `to` (either may be empty).
  void move_network_host(const std::string& network_id, const std::string& from,
                         const std::string& to);
  void touch_hosts(int64_t seq, const std::set<std::string>& hosts);
  void record_edge(const std::string& host, const std::string& network_id, bool entered);
  // A host's record changed (sqlite_hosts.cc): logs it and touches every host whose view
  // holds a sandbox placed on it, and the host itself, in one statement.
  void log_host_change(const char* kind, const std::string& host);

  SqliteConn& conn_;
  int64_t revision_ = 0;
  int64_t change_seq_ = 0;
  std::set<std::string> touched_hosts_;
};

}  // namespace sandnet::api
