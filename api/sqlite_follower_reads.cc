// The SQLite side of the feed follower's batch reads (store.h): each list of ids is bound as
// one JSON array and expanded with json_each, so one statement serves any number of ids.
#include "api/id_list.h"
#include "api/sqlite_conn.h"
#include "api/sqlite_tx.h"

namespace sandnet::api {

std::vector<HostChange> SqliteTx::host_changes_after(int64_t revision) {
  Stmt s = conn_.prepare(
      "SELECT h.host, c.revision, c.kind, c.user_id, c.network_id, c.sandbox_id, c.host_id"
      " FROM change_hosts h JOIN changes c ON c.revision = h.revision AND c.seq = h.seq"
      " WHERE h.revision > ? ORDER BY h.revision, h.seq");
  s.bind(1, revision);
  std::vector<HostChange> out;
  while (s.step()) {
    out.push_back({s.text_at(0), {s.int_at(1), s.text_at(2), s.int_at(3), s.text_at(4),
                                  s.text_at(5), s.text_at(6)}});
  }
  return out;
}

std::vector<HostEdge> SqliteTx::host_edges_after(int64_t revision) {
  Stmt s = conn_.prepare(
      "SELECT host, revision, network_id, entered FROM view_edges WHERE revision > ?"
      " ORDER BY revision");
  s.bind(1, revision);
  std::vector<HostEdge> out;
  while (s.step()) out.push_back({s.text_at(0), {s.int_at(1), s.text_at(2), s.int_at(3) != 0}});
  return out;
}

std::vector<ViewSandbox> SqliteTx::view_sandboxes(const std::vector<std::string>& ids) {
  std::string list = json_id_list(ids);
  Stmt s = conn_.prepare(
      "SELECT id, name, ip, host, mac, status FROM sandboxes"
      " WHERE id IN (SELECT value FROM json_each(?))");
  s.bind(1, list);
  std::vector<ViewSandbox> out;
  while (s.step()) {
    out.push_back({s.text_at(0), s.text_at(1), s.text_at(2), s.text_at(3), s.text_at(4),
                   s.text_at(5), {}});
  }
  Stmt nets = conn_.prepare(
      "SELECT sandbox_id, network_id FROM members"
      " WHERE sandbox_id IN (SELECT value FROM json_each(?)) ORDER BY network_id");
  nets.bind(1, list);
  std::unordered_map<std::string, ViewSandbox*> by_id = index_by_id(out);
  while (nets.step()) by_id.at(nets.text_at(0))->networks.push_back(nets.text_at(1));
  return out;
}

std::vector<ViewNetwork> SqliteTx::view_networks(const std::vector<std::string>& ids) {
  std::string list = json_id_list(ids);
  Stmt s = conn_.prepare(
      "SELECT id, name FROM networks WHERE id IN (SELECT value FROM json_each(?))");
  s.bind(1, list);
  std::vector<ViewNetwork> out;
  while (s.step()) out.push_back({s.text_at(0), s.text_at(1), {}});
  Stmt members = conn_.prepare(
      "SELECT network_id, sandbox_id FROM members"
      " WHERE network_id IN (SELECT value FROM json_each(?)) ORDER BY rowid");
  members.bind(1, list);
  std::unordered_map<std::string, ViewNetwork*> by_id = index_by_id(out);
  while (members.step()) by_id.at(members.text_at(0))->members.push_back(members.text_at(1));
  return out;
}

std::vector<std::pair<std::string, std::string>> SqliteTx::network_hosts_of(
    const std::vector<std::string>& network_ids) {
  Stmt s = conn_.prepare(
      "SELECT network_id, host FROM network_hosts"
      " WHERE network_id IN (SELECT value FROM json_each(?))");
  s.bind(1, json_id_list(network_ids));
  std::vector<std::pair<std::string, std::string>> out;
  while (s.step()) out.emplace_back(s.text_at(0), s.text_at(1));
  return out;
}

}  // namespace sandnet::api
