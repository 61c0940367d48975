#include "api/sqlite_tx.h"

#include "api/api_error.h"
#include "api/clock.h"
#include "api/feed_bookkeeping.h"
#include "api/sqlite_conn.h"
#include "common/ulid.h"

namespace sandnet::api {
namespace {

const char* const kNetworkColumns =
    "SELECT n.id, n.name, n.created_at, n.revision,"
    " (SELECT COUNT(*) FROM members m WHERE m.network_id = n.id) FROM networks n ";

Network network_from(const Stmt& s) {
  return {s.text_at(0), s.text_at(1), s.text_at(2), s.int_at(4), s.int_at(3)};
}

const char* const kSandboxColumns =
    "SELECT id, name, status, ip, host, created_at, revision FROM sandboxes ";

Sandbox sandbox_from(const Stmt& s) {
  return {s.text_at(0), s.text_at(1), s.text_at(2), s.text_at(3),
          s.text_at(4), s.text_at(5), s.int_at(6)};
}

int64_t count(SqliteConn& conn, const std::string& sql, UserId user) {
  Stmt s = conn.prepare(sql);
  s.bind(1, user);
  s.step();
  return s.int_at(0);
}

}  // namespace

// ---- reads ----

Page<Network> SqliteTx::list_networks(UserId user, int64_t limit, int64_t offset) {
  Page<Network> page;
  page.total = count(conn_, "SELECT COUNT(*) FROM networks WHERE user_id = ?", user);
  Stmt s = conn_.prepare(std::string(kNetworkColumns) +
                         "WHERE n.user_id = ? ORDER BY n.id LIMIT ? OFFSET ?");
  s.bind(1, user).bind(2, limit).bind(3, offset);
  while (s.step()) page.items.push_back(network_from(s));
  return page;
}

std::optional<Network> SqliteTx::find_network_by_id(UserId user, std::string_view id) {
  Stmt s = conn_.prepare(std::string(kNetworkColumns) + "WHERE n.id = ? AND n.user_id = ?");
  s.bind(1, id).bind(2, user);
  if (!s.step()) return std::nullopt;
  return network_from(s);
}

std::optional<Network> SqliteTx::find_network_by_name(UserId user, std::string_view name) {
  Stmt s = conn_.prepare(std::string(kNetworkColumns) + "WHERE n.user_id = ? AND n.name = ?");
  s.bind(1, user).bind(2, name);
  if (!s.step()) return std::nullopt;
  return network_from(s);
}

std::vector<Member> SqliteTx::network_members(const std::string& network_id) {
  Stmt s = conn_.prepare(
      "SELECT s.id, s.name, s.status, s.ip, s.host, MAX(m.revision, s.revision)"
      " FROM members m JOIN sandboxes s ON s.id = m.sandbox_id"
      " WHERE m.network_id = ? ORDER BY m.rowid");
  s.bind(1, network_id);
  std::vector<Member> out;
  while (s.step()) {
    out.push_back({s.text_at(0), s.text_at(1), s.text_at(2), s.text_at(3), s.text_at(4),
                   s.int_at(5)});
  }
  return out;
}

Page<Sandbox> SqliteTx::list_sandboxes(UserId user, int64_t limit, int64_t offset) {
  Page<Sandbox> page;
  page.total = count(conn_, "SELECT COUNT(*) FROM sandboxes WHERE user_id = ?", user);
  Stmt s = conn_.prepare(std::string(kSandboxColumns) +
                         "WHERE user_id = ? ORDER BY id LIMIT ? OFFSET ?");
  s.bind(1, user).bind(2, limit).bind(3, offset);
  while (s.step()) page.items.push_back(sandbox_from(s));
  return page;
}

std::optional<Sandbox> SqliteTx::find_sandbox_by_id(UserId user, std::string_view id) {
  Stmt s = conn_.prepare(std::string(kSandboxColumns) + "WHERE id = ? AND user_id = ?");
  s.bind(1, id).bind(2, user);
  if (!s.step()) return std::nullopt;
  return sandbox_from(s);
}

std::optional<Sandbox> SqliteTx::find_sandbox_by_name(UserId user, std::string_view name) {
  Stmt s = conn_.prepare(std::string(kSandboxColumns) + "WHERE user_id = ? AND name = ?");
  s.bind(1, user).bind(2, name);
  if (!s.step()) return std::nullopt;
  return sandbox_from(s);
}

std::vector<NetworkSummary> SqliteTx::sandbox_networks(const std::string& sandbox_id) {
  Stmt s = conn_.prepare(
      "SELECT n.id, n.name FROM members m JOIN networks n ON n.id = m.network_id"
      " WHERE m.sandbox_id = ? ORDER BY m.rowid");
  s.bind(1, sandbox_id);
  std::vector<NetworkSummary> out;
  while (s.step()) out.push_back({s.text_at(0), s.text_at(1)});
  return out;
}

std::optional<StoredResponse> SqliteTx::find_idempotent(UserId user, const std::string& key) {
  Stmt s = conn_.prepare(
      "SELECT request_hash, status, body FROM idempotency WHERE user_id = ? AND key = ?");
  s.bind(1, user).bind(2, key);
  if (!s.step()) return std::nullopt;
  return StoredResponse{s.text_at(0), static_cast<int>(s.int_at(1)), s.text_at(2)};
}

TenantUsage SqliteTx::tenant_usage(UserId user, int64_t released_after_ms) {
  Stmt s = conn_.prepare(
      "SELECT (SELECT COUNT(*) FROM networks WHERE user_id = ?1),"
      " (SELECT COUNT(*) FROM sandboxes WHERE user_id = ?1),"
      " (SELECT COUNT(*) FROM members m JOIN sandboxes s ON s.id = m.sandbox_id"
      "   WHERE s.user_id = ?1),"
      " (SELECT COUNT(*) FROM ip_addresses WHERE sandbox_id IS NULL AND released_by = ?1"
      "   AND released_at_ms > ?2)");
  s.bind(1, user).bind(2, released_after_ms);
  s.step();
  return {s.int_at(0), s.int_at(1), s.int_at(2), s.int_at(1) + s.int_at(3)};
}

int64_t SqliteTx::current_revision() {
  Stmt s = conn_.prepare("SELECT value FROM meta WHERE name = 'revision'");
  s.step();
  return s.int_at(0);
}

std::vector<Change> SqliteTx::changes_since(int64_t revision, int64_t limit) {
  Stmt s = conn_.prepare(
      "SELECT revision, kind, user_id, network_id, sandbox_id, host_id FROM changes"
      " WHERE revision > ? ORDER BY revision, seq LIMIT ?");
  s.bind(1, revision).bind(2, limit);
  std::vector<Change> out;
  while (s.step()) {
    out.push_back({s.int_at(0), s.text_at(1), s.int_at(2), s.text_at(3), s.text_at(4),
                   s.text_at(5)});
  }
  return out;
}

// ---- writes ----

int64_t SqliteTx::revision() {
  if (revision_ == 0) {
    conn_.prepare("UPDATE meta SET value = value + 1 WHERE name = 'revision'").run();
    revision_ = current_revision();
    // Bounded change log: compacted every kCompactEvery revisions (docs/host-feed.md).
    constexpr int64_t kCompactEvery = 1000, kKeepRevisions = 100000;
    if (revision_ % kCompactEvery == 0) compact_log(kKeepRevisions);
  }
  return revision_;
}

int64_t SqliteTx::log_change(const char* kind, UserId user, const std::string& network_id,
                              const std::string& sandbox_id, const std::string& host_id) {
  Stmt s = conn_.prepare(
      "INSERT INTO changes(revision, seq, kind, user_id, network_id, sandbox_id, host_id, at)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  s.bind(1, revision()).bind(2, ++change_seq_).bind(3, std::string_view(kind)).bind(4, user);
  s.bind(5, network_id).bind(6, sandbox_id).bind(7, host_id).bind(8, rfc3339_utc_now());
  s.run();
  return change_seq_;
}

UserId SqliteTx::owner_of_sandbox(const std::string& sandbox_id) {
  Stmt s = conn_.prepare("SELECT user_id FROM sandboxes WHERE id = ?");
  s.bind(1, sandbox_id);
  return s.step() ? s.int_at(0) : 0;
}

Network SqliteTx::create_network(UserId user, const std::string& name) {
  Network n{new_network_id(), name, rfc3339_utc_now(), 0, revision()};
  try {
    Stmt s = conn_.prepare(
        "INSERT INTO networks(id, user_id, name, created_at, revision) VALUES (?, ?, ?, ?, ?)");
    s.bind(1, n.id).bind(2, user).bind(3, n.name).bind(4, n.created_at).bind(5, n.revision);
    s.run();
  } catch (const SqliteError& e) {
    if (!e.is_unique_violation()) throw;
    throw ApiError(400, "name_taken", "a network named '" + name + "' already exists",
                   {{"field", "name"}});
  }
  log_change("network_created", user, n.id, "");
  return n;
}

void SqliteTx::delete_network(const std::string& network_id) {
  Stmt owner = conn_.prepare("SELECT user_id FROM networks WHERE id = ?");
  owner.bind(1, network_id);
  if (!owner.step()) return;
  UserId user = owner.int_at(0);
  Stmt s = conn_.prepare("DELETE FROM networks WHERE id = ?");
  s.bind(1, network_id);
  s.run();
  log_change("network_deleted", user, network_id, "");
}

Sandbox SqliteTx::create_sandbox(UserId user, const std::string& id, const std::string& name,
                                     const std::string& ip) {
  Sandbox sb{id, name, "pending", ip, "", rfc3339_utc_now(), revision()};
  try {
    Stmt s = conn_.prepare(
        "INSERT INTO sandboxes(id, user_id, name, status, ip, created_at, revision)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, sb.id).bind(2, user).bind(3, sb.name).bind(4, sb.status).bind(5, sb.ip);
    s.bind(6, sb.created_at).bind(7, sb.revision);
    s.run();
  } catch (const SqliteError& e) {
    if (!e.is_unique_violation()) throw;
    throw ApiError(400, "name_taken", "a sandbox named '" + name + "' already exists",
                   {{"field", "name"}});
  }
  log_change("sandbox_created", user, "", sb.id);
  return sb;
}

void SqliteTx::delete_sandbox(const std::string& sandbox_id) {
  UserId user = owner_of_sandbox(sandbox_id);
  if (user == 0) return;
  for (const NetworkSummary& n : sandbox_networks(sandbox_id)) detach(sandbox_id, n.id);
  std::string host = host_of(sandbox_id);
  Stmt s = conn_.prepare("DELETE FROM sandboxes WHERE id = ?");
  s.bind(1, sandbox_id);
  s.run();
  int64_t seq = log_change("sandbox_deleted", user, "", sandbox_id);
  if (!host.empty()) touch_hosts(seq, {host});
}

bool SqliteTx::attach(const std::string& sandbox_id, const std::string& network_id) {
  // Checked first so that a no-op attach takes no revision.
  Stmt exists = conn_.prepare("SELECT 1 FROM members WHERE network_id = ? AND sandbox_id = ?");
  exists.bind(1, network_id).bind(2, sandbox_id);
  if (exists.step()) return false;
  HostCounts others = network_host_counts(network_id);
  std::string host = host_of(sandbox_id);
  Stmt s = conn_.prepare("INSERT INTO members(network_id, sandbox_id, revision) VALUES (?, ?, ?)");
  s.bind(1, network_id).bind(2, sandbox_id).bind(3, revision());
  s.run();
  move_network_host(network_id, "", host);
  int64_t seq = log_change("member_attached", owner_of_sandbox(sandbox_id), network_id, sandbox_id);
  MembershipEffect effect = membership_effect(others, host);
  if (effect.view_edge) record_edge(host, network_id, true);
  touch_hosts(seq, effect.touched);
  return true;
}

bool SqliteTx::detach(const std::string& sandbox_id, const std::string& network_id) {
  Stmt s = conn_.prepare("DELETE FROM members WHERE network_id = ? AND sandbox_id = ?");
  s.bind(1, network_id).bind(2, sandbox_id);
  s.run();
  if (conn_.changes() == 0) return false;
  int64_t seq = log_change("member_detached", owner_of_sandbox(sandbox_id), network_id, sandbox_id);
  std::string host = host_of(sandbox_id);
  move_network_host(network_id, host, "");
  MembershipEffect effect = membership_effect(network_host_counts(network_id), host);
  if (effect.view_edge) record_edge(host, network_id, false);
  touch_hosts(seq, effect.touched);
  return true;
}

bool SqliteTx::set_sandbox_status(const std::string& sandbox_id, const std::string& host,
                                  const std::string& status, const std::string& mac) {
  Stmt current = conn_.prepare("SELECT user_id, status, host, mac FROM sandboxes WHERE id = ?");
  current.bind(1, sandbox_id);
  if (!current.step()) return false;
  UserId user = current.int_at(0);
  const std::string old_host = current.text_at(2);
  const std::string new_mac = mac.empty() ? current.text_at(3) : mac;
  if (current.text_at(1) == status && old_host == host && current.text_at(3) == new_mac) {
    return true;  // no change
  }
  Stmt s = conn_.prepare(
      "UPDATE sandboxes SET status = ?, host = ?, mac = ?, revision = ? WHERE id = ?");
  s.bind(1, status).bind(2, host).bind(3, new_mac).bind(4, revision()).bind(5, sandbox_id);
  s.run();
  int64_t seq = log_change("sandbox_status", user, "", sandbox_id);
  // Every host that sees this sandbox through a network, and both placements; a move makes
  // its networks enter the new host's view and leave the old one's (unless others keep them).
  std::set<std::string> touched;
  for (const NetworkSummary& n : sandbox_networks(sandbox_id)) {
    MoveEffect effect = move_effect(network_host_counts(n.id), old_host, host);
    move_network_host(n.id, old_host, host);
    if (effect.enters_new) record_edge(host, n.id, true);
    if (effect.leaves_old) record_edge(old_host, n.id, false);
    touched.insert(effect.others.begin(), effect.others.end());
  }
  if (!old_host.empty()) touched.insert(old_host);
  if (!host.empty()) touched.insert(host);
  touch_hosts(seq, touched);
  return true;
}

std::optional<uint32_t> SqliteTx::highest_ip(uint32_t first, uint32_t last) {
  Stmt s = conn_.prepare("SELECT MAX(ip) FROM ip_addresses WHERE ip BETWEEN ? AND ?");
  s.bind(1, int64_t{first}).bind(2, int64_t{last});
  if (!s.step() || s.is_null(0)) return std::nullopt;
  return static_cast<uint32_t>(s.int_at(0));
}

std::optional<uint32_t> SqliteTx::oldest_released_ip(uint32_t first, uint32_t last,
                                                     int64_t released_before_ms,
                                                     int64_t released_by_revision) {
  Stmt s = conn_.prepare(
      "SELECT ip FROM ip_addresses WHERE sandbox_id IS NULL AND released_at_ms <= ?"
      " AND released_revision <= ? AND ip BETWEEN ? AND ? ORDER BY released_at_ms, ip LIMIT 1");
  s.bind(1, released_before_ms).bind(2, released_by_revision);
  s.bind(3, int64_t{first}).bind(4, int64_t{last});
  if (!s.step()) return std::nullopt;
  return static_cast<uint32_t>(s.int_at(0));
}

void SqliteTx::claim_ip(uint32_t ip, const std::string& sandbox_id) {
  Stmt s = conn_.prepare(
      "INSERT INTO ip_addresses(ip, sandbox_id, released_at_ms) VALUES (?, ?, NULL)"
      " ON CONFLICT(ip) DO UPDATE SET sandbox_id = excluded.sandbox_id, released_at_ms = NULL,"
      " released_by = NULL");
  s.bind(1, int64_t{ip}).bind(2, sandbox_id);
  s.run();
}

void SqliteTx::release_ips(const std::string& sandbox_id, int64_t now_ms) {
  Stmt s = conn_.prepare(
      "UPDATE ip_addresses SET sandbox_id = NULL, released_at_ms = ?1, released_revision = ?3,"
      " released_by = (SELECT user_id FROM sandboxes WHERE id = ?2) WHERE sandbox_id = ?2");
  s.bind(1, now_ms).bind(2, sandbox_id).bind(3, revision());
  s.run();
}

void SqliteTx::save_idempotent(UserId user, const std::string& key,
                                   const StoredResponse& response) {
  constexpr int64_t kRetentionMs = 24 * 3600 * 1000;
  int64_t now = unix_ms_now();
  Stmt prune = conn_.prepare("DELETE FROM idempotency WHERE created_ms < ?");
  prune.bind(1, now - kRetentionMs);
  prune.run();
  Stmt s = conn_.prepare(
      "INSERT INTO idempotency(user_id, key, request_hash, status, body, created_ms)"
      " VALUES (?, ?, ?, ?, ?, ?)");
  s.bind(1, user).bind(2, key).bind(3, response.request_hash).bind(4, int64_t{response.status});
  s.bind(5, response.body).bind(6, now);
  s.run();
}

}  // namespace sandnet::api
