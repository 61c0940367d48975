// The SQLite side of hosts, their numbers, underlay addresses and leases (docs/host-feed.md,
// issue 17); pg_hosts.cc is the same in PostgreSQL's dialect.
#include "api/host_registry.h"
#include "api/id_list.h"
#include "api/sqlite_conn.h"
#include "api/sqlite_tx.h"

namespace sandnet::api {

std::vector<ViewHost> SqliteTx::view_hosts(const std::vector<std::string>& ids) {
  Stmt s = conn_.prepare(
      "SELECT id, number, COALESCE(underlay, ''), live FROM hosts"
      " WHERE id IN (SELECT value FROM json_each(?))");
  s.bind(1, json_id_list(ids));
  std::vector<ViewHost> out;
  while (s.step()) out.push_back({s.text_at(0), s.int_at(1), s.text_at(2), s.int_at(3) != 0});
  return out;
}

std::optional<int64_t> SqliteTx::live_hosts_applied_floor() {
  Stmt s = conn_.prepare(
      "SELECT COUNT(*), MIN(COALESCE(a.revision, 0)) FROM hosts h"
      " LEFT JOIN host_applied a ON a.host_id = h.id WHERE h.live = 1");
  s.step();
  if (s.int_at(0) == 0) return std::nullopt;
  return s.int_at(1);
}

void SqliteTx::log_host_change(const char* kind, const std::string& host) {
  int64_t seq = log_change(kind, 0, "", "", host);
  // network_hosts has (n, X) for every network n with a member placed on X: the networks
  // with a member placed on `host` are in exactly those hosts' views.
  Stmt s = conn_.prepare(
      "INSERT OR IGNORE INTO change_hosts(host, revision, seq)"
      " SELECT host, ?2, ?3 FROM network_hosts"
      "  WHERE network_id IN (SELECT network_id FROM network_hosts WHERE host = ?1)"
      " UNION SELECT ?1, ?2, ?3 RETURNING host");
  s.bind(1, host).bind(2, revision()).bind(3, seq);
  while (s.step()) touched_hosts_.insert(s.text_at(0));
}

HostRegistration SqliteTx::register_host(const std::string& id, const std::string& underlay) {
  if (!underlay.empty()) {
    Stmt taken = conn_.prepare("SELECT id FROM hosts WHERE underlay = ? AND id != ?");
    taken.bind(1, underlay).bind(2, id);
    if (taken.step()) throw underlay_taken(underlay, taken.text_at(0));
  }
  HostRegistration out;
  std::vector<ViewHost> known = view_hosts({id});
  if (known.empty()) {
    Stmt free = conn_.prepare(kFreeHostNumberSql);
    if (!free.step() || free.is_null(0)) throw host_numbers_exhausted();
    out.host = {id, free.int_at(0), underlay, false};
    out.created = true;
    Stmt s = conn_.prepare(
        "INSERT INTO hosts(id, number, underlay, revision) VALUES (?, ?, NULLIF(?, ''), ?)");
    s.bind(1, id).bind(2, out.host.number).bind(3, underlay).bind(4, current_revision());
    s.run();
    return out;
  }
  out.host = known.front();
  if (underlay.empty() || underlay == out.host.underlay) return out;
  Stmt s = conn_.prepare("UPDATE hosts SET underlay = ?, revision = ? WHERE id = ?");
  s.bind(1, underlay).bind(2, revision()).bind(3, id);
  s.run();
  log_host_change("host_underlay", id);
  out.host.underlay = underlay;
  out.underlay_changed = true;
  return out;
}

LeaseTransitions SqliteTx::keep_host_leases(const std::vector<std::string>& renewed,
                                            int64_t now_ms, int64_t until_ms) {
  if (!renewed.empty()) {
    Stmt s = conn_.prepare(
        "UPDATE hosts SET lease_until_ms = MAX(lease_until_ms, ?)"
        " WHERE id IN (SELECT value FROM json_each(?))");
    s.bind(1, until_ms).bind(2, json_id_list(renewed));
    s.run();
  }
  LeaseTransitions out;
  Stmt turned = conn_.prepare(
      "SELECT id, live FROM hosts WHERE (live = 1 AND lease_until_ms <= ?1)"
      " OR (live = 0 AND lease_until_ms > ?1) ORDER BY id");
  turned.bind(1, now_ms);
  while (turned.step()) {
    (turned.int_at(1) ? out.lost : out.live).push_back(turned.text_at(0));
  }
  for (bool live : {false, true}) {
    for (const std::string& host : live ? out.live : out.lost) {
      // Conditional as well as serialized: a host turns once, whoever else keeps leases.
      Stmt s = conn_.prepare(
          "UPDATE hosts SET live = ?1, revision = ?2 WHERE id = ?3 AND live != ?1");
      s.bind(1, int64_t{live}).bind(2, revision()).bind(3, host);
      s.run();
      if (conn_.changes() > 0) log_host_change(live ? "host_live" : "host_lost", host);
    }
  }
  return out;
}

}  // namespace sandnet::api
