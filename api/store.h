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
#include <string>
#include <string_view>
#include <vector>

namespace sandnet::api {

using UserId = int64_t;

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
                     // member_attached, member_detached, sandbox_status
  UserId user_id = 0;
  std::string network_id;
  std::string sandbox_id;
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

  virtual int64_t current_revision() = 0;
  virtual std::vector<Change> changes_since(int64_t revision, int64_t limit) = 0;
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
  virtual bool set_sandbox_status(const std::string& sandbox_id, const std::string& host,
                                  const std::string& status) = 0;

  // IPAM primitives (policy lives in ipam.cc). Addresses are host-order IPv4.
  virtual std::optional<uint32_t> highest_ip(uint32_t first, uint32_t last) = 0;
  virtual std::optional<uint32_t> oldest_released_ip(uint32_t first, uint32_t last,
                                                     int64_t released_before_ms) = 0;
  virtual void claim_ip(uint32_t ip, const std::string& sandbox_id) = 0;
  virtual void release_ips(const std::string& sandbox_id, int64_t now_ms) = 0;

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

  // Cheap liveness probe for /healthz.
  virtual bool healthy() = 0;
};

}  // namespace sandnet::api
