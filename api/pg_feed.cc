// The PostgreSQL side of the host feed, statement for statement the same as sqlite_feed.cc
// (design in docs/host-feed.md): per-host view, per-host change index, applied revisions,
// log compaction.
#include <algorithm>
#include <unordered_map>

#include "api/clock.h"
#include "api/id_list.h"
#include "api/pg_tx.h"

namespace sandnet::api {

// ---- write-time bookkeeping ----

std::string PgTx::host_of(const std::string& sandbox_id) {
  PgResult r = q("SELECT host FROM sandboxes WHERE id = $1", {sandbox_id});
  return r.rows() ? r.text(0, 0) : std::string();
}

std::map<std::string, int64_t> PgTx::network_host_counts(const std::string& network_id) {
  PgResult r = q("SELECT host, members FROM network_hosts WHERE network_id = $1", {network_id});
  std::map<std::string, int64_t> out;
  for (int i = 0; i < r.rows(); ++i) out[r.text(i, 0)] = r.int_at(i, 1);
  return out;
}

void PgTx::move_network_host(const std::string& network_id, const std::string& from,
                             const std::string& to) {
  if (from == to) return;
  if (!from.empty()) {
    q("UPDATE network_hosts SET members = members - 1 WHERE network_id = $1 AND host = $2",
      {network_id, from});
    q("DELETE FROM network_hosts WHERE network_id = $1 AND host = $2 AND members <= 0",
      {network_id, from});
  }
  if (!to.empty()) {
    q("INSERT INTO network_hosts(network_id, host, members) VALUES ($1, $2, 1)"
      " ON CONFLICT (network_id, host) DO UPDATE SET members = network_hosts.members + 1",
      {network_id, to});
  }
}

// One statement for any number of hosts: a change that touches 2,000 hosts costs the writer
// one insert, not 2,000 (docs/host-feed.md, "Statements per change").
void PgTx::touch_hosts(int64_t seq, const std::set<std::string>& hosts) {
  std::vector<std::string> ids;
  for (const std::string& host : hosts)
    if (!host.empty()) ids.push_back(host);
  if (ids.empty()) return;
  q("INSERT INTO change_hosts(host, revision, seq)"
    " SELECT h, $2, $3 FROM jsonb_array_elements_text($1::jsonb) AS h ON CONFLICT DO NOTHING",
    {json_id_list(ids), revision(), seq});
  touched_hosts_.insert(ids.begin(), ids.end());
}

void PgTx::record_edge(const std::string& host, const std::string& network_id, bool entered) {
  // Within one revision the last transition wins: it is the state after the transaction.
  q("INSERT INTO view_edges(host, revision, network_id, entered) VALUES ($1, $2, $3, $4)"
    " ON CONFLICT (host, revision, network_id) DO UPDATE SET entered = excluded.entered",
    {host, revision(), network_id, entered ? "true" : "false"});
}

int64_t PgTx::compact_log(int64_t keep) {
  int64_t floor = std::max<int64_t>(0, current_revision() - keep);
  if (floor <= feed_log_floor()) return feed_log_floor();
  for (const char* sql : {"DELETE FROM changes WHERE revision <= $1",
                          "DELETE FROM change_hosts WHERE revision <= $1",
                          "DELETE FROM view_edges WHERE revision <= $1",
                          "UPDATE meta SET value = $1 WHERE name = 'feed_log_floor'"}) {
    q(sql, {floor});
  }
  return floor;
}

void PgTx::set_host_applied(const std::string& host, int64_t revision) {
  applied_written_ = true;
  q("INSERT INTO host_applied(host_id, revision, at) VALUES ($1, $2, $3)"
    " ON CONFLICT (host_id) DO UPDATE SET revision = excluded.revision, at = excluded.at"
    " WHERE excluded.revision > host_applied.revision",
    {host, revision, rfc3339_utc_now()});
}

// ---- reads ----

int64_t PgTx::feed_log_floor() {
  PgResult r = q("SELECT value FROM meta WHERE name = 'feed_log_floor'");
  return r.rows() ? r.int_at(0, 0) : 0;
}

HostView PgTx::host_view(const std::string& host) {
  HostView view;
  view.revision = current_revision();
  std::unordered_map<std::string, ViewSandbox> sandboxes;
  auto add_sandboxes = [&](const PgResult& r) {
    for (int i = 0; i < r.rows(); ++i) {
      ViewSandbox& sb = sandboxes[r.text(i, 0)];
      sb.id = r.text(i, 0);
      sb.name = r.text(i, 1);
      sb.ip = r.text(i, 2);
      sb.host = r.text(i, 3);
      sb.mac = r.text(i, 4);
      sb.status = r.text(i, 5);
    }
  };
  add_sandboxes(q("SELECT id, name, ip, host, mac, status FROM sandboxes WHERE host = $1", {host}));
  PgResult nets = q(
      "SELECT n.id, n.name FROM network_hosts h JOIN networks n ON n.id = h.network_id"
      " WHERE h.host = $1 ORDER BY n.id",
      {host});
  for (int i = 0; i < nets.rows(); ++i) view.networks.push_back({nets.text(i, 0), nets.text(i, 1), {}});
  for (ViewNetwork& n : view.networks) {
    PgResult members =
        q("SELECT sandbox_id FROM members WHERE network_id = $1 ORDER BY attach_order", {n.id});
    for (int i = 0; i < members.rows(); ++i) {
      std::string id = members.text(i, 0);
      auto it = sandboxes.find(id);
      if (it == sandboxes.end()) {
        add_sandboxes(q("SELECT id, name, ip, host, mac, status FROM sandboxes WHERE id = $1", {id}));
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

std::vector<Change> PgTx::host_changes_since(const std::string& host, int64_t revision) {
  PgResult r = q(
      "SELECT c.revision, c.kind, c.user_id, c.network_id, c.sandbox_id, c.host_id"
      " FROM change_hosts h JOIN changes c ON c.revision = h.revision AND c.seq = h.seq"
      " WHERE h.host = $1 AND h.revision > $2 ORDER BY h.revision, h.seq",
      {host, revision});
  std::vector<Change> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back({r.int_at(i, 0), r.text(i, 1), r.int_at(i, 2), r.text(i, 3), r.text(i, 4),
                   r.text(i, 5)});
  }
  return out;
}

std::vector<ViewEdge> PgTx::host_edges_since(const std::string& host, int64_t revision) {
  PgResult r = q(
      "SELECT revision, network_id, entered FROM view_edges WHERE host = $1 AND revision > $2"
      " ORDER BY revision",
      {host, revision});
  std::vector<ViewEdge> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back({r.int_at(i, 0), r.text(i, 1), r.bool_at(i, 2)});
  return out;
}

bool PgTx::network_in_view(const std::string& host, const std::string& network_id) {
  return q("SELECT 1 FROM network_hosts WHERE network_id = $1 AND host = $2", {network_id, host})
             .rows() > 0;
}

std::optional<ViewSandbox> PgTx::view_sandbox(const std::string& sandbox_id) {
  PgResult r = q("SELECT id, name, ip, host, mac, status FROM sandboxes WHERE id = $1", {sandbox_id});
  if (r.rows() == 0) return std::nullopt;
  ViewSandbox sb{r.text(0, 0), r.text(0, 1), r.text(0, 2), r.text(0, 3), r.text(0, 4),
                 r.text(0, 5), {}};
  PgResult nets =
      q("SELECT network_id FROM members WHERE sandbox_id = $1 ORDER BY network_id", {sandbox_id});
  for (int i = 0; i < nets.rows(); ++i) sb.networks.push_back(nets.text(i, 0));
  return sb;
}

std::optional<ViewNetwork> PgTx::view_network(const std::string& network_id) {
  PgResult r = q("SELECT id, name FROM networks WHERE id = $1", {network_id});
  if (r.rows() == 0) return std::nullopt;
  ViewNetwork n{r.text(0, 0), r.text(0, 1), {}};
  PgResult members =
      q("SELECT sandbox_id FROM members WHERE network_id = $1 ORDER BY attach_order", {network_id});
  for (int i = 0; i < members.rows(); ++i) n.members.push_back(members.text(i, 0));
  return n;
}

std::vector<std::string> PgTx::member_hosts(const std::string& network_id) {
  std::vector<std::string> out;
  for (const auto& [host, count] : network_host_counts(network_id)) out.push_back(host);
  return out;
}

std::vector<std::pair<std::string, int64_t>> PgTx::applied_revisions() {
  PgResult r = q("SELECT host_id, revision FROM host_applied");
  std::vector<std::pair<std::string, int64_t>> out;
  for (int i = 0; i < r.rows(); ++i) out.emplace_back(r.text(i, 0), r.int_at(i, 1));
  return out;
}

}  // namespace sandnet::api
