#include "api/pg_tx.h"

#include "api/api_error.h"
#include "api/clock.h"
#include "api/feed_bookkeeping.h"
#include "common/ulid.h"

namespace sandnet::api {
namespace {

const char* const kNetworkColumns =
    "SELECT n.id, n.name, n.created_at, n.revision,"
    " (SELECT COUNT(*) FROM members m WHERE m.network_id = n.id) FROM networks n ";

Network network_from(const PgResult& r, int row) {
  return {r.text(row, 0), r.text(row, 1), r.text(row, 2), r.int_at(row, 4), r.int_at(row, 3)};
}

const char* const kSandboxColumns =
    "SELECT id, name, status, ip, host, created_at, revision FROM sandboxes ";

Sandbox sandbox_from(const PgResult& r, int row) {
  return {r.text(row, 0), r.text(row, 1), r.text(row, 2), r.text(row, 3),
          r.text(row, 4), r.text(row, 5), r.int_at(row, 6)};
}

Change change_from(const PgResult& r, int row) {
  return {r.int_at(row, 0), r.text(row, 1), r.int_at(row, 2), r.text(row, 3), r.text(row, 4),
          r.text(row, 5)};
}

ApiError name_taken(const char* what, const std::string& name) {
  return ApiError(400, "name_taken", std::string("a ") + what + " named '" + name +
                                         "' already exists", {{"field", "name"}});
}

}  // namespace

PgResult PgTx::q(const std::string& sql, const std::vector<PgParam>& params) {
  return conn_.exec(sql, params);
}

// ---- reads ----

Page<Network> PgTx::list_networks(UserId user, int64_t limit, int64_t offset) {
  Page<Network> page;
  page.total = q("SELECT COUNT(*) FROM networks WHERE user_id = $1", {user}).int_at(0, 0);
  PgResult r = q(std::string(kNetworkColumns) +
                     "WHERE n.user_id = $1 ORDER BY n.id LIMIT $2 OFFSET $3",
                 {user, limit, offset});
  for (int i = 0; i < r.rows(); ++i) page.items.push_back(network_from(r, i));
  return page;
}

std::optional<Network> PgTx::find_network_by_id(UserId user, std::string_view id) {
  PgResult r = q(std::string(kNetworkColumns) + "WHERE n.id = $1 AND n.user_id = $2", {id, user});
  if (r.rows() == 0) return std::nullopt;
  return network_from(r, 0);
}

std::optional<Network> PgTx::find_network_by_name(UserId user, std::string_view name) {
  PgResult r =
      q(std::string(kNetworkColumns) + "WHERE n.user_id = $1 AND n.name = $2", {user, name});
  if (r.rows() == 0) return std::nullopt;
  return network_from(r, 0);
}

std::vector<Member> PgTx::network_members(const std::string& network_id) {
  PgResult r = q(
      "SELECT s.id, s.name, s.status, s.ip, s.host, GREATEST(m.revision, s.revision)"
      " FROM members m JOIN sandboxes s ON s.id = m.sandbox_id"
      " WHERE m.network_id = $1 ORDER BY m.attach_order",
      {network_id});
  std::vector<Member> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back({r.text(i, 0), r.text(i, 1), r.text(i, 2), r.text(i, 3), r.text(i, 4),
                   r.int_at(i, 5)});
  }
  return out;
}

Page<Sandbox> PgTx::list_sandboxes(UserId user, int64_t limit, int64_t offset) {
  Page<Sandbox> page;
  page.total = q("SELECT COUNT(*) FROM sandboxes WHERE user_id = $1", {user}).int_at(0, 0);
  PgResult r = q(std::string(kSandboxColumns) +
                     "WHERE user_id = $1 ORDER BY id LIMIT $2 OFFSET $3",
                 {user, limit, offset});
  for (int i = 0; i < r.rows(); ++i) page.items.push_back(sandbox_from(r, i));
  return page;
}

std::optional<Sandbox> PgTx::find_sandbox_by_id(UserId user, std::string_view id) {
  PgResult r = q(std::string(kSandboxColumns) + "WHERE id = $1 AND user_id = $2", {id, user});
  if (r.rows() == 0) return std::nullopt;
  return sandbox_from(r, 0);
}

std::optional<Sandbox> PgTx::find_sandbox_by_name(UserId user, std::string_view name) {
  PgResult r = q(std::string(kSandboxColumns) + "WHERE user_id = $1 AND name = $2", {user, name});
  if (r.rows() == 0) return std::nullopt;
  return sandbox_from(r, 0);
}

std::vector<NetworkSummary> PgTx::sandbox_networks(const std::string& sandbox_id) {
  PgResult r = q(
      "SELECT n.id, n.name FROM members m JOIN networks n ON n.id = m.network_id"
      " WHERE m.sandbox_id = $1 ORDER BY m.attach_order",
      {sandbox_id});
  std::vector<NetworkSummary> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back({r.text(i, 0), r.text(i, 1)});
  return out;
}

std::optional<StoredResponse> PgTx::find_idempotent(UserId user, const std::string& key) {
  PgResult r = q("SELECT request_hash, status, body FROM idempotency"
                 " WHERE user_id = $1 AND key = $2",
                 {user, key});
  if (r.rows() == 0) return std::nullopt;
  return StoredResponse{r.text(0, 0), static_cast<int>(r.int_at(0, 1)), r.text(0, 2)};
}

TenantUsage PgTx::tenant_usage(UserId user, int64_t released_after_ms) {
  PgResult r = q(
      "SELECT (SELECT COUNT(*) FROM networks WHERE user_id = $1),"
      " (SELECT COUNT(*) FROM sandboxes WHERE user_id = $1),"
      " (SELECT COUNT(*) FROM members m JOIN sandboxes s ON s.id = m.sandbox_id"
      "   WHERE s.user_id = $1),"
      " (SELECT COUNT(*) FROM ip_addresses WHERE sandbox_id IS NULL AND released_by = $1"
      "   AND released_at_ms > $2)",
      {user, released_after_ms});
  return {r.int_at(0, 0), r.int_at(0, 1), r.int_at(0, 2), r.int_at(0, 1) + r.int_at(0, 3)};
}

int64_t PgTx::current_revision() {
  return q("SELECT value FROM meta WHERE name = 'revision'").int_at(0, 0);
}

std::vector<Change> PgTx::changes_since(int64_t revision, int64_t limit) {
  PgResult r = q(
      "SELECT revision, kind, user_id, network_id, sandbox_id, host_id FROM changes"
      " WHERE revision > $1 ORDER BY revision, seq LIMIT $2",
      {revision, limit});
  std::vector<Change> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(change_from(r, i));
  return out;
}

// ---- writes ----

// The row is already locked by write() (FOR UPDATE), so no other transaction can take the
// next number before this one commits or rolls back: revisions are gapless, in commit order.
int64_t PgTx::revision() {
  if (revision_ == 0) {
    revision_ = q("UPDATE meta SET value = value + 1 WHERE name = 'revision' RETURNING value")
                    .int_at(0, 0);
    constexpr int64_t kCompactEvery = 1000, kKeepRevisions = 100000;
    if (revision_ % kCompactEvery == 0) compact_log(kKeepRevisions);
  }
  return revision_;
}

int64_t PgTx::log_change(const char* kind, UserId user, const std::string& network_id,
                         const std::string& sandbox_id, const std::string& host_id) {
  q("INSERT INTO changes(revision, seq, kind, user_id, network_id, sandbox_id, host_id, at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    {revision(), ++change_seq_, kind, user, network_id, sandbox_id, host_id, rfc3339_utc_now()});
  return change_seq_;
}

UserId PgTx::owner_of_sandbox(const std::string& sandbox_id) {
  PgResult r = q("SELECT user_id FROM sandboxes WHERE id = $1", {sandbox_id});
  return r.rows() ? r.int_at(0, 0) : 0;
}

// ON CONFLICT DO NOTHING rather than catching 23505: a failed statement would abort the whole
// PostgreSQL transaction, where SQLite's caller could go on.
Network PgTx::create_network(UserId user, const std::string& name) {
  Network n{new_network_id(), name, rfc3339_utc_now(), 0, revision()};
  PgResult r = q(
      "INSERT INTO networks(id, user_id, name, created_at, revision) VALUES ($1, $2, $3, $4, $5)"
      " ON CONFLICT (user_id, name) DO NOTHING",
      {n.id, user, n.name, n.created_at, n.revision});
  if (r.affected() == 0) throw name_taken("network", name);
  log_change("network_created", user, n.id, "");
  return n;
}

void PgTx::delete_network(const std::string& network_id) {
  PgResult owner = q("DELETE FROM networks WHERE id = $1 RETURNING user_id", {network_id});
  if (owner.rows() == 0) return;
  log_change("network_deleted", owner.int_at(0, 0), network_id, "");
}

Sandbox PgTx::create_sandbox(UserId user, const std::string& id, const std::string& name,
                             const std::string& ip) {
  Sandbox sb{id, name, "pending", ip, "", rfc3339_utc_now(), revision()};
  PgResult r = q(
      "INSERT INTO sandboxes(id, user_id, name, status, ip, created_at, revision)"
      " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (user_id, name) DO NOTHING",
      {sb.id, user, sb.name, sb.status, sb.ip, sb.created_at, sb.revision});
  if (r.affected() == 0) throw name_taken("sandbox", name);
  log_change("sandbox_created", user, "", sb.id);
  return sb;
}

void PgTx::delete_sandbox(const std::string& sandbox_id) {
  UserId user = owner_of_sandbox(sandbox_id);
  if (user == 0) return;
  for (const NetworkSummary& n : sandbox_networks(sandbox_id)) detach(sandbox_id, n.id);
  std::string host = host_of(sandbox_id);
  q("DELETE FROM sandboxes WHERE id = $1", {sandbox_id});
  int64_t seq = log_change("sandbox_deleted", user, "", sandbox_id);
  if (!host.empty()) touch_hosts(seq, {host});
}

bool PgTx::attach(const std::string& sandbox_id, const std::string& network_id) {
  // Checked first so that a no-op attach takes no revision.
  if (q("SELECT 1 FROM members WHERE network_id = $1 AND sandbox_id = $2",
        {network_id, sandbox_id}).rows() > 0) {
    return false;
  }
  HostCounts others = network_host_counts(network_id);
  std::string host = host_of(sandbox_id);
  q("INSERT INTO members(network_id, sandbox_id, revision) VALUES ($1, $2, $3)",
    {network_id, sandbox_id, revision()});
  move_network_host(network_id, "", host);
  int64_t seq = log_change("member_attached", owner_of_sandbox(sandbox_id), network_id, sandbox_id);
  MembershipEffect effect = membership_effect(others, host);
  if (effect.view_edge) record_edge(host, network_id, true);
  touch_hosts(seq, effect.touched);
  return true;
}

bool PgTx::detach(const std::string& sandbox_id, const std::string& network_id) {
  if (q("DELETE FROM members WHERE network_id = $1 AND sandbox_id = $2",
        {network_id, sandbox_id}).affected() == 0) {
    return false;
  }
  int64_t seq = log_change("member_detached", owner_of_sandbox(sandbox_id), network_id, sandbox_id);
  std::string host = host_of(sandbox_id);
  move_network_host(network_id, host, "");
  MembershipEffect effect = membership_effect(network_host_counts(network_id), host);
  if (effect.view_edge) record_edge(host, network_id, false);
  touch_hosts(seq, effect.touched);
  return true;
}

bool PgTx::set_sandbox_status(const std::string& sandbox_id, const std::string& host,
                              const std::string& status, const std::string& mac) {
  PgResult current =
      q("SELECT user_id, status, host, mac FROM sandboxes WHERE id = $1", {sandbox_id});
  if (current.rows() == 0) return false;
  UserId user = current.int_at(0, 0);
  const std::string old_host = current.text(0, 2);
  const std::string new_mac = mac.empty() ? current.text(0, 3) : mac;
  if (current.text(0, 1) == status && old_host == host && current.text(0, 3) == new_mac) {
    return true;  // no change
  }
  q("UPDATE sandboxes SET status = $1, host = $2, mac = $3, revision = $4 WHERE id = $5",
    {status, host, new_mac, revision(), sandbox_id});
  int64_t seq = log_change("sandbox_status", user, "", sandbox_id);
  // As in SqliteTx: every host that sees this sandbox through a network, and both placements.
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

std::optional<uint32_t> PgTx::highest_ip(uint32_t first, uint32_t last) {
  PgResult r = q("SELECT MAX(ip) FROM ip_addresses WHERE ip BETWEEN $1 AND $2",
                 {int64_t{first}, int64_t{last}});
  if (r.rows() == 0 || r.is_null(0, 0)) return std::nullopt;
  return static_cast<uint32_t>(r.int_at(0, 0));
}

std::optional<uint32_t> PgTx::oldest_released_ip(uint32_t first, uint32_t last,
                                                 int64_t released_before_ms,
                                                 int64_t released_by_revision) {
  PgResult r = q(
      "SELECT ip FROM ip_addresses WHERE sandbox_id IS NULL AND released_at_ms <= $1"
      " AND released_revision <= $4 AND ip BETWEEN $2 AND $3 ORDER BY released_at_ms, ip"
      " LIMIT 1",
      {released_before_ms, int64_t{first}, int64_t{last}, released_by_revision});
  if (r.rows() == 0) return std::nullopt;
  return static_cast<uint32_t>(r.int_at(0, 0));
}

void PgTx::claim_ip(uint32_t ip, const std::string& sandbox_id) {
  q("INSERT INTO ip_addresses(ip, sandbox_id, released_at_ms) VALUES ($1, $2, NULL)"
    " ON CONFLICT (ip) DO UPDATE SET sandbox_id = excluded.sandbox_id, released_at_ms = NULL,"
    " released_by = NULL",
    {int64_t{ip}, sandbox_id});
}

void PgTx::release_ips(const std::string& sandbox_id, int64_t now_ms) {
  q("UPDATE ip_addresses SET sandbox_id = NULL, released_at_ms = $1, released_revision = $3,"
    " released_by = (SELECT user_id FROM sandboxes WHERE id = $2) WHERE sandbox_id = $2",
    {now_ms, sandbox_id, revision()});
}

void PgTx::save_idempotent(UserId user, const std::string& key, const StoredResponse& response) {
  constexpr int64_t kRetentionMs = 24 * 3600 * 1000;
  int64_t now = unix_ms_now();
  q("DELETE FROM idempotency WHERE created_ms < $1", {now - kRetentionMs});
  q("INSERT INTO idempotency(user_id, key, request_hash, status, body, created_ms)"
    " VALUES ($1, $2, $3, $4, $5, $6)",
    {user, key, response.request_hash, int64_t{response.status}, response.body, now});
}

}  // namespace sandnet::api
