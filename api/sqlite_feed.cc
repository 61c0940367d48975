// The SQLite side of the host feed: the per-host view, the per-host change index written at
// commit time, applied revisions and log compaction (design in docs/host-feed.md).
#include <algorithm>
#include <unordered_map>

#include "api/clock.h"
#include "api/sqlite_conn.h"
#include "api/id_list.h"
#include "api/sqlite_tx.h"

namespace sandnet::api {

// ---- write-time bookkeeping ----

std::string SqliteTx::host_of(const std::string& sandbox_id) {
  Stmt s = conn_.prepare("SELECT host FROM sandboxes WHERE id = ?");
  s.bind(1, sandbox_id);
  return s.step() ? s.text_at(0) : std::string();
}

std::map<std::string, int64_t> SqliteTx::network_host_counts(const std::string& network_id) {
  Stmt s = conn_.prepare("SELECT host, members FROM network_hosts WHERE network_id = ?");
  s.bind(1, network_id);
  std::map<std::string, int64_t> out;
  while (s.step()) out[s.text_at(0)] = s.int_at(1);
  return out;
}

void SqliteTx::move_network_host(const std::string& network_id, const std::string& from,
                                 const std::string& to) {
  if (from == to) return;
  if (!from.empty()) {
    Stmt dec = conn_.prepare(
        "UPDATE network_hosts SET members = members - 1 WHERE network_id = ? AND host = ?");
    dec.bind(1, network_id).bind(2, from);
    dec.run();
    Stmt gone = conn_.prepare(
        "DELETE FROM network_hosts WHERE network_id = ? AND host = ? AND members <= 0");
    gone.bind(1, network_id).bind(2, from);
    gone.run();
  }
  if (!to.empty()) {
    Stmt inc = conn_.prepare(
        "INSERT INTO network_hosts(network_id, host, members) VALUES (?, ?, 1)"
        " ON CONFLICT(network_id, host) DO UPDATE SET members = members + 1");
    inc.bind(1, network_id).bind(2, to);
    inc.run();
  }
}

// One statement for any number of hosts (the PostgreSQL store does the same).
void SqliteTx::touch_hosts(int64_t seq, const std::set<std::string>& hosts) {
  std::vector<std::string> ids;
  for (const std::string& host : hosts)
    if (!host.empty()) ids.push_back(host);
  if (ids.empty()) return;
  Stmt s = conn_.prepare(
      "INSERT OR IGNORE INTO change_hosts(host, revision, seq)"
      " SELECT value, ?, ? FROM json_each(?)");
  s.bind(1, revision()).bind(2, seq).bind(3, json_id_list(ids));
  s.run();
  touched_hosts_.insert(ids.begin(), ids.end());
}

void SqliteTx::record_edge(const std::string& host, const std::string& network_id,
                           bool entered) {
  // Within one revision the last transition wins: it is the state after the transaction.
  Stmt s = conn_.prepare(
      "INSERT OR REPLACE INTO view_edges(host, revision, network_id, entered)"
      " VALUES (?, ?, ?, ?)");
  s.bind(1, host).bind(2, revision()).bind(3, network_id).bind(4, int64_t{entered});
  s.run();
}

int64_t SqliteTx::compact_log(int64_t keep) {
  int64_t floor = std::max<int64_t>(0, current_revision() - keep);
  if (floor <= feed_log_floor()) return feed_log_floor();
  for (const char* sql : {"DELETE FROM changes WHERE revision <= ?",
                          "DELETE FROM change_hosts WHERE revision <= ?",
                          "DELETE FROM view_edges WHERE revision <= ?",
                          "UPDATE meta SET value = ? WHERE name = 'feed_log_floor'"}) {
    Stmt s = conn_.prepare(sql);
    s.bind(1, floor);
    s.run();
  }
  return floor;
}

void SqliteTx::set_host_applied(const std::string& host, int64_t revision) {
  Stmt s = conn_.prepare(
      "INSERT INTO host_applied(host_id, revision, at) VALUES (?, ?, ?)"
      " ON CONFLICT(host_id) DO UPDATE SET revision = excluded.revision, at = excluded.at"
      " WHERE excluded.revision > host_applied.revision");
  s.bind(1, host).bind(2, revision).bind(3, rfc3339_utc_now());
  s.run();
}

// ---- reads ----

int64_t SqliteTx::feed_log_floor() {
  Stmt s = conn_.prepare("SELECT value FROM meta WHERE name = 'feed_log_floor'");
  return s.step() ? s.int_at(0) : 0;
}

HostView SqliteTx::host_view(const std::string& host) {
  HostView view;
  view.revision = current_revision();
  std::unordered_map<std::string, ViewSandbox> sandboxes;
  auto add_sandbox = [&](const Stmt& s) {
    ViewSandbox& sb = sandboxes[s.text_at(0)];
    sb.id = s.text_at(0);
    sb.name = s.text_at(1);
    sb.ip = s.text_at(2);
    sb.host = s.text_at(3);
    sb.mac = s.text_at(4);
    sb.status = s.text_at(5);
  };
  {
    Stmt local = conn_.prepare(
        "SELECT id, name, ip, host, mac, status FROM sandboxes WHERE host = ?");
    local.bind(1, host);
    while (local.step()) add_sandbox(local);
  }
  // Networks with a member here (network_hosts_by_host), each with all its members (the
  // members primary key).
  Stmt nets = conn_.prepare(
      "SELECT n.id, n.name FROM network_hosts h JOIN networks n ON n.id = h.network_id"
      " WHERE h.host = ? ORDER BY n.id");
  nets.bind(1, host);
  while (nets.step()) view.networks.push_back({nets.text_at(0), nets.text_at(1), {}});
  for (ViewNetwork& n : view.networks) {
    Stmt members = conn_.prepare(
        "SELECT sandbox_id FROM members WHERE network_id = ? ORDER BY rowid");
    members.bind(1, n.id);
    while (members.step()) {
      std::string id = members.text_at(0);
      auto it = sandboxes.find(id);
      if (it == sandboxes.end()) {
        Stmt peer = conn_.prepare(
            "SELECT id, name, ip, host, mac, status FROM sandboxes WHERE id = ?");
        peer.bind(1, id);
        if (peer.step()) add_sandbox(peer);
        it = sandboxes.find(id);
      }
      if (it != sandboxes.end()) it->second.networks.push_back(n.id);  // n.id ascending
      n.members.push_back(std::move(id));
    }
  }
  view.sandboxes.reserve(sandboxes.size());
  for (auto& [id, sb] : sandboxes) view.sandboxes.push_back(std::move(sb));
  std::sort(view.sandboxes.begin(), view.sandboxes.end(),
            [](const ViewSandbox& a, const ViewSandbox& b) { return a.id < b.id; });
  return view;
}

std::vector<Change> SqliteTx::host_changes_since(const std::string& host, int64_t revision) {
  Stmt s = conn_.prepare(
      "SELECT c.revision, c.kind, c.user_id, c.network_id, c.sandbox_id, c.host_id"
      " FROM change_hosts h JOIN changes c ON c.revision = h.revision AND c.seq = h.seq"
      " WHERE h.host = ? AND h.revision > ? ORDER BY h.revision, h.seq");
  s.bind(1, host).bind(2, revision);
  std::vector<Change> out;
  while (s.step()) {
    out.push_back({s.int_at(0), s.text_at(1), s.int_at(2), s.text_at(3), s.text_at(4),
                   s.text_at(5)});
  }
  return out;
}

std::vector<ViewEdge> SqliteTx::host_edges_since(const std::string& host, int64_t revision) {
  Stmt s = conn_.prepare(
      "SELECT revision, network_id, entered FROM view_edges WHERE host = ? AND revision > ?"
      " ORDER BY revision");
  s.bind(1, host).bind(2, revision);
  std::vector<ViewEdge> out;
  while (s.step()) out.push_back({s.int_at(0), s.text_at(1), s.int_at(2) != 0});
  return out;
}

bool SqliteTx::network_in_view(const std::string& host, const std::string& network_id) {
  Stmt s = conn_.prepare("SELECT 1 FROM network_hosts WHERE network_id = ? AND host = ?");
  s.bind(1, network_id).bind(2, host);
  return s.step();
}

std::optional<ViewSandbox> SqliteTx::view_sandbox(const std::string& sandbox_id) {
  Stmt s = conn_.prepare("SELECT id, name, ip, host, mac, status FROM sandboxes WHERE id = ?");
  s.bind(1, sandbox_id);
  if (!s.step()) return std::nullopt;
  ViewSandbox sb{s.text_at(0), s.text_at(1), s.text_at(2), s.text_at(3), s.text_at(4),
                 s.text_at(5), {}};
  Stmt nets = conn_.prepare(
      "SELECT network_id FROM members WHERE sandbox_id = ? ORDER BY network_id");
  nets.bind(1, sandbox_id);
  while (nets.step()) sb.networks.push_back(nets.text_at(0));
  return sb;
}

std::optional<ViewNetwork> SqliteTx::view_network(const std::string& network_id) {
  Stmt s = conn_.prepare("SELECT id, name FROM networks WHERE id = ?");
  s.bind(1, network_id);
  if (!s.step()) return std::nullopt;
  ViewNetwork n{s.text_at(0), s.text_at(1), {}};
  Stmt members = conn_.prepare(
      "SELECT sandbox_id FROM members WHERE network_id = ? ORDER BY rowid");
  members.bind(1, network_id);
  while (members.step()) n.members.push_back(members.text_at(0));
  return n;
}

std::vector<std::string> SqliteTx::member_hosts(const std::string& network_id) {
  std::vector<std::string> out;
  for (const auto& [host, count] : network_host_counts(network_id)) out.push_back(host);
  return out;
}

std::vector<std::pair<std::string, int64_t>> SqliteTx::applied_revisions() {
  Stmt s = conn_.prepare("SELECT host_id, revision FROM host_applied");
  std::vector<std::pair<std::string, int64_t>> out;
  while (s.step()) out.emplace_back(s.text_at(0), s.int_at(1));
  return out;
}

}  // namespace sandnet::api
