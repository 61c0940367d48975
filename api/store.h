// The persistence interface. Route handlers talk to this, never to SQLite, so a PostgreSQL
// store can replace the embedded one later. All tenant-facing reads and writes take the user
// id: an object of another user is simply not found.
//
// Work happens in transactions: read() gives a consistent snapshot, write() runs one
// serialized write transaction that commits when the callback returns and rolls back when it
// throws (ApiError included). A committed write is durable before write() returns.
// Every write transaction that changes something takes exactly one new global revision,
// stamps it on the rows it touched and appends one entry per change to the change log.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sandnet::api {

using UserId = int64_t;

// The transaction could not start because something else holds the database (another
// process's write lock): nothing happened, and the same request can be retried shortly.
struct StoreBusy : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct StoreHealth {
  bool ok = true;
  std::string problem;  // when !ok: what is wrong, for the operator (e.g. "disk full")
};

struct User {
  UserId id = 0;
  std::string name;
  std::string created_at;
  int64_t active_keys = 0;
};

struct ApiKeyRecord {
  std::string key_id;
  UserId user_id = 0;
  std::string secret_hash;  // raw SHA-256 bytes
  bool revoked = false;
};

struct Network {
  std::string id;
  std::string name;
  std::string created_at;
  int64_t member_count = 0;
  int64_t revision = 0;
};

struct Sandbox {
  std::string id;
  std::string name;
  std::string status;  // pending | running | stopped
  std::string ip;
  std::string host;    // reported by the host agent; empty until then
  std::string created_at;
  int64_t revision = 0;
};

struct Member {
  std::string sandbox_id;
  std::string name;
  std::string status;
  std::string ip;
  std::string host;       // where it is placed; empty until plugged
  int64_t revision = 0;   // last change of this membership or of the sandbox's placement
};

// Host-feed records (docs/host-feed.md): what a host agent needs, across tenants.
struct ViewSandbox {
  std::string id, name, ip, host, mac, status;
  std::vector<std::string> networks;  // network ids, sorted
};

struct ViewNetwork {
  std::string id, name;
  std::vector<std::string> members;  // sandbox ids in attach order
};

// A registered host as other hosts see it (docs/host-feed.md, "Hosts, their overlay
// addresses and their leases").
struct ViewHost {
  std::string id;
  int64_t number = 0;    // 1 .. 16777215: the VNI it sends
  std::string underlay;  // IPv4 text; empty: none
  bool live = false;     // its lease has not run out
  bool operator==(const ViewHost&) const = default;
};

struct HostView {
  int64_t revision = 0;
  std::vector<ViewSandbox> sandboxes;  // sorted by id
  std::vector<ViewNetwork> networks;   // sorted by id
  std::vector<ViewHost> hosts;         // sorted by id
};

// A network entering (or leaving) a host's view at a revision: the first (or last) member
// placed on that host joined (or left) it.
struct ViewEdge {
  int64_t revision = 0;
  std::string network_id;
  bool entered = false;
};

struct HostTokenRecord {
  std::string token_id;
  std::string host_id;
  std::string secret_hash;  // raw SHA-256 bytes
  bool revoked = false;
};

struct HostInfo {
  std::string host_id;
  int64_t active_tokens = 0;
  int64_t applied_revision = 0;
  int64_t number = 0;
  std::string underlay;  // empty: none
  bool live = false;
};

// What `hosts create` registered or found (WriteTx::register_host).
struct HostRegistration {
  ViewHost host;
  bool created = false;
  bool underlay_changed = false;
};

// The lease keeper's write (WriteTx::keep_host_leases): which hosts it found gone or back.
struct LeaseTransitions {
  std::vector<std::string> lost, live;
};

// What one tenant holds, for its quotas (tenant_quotas.h).
struct TenantUsage {
  int64_t networks = 0;
  int64_t sandboxes = 0;
  int64_t memberships = 0;
  // Addresses its live sandboxes hold plus those its deleted sandboxes released that are
  // still quarantined: both keep an address from everyone else.
  int64_t addresses = 0;
};

struct NetworkSummary {
  std::string id;
  std::string name;
};

template <typename T>
struct Page {
  std::vector<T> items;
  int64_t total = 0;
};

// What an Idempotency-Key replays: the first answer to (user, key).
struct StoredResponse {
  std::string request_hash;
  int status = 0;
  std::string body;
};

struct Change {
  int64_t revision = 0;
  std::string kind;  // network_created, network_deleted, sandbox_created, sandbox_deleted,
                     // member_attached, member_detached, sandbox_status,
                     // host_lost, host_live, host_underlay
  UserId user_id = 0;
  std::string network_id;
  std::string sandbox_id;
  std::string host_id;  // the host whose record changed (host_* kinds only)
};

// A change-log entry and one host whose view it touched (a change_hosts row).
struct HostChange {
  std::string host;
  Change change;
};

// A network entering or leaving one host's view (a view_edges row).
struct HostEdge {
  std::string host;
  ViewEdge edge;
};

class ReadTx {
 public:
  virtual ~ReadTx() = default;

  virtual Page<Network> list_networks(UserId user, int64_t limit, int64_t offset) = 0;
  virtual std::optional<Network> find_network_by_id(UserId user, std::string_view id) = 0;
  virtual std::optional<Network> find_network_by_name(UserId user, std::string_view name) = 0;
  // Members in attach order.
  virtual std::vector<Member> network_members(const std::string& network_id) = 0;

  virtual Page<Sandbox> list_sandboxes(UserId user, int64_t limit, int64_t offset) = 0;
  virtual std::optional<Sandbox> find_sandbox_by_id(UserId user, std::string_view id) = 0;
  virtual std::optional<Sandbox> find_sandbox_by_name(UserId user, std::string_view name) = 0;
  // Networks in attach order.
  virtual std::vector<NetworkSummary> sandbox_networks(const std::string& sandbox_id) = 0;

  virtual std::optional<StoredResponse> find_idempotent(UserId user, const std::string& key) = 0;

  // Addresses released before released_after_ms are out of quarantine and not counted.
  virtual TenantUsage tenant_usage(UserId user, int64_t released_after_ms) = 0;

  virtual int64_t current_revision() = 0;
  virtual std::vector<Change> changes_since(int64_t revision, int64_t limit) = 0;

  // ---- host feed (any tenant; only host-scoped routes call these) ----
  // The oldest revision R such that every change after R is still in the log.
  virtual int64_t feed_log_floor() = 0;
  virtual HostView host_view(const std::string& host) = 0;
  // Changes after `revision` that touched the host's view (before or after them), in order.
  virtual std::vector<Change> host_changes_since(const std::string& host, int64_t revision) = 0;
  virtual std::vector<ViewEdge> host_edges_since(const std::string& host, int64_t revision) = 0;
  // Whether some member of the network is placed on the host.
  virtual bool network_in_view(const std::string& host, const std::string& network_id) = 0;
  // With all its networks (the caller restricts them to a view).
  virtual std::optional<ViewSandbox> view_sandbox(const std::string& sandbox_id) = 0;
  virtual std::optional<ViewNetwork> view_network(const std::string& network_id) = 0;
  // Distinct non-empty hosts of the network's members.
  virtual std::vector<std::string> member_hosts(const std::string& network_id) = 0;
  // Last applied revision per host.
  virtual std::vector<std::pair<std::string, int64_t>> applied_revisions() = 0;
  // The records of those of `ids` that are registered, in one statement; in no order.
  virtual std::vector<ViewHost> view_hosts(const std::vector<std::string>& ids) = 0;
  // The smallest stored applied revision among live hosts (0 for one that never reported);
  // nullopt when no host is live. IPAM reuses an address only once this reaches the
  // revision that released it.
  virtual std::optional<int64_t> live_hosts_applied_floor() = 0;

  // ---- batch reads for the feed follower (feed_delta.h): one or two statements each,
  // whatever the number of hosts or ids, so a replica's work per change does not grow with
  // the hosts it serves ----
  // change_hosts rows after `revision` with their changes, in (revision, seq) order.
  virtual std::vector<HostChange> host_changes_after(int64_t revision) = 0;
  virtual std::vector<HostEdge> host_edges_after(int64_t revision) = 0;
  // The records of those that exist, each with all its networks (sorted) / members (in
  // attach order); in no particular order.
  virtual std::vector<ViewSandbox> view_sandboxes(const std::vector<std::string>& ids) = 0;
  virtual std::vector<ViewNetwork> view_networks(const std::vector<std::string>& ids) = 0;
  // (network id, host) for every host that has a member of one of these networks placed.
  virtual std::vector<std::pair<std::string, std::string>> network_hosts_of(
      const std::vector<std::string>& network_ids) = 0;
};

class WriteTx : public ReadTx {
 public:
  // Throws ApiError 400 "name_taken" when the user already has a network of that name.
  virtual Network create_network(UserId user, const std::string& name) = 0;
  virtual void delete_network(const std::string& network_id) = 0;

  // Throws ApiError 400 "name_taken". The id is chosen by the caller (IPAM needs it first).
  virtual Sandbox create_sandbox(UserId user, const std::string& id, const std::string& name,
                                 const std::string& ip) = 0;
  // Removes its memberships too (each logged as member_detached).
  virtual void delete_sandbox(const std::string& sandbox_id) = 0;

  // false when the membership already existed / did not exist (nothing changed then).
  virtual bool attach(const std::string& sandbox_id, const std::string& network_id) = 0;
  virtual bool detach(const std::string& sandbox_id, const std::string& network_id) = 0;

  // For the host-agent feed: not a user route. false when the sandbox does not exist.
  // An empty mac leaves the recorded one unchanged.
  virtual bool set_sandbox_status(const std::string& sandbox_id, const std::string& host,
                                  const std::string& status, const std::string& mac = "") = 0;
  // Monotonic: a smaller revision than the recorded one is ignored. Takes no revision.
  // The server calls it lazily, in batches (applied_persister.h), not once per report.
  virtual void set_host_applied(const std::string& host, int64_t revision) = 0;

  // IPAM primitives (policy lives in ipam.cc). Addresses are host-order IPv4.
  virtual std::optional<uint32_t> highest_ip(uint32_t first, uint32_t last) = 0;
  // Released before released_before_ms, by a revision at or below released_by_revision.
  virtual std::optional<uint32_t> oldest_released_ip(uint32_t first, uint32_t last,
                                                     int64_t released_before_ms,
                                                     int64_t released_by_revision) = 0;
  virtual void claim_ip(uint32_t ip, const std::string& sandbox_id) = 0;
  // Call before delete_sandbox: the released address stays counted against the sandbox's
  // owner while it is quarantined. Records this transaction's revision as the release's.
  virtual void release_ips(const std::string& sandbox_id, int64_t now_ms) = 0;

  // ---- hosts (docs/host-feed.md, issue 17) ----
  // Registers the host with the smallest free number when new (no revision: no view holds
  // it yet); on a known host a different `underlay` is a host_underlay change. Empty
  // underlay: a new host gets none, a known one keeps its own. Throws ApiError 400
  // "underlay_taken" when another host has that address, 503 "host_numbers_exhausted".
  virtual HostRegistration register_host(const std::string& id, const std::string& underlay) = 0;
  // The lease keeper's periodic write: `renewed` hosts' leases run to at least until_ms
  // (no revision); then live hosts whose lease is at or before now_ms become lost and lost
  // hosts whose lease is after it live, each a logged change, all in one revision (none when
  // nothing turned). Conditional updates: replicas running it concurrently turn a host once.
  virtual LeaseTransitions keep_host_leases(const std::vector<std::string>& renewed,
                                            int64_t now_ms, int64_t until_ms) = 0;

  virtual void save_idempotent(UserId user, const std::string& key,
                               const StoredResponse& response) = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  virtual void read(const std::function<void(ReadTx&)>& fn) = 0;
  virtual void write(const std::function<void(WriteTx&)>& fn) = 0;

  // Administration (CLI). create_user throws std::runtime_error when the name exists.
  virtual UserId create_user(const std::string& name) = 0;
  virtual std::optional<User> find_user(const std::string& name) = 0;
  virtual std::vector<User> list_users() = 0;
  virtual void add_api_key(UserId user, const std::string& key_id,
                           const std::string& secret_hash) = 0;
  virtual std::optional<ApiKeyRecord> find_api_key(const std::string& key_id) = 0;
  virtual bool revoke_api_key(const std::string& key_id) = 0;

  // Host tokens (CLI) and host-token authentication.
  virtual void add_host_token(const std::string& host_id, const std::string& token_id,
                              const std::string& secret_hash) = 0;
  // The records of those of `token_ids` that exist, in one statement (host_token_cache.h).
  virtual std::vector<HostTokenRecord> find_host_tokens(const std::vector<std::string>& token_ids) = 0;
  std::optional<HostTokenRecord> find_host_token(const std::string& token_id) {
    std::vector<HostTokenRecord> found = find_host_tokens({token_id});
    if (found.empty()) return std::nullopt;
    return std::move(found.front());
  }
  virtual std::vector<HostInfo> list_hosts() = 0;
  // Revokes every active token of the host; false when it had none.
  virtual bool revoke_host(const std::string& host_id) = 0;
  // Drops change-log entries older than the newest `keep_revisions` revisions; feeds asking
  // for an older `since` then get a snapshot. Returns the new floor.
  virtual int64_t compact_change_log(int64_t keep_revisions) = 0;

  // Called after every committed write transaction that took a revision, with the hosts whose
  // view it touched, in revision order (set once, before serving).
  using CommitListener =
      std::function<void(int64_t revision, const std::vector<std::string>& hosts)>;
  virtual void set_commit_listener(CommitListener listener) = 0;

  // What another process committed, as a poke without content (the reader reads the store):
  // a write that took a revision, or hosts' applied revisions stored.
  enum class RemoteCommit { kRevision, kApplied };
  using RemoteCommitListener = std::function<void(RemoteCommit)>;
  // Starts (or, with nullptr, stops) watching other processes' commits, calling the listener
  // from a thread of its own; after every (re)connection it calls it with both kinds, since
  // pokes sent meanwhile are lost. false when the store has nothing to watch (SQLite: one
  // serving process; the admin CLI's rare writes wait for the follower's recheck).
  virtual bool watch_remote_commits(RemoteCommitListener listener) {
    (void)listener;
    return false;
  }

  // For /healthz: reads the database itself (not a cache) and checks that writes can land.
  virtual StoreHealth health() = 0;
};

}  // namespace sandnet::api
