// The PostgreSQL side of the feed follower's batch reads (store.h), statement for statement
// the same as sqlite_follower_reads.cc: each list of ids is bound as one JSON array and
// expanded with json_array_elements_text, so one statement serves any number of ids.
#include "api/id_list.h"
#include "api/pg_tx.h"

namespace sandnet::api {

std::vector<HostChange> PgTx::host_changes_after(int64_t revision) {
  PgResult r = q(
      "SELECT h.host, c.revision, c.kind, c.user_id, c.network_id, c.sandbox_id, c.host_id"
      " FROM change_hosts h JOIN changes c ON c.revision = h.revision AND c.seq = h.seq"
      " WHERE h.revision > $1 ORDER BY h.revision, h.seq",
      {revision});
  std::vector<HostChange> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back({r.text(i, 0), {r.int_at(i, 1), r.text(i, 2), r.int_at(i, 3), r.text(i, 4),
                                  r.text(i, 5), r.text(i, 6)}});
  }
  return out;
}

std::vector<HostEdge> PgTx::host_edges_after(int64_t revision) {
  PgResult r = q(
      "SELECT host, revision, network_id, entered FROM view_edges WHERE revision > $1"
      " ORDER BY revision",
      {revision});
  std::vector<HostEdge> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back({r.text(i, 0), {r.int_at(i, 1), r.text(i, 2), r.bool_at(i, 3)}});
  }
  return out;
}

std::vector<ViewSandbox> PgTx::view_sandboxes(const std::vector<std::string>& ids) {
  std::string list = json_id_list(ids);
  PgResult r = q(
      "SELECT id, name, ip, host, mac, status FROM sandboxes"
      " WHERE id IN (SELECT json_array_elements_text($1::json))",
      {list});
  std::vector<ViewSandbox> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back({r.text(i, 0), r.text(i, 1), r.text(i, 2), r.text(i, 3), r.text(i, 4),
                   r.text(i, 5), {}});
  }
  PgResult nets = q(
      "SELECT sandbox_id, network_id FROM members"
      " WHERE sandbox_id IN (SELECT json_array_elements_text($1::json)) ORDER BY network_id",
      {list});
  std::unordered_map<std::string, ViewSandbox*> by_id = index_by_id(out);
  for (int i = 0; i < nets.rows(); ++i) {
    by_id.at(nets.text(i, 0))->networks.push_back(nets.text(i, 1));
  }
  return out;
}

std::vector<ViewNetwork> PgTx::view_networks(const std::vector<std::string>& ids) {
  std::string list = json_id_list(ids);
  PgResult r = q(
      "SELECT id, name FROM networks WHERE id IN (SELECT json_array_elements_text($1::json))",
      {list});
  std::vector<ViewNetwork> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back({r.text(i, 0), r.text(i, 1), {}});
  PgResult members = q(
      "SELECT network_id, sandbox_id FROM members"
      " WHERE network_id IN (SELECT json_array_elements_text($1::json)) ORDER BY attach_order",
      {list});
  std::unordered_map<std::string, ViewNetwork*> by_id = index_by_id(out);
  for (int i = 0; i < members.rows(); ++i) {
    by_id.at(members.text(i, 0))->members.push_back(members.text(i, 1));
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> PgTx::network_hosts_of(
    const std::vector<std::string>& network_ids) {
  PgResult r = q(
      "SELECT network_id, host FROM network_hosts"
      " WHERE network_id IN (SELECT json_array_elements_text($1::json))",
      {json_id_list(network_ids)});
  std::vector<std::pair<std::string, std::string>> out;
  for (int i = 0; i < r.rows(); ++i) out.emplace_back(r.text(i, 0), r.text(i, 1));
  return out;
}

}  // namespace sandnet::api
