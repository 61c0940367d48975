// The PostgreSQL side of hosts, their numbers, underlay addresses and leases, statement for
// statement the same as sqlite_hosts.cc. write() holds the revision row's lock, so these
// reads and conditional updates are serialized against every replica's writers: concurrent
// lease keepers turn a host once.
#include "api/host_registry.h"
#include "api/id_list.h"
#include "api/pg_tx.h"

namespace sandnet::api {

std::vector<ViewHost> PgTx::view_hosts(const std::vector<std::string>& ids) {
  PgResult r = q(
      "SELECT id, number, COALESCE(underlay, ''), live FROM hosts"
      " WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb))",
      {json_id_list(ids)});
  std::vector<ViewHost> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back({r.text(i, 0), r.int_at(i, 1), r.text(i, 2), r.bool_at(i, 3)});
  }
  return out;
}

std::optional<int64_t> PgTx::live_hosts_applied_floor() {
  PgResult r = q(
      "SELECT COUNT(*), COALESCE(MIN(COALESCE(a.revision, 0)), 0) FROM hosts h"
      " LEFT JOIN host_applied a ON a.host_id = h.id WHERE h.live");
  if (r.int_at(0, 0) == 0) return std::nullopt;
  return r.int_at(0, 1);
}

void PgTx::log_host_change(const char* kind, const std::string& host) {
  int64_t seq = log_change(kind, 0, "", "", host);
  // network_hosts has (n, X) for every network n with a member placed on X: the networks
  // with a member placed on `host` are in exactly those hosts' views.
  PgResult r = q(
      "INSERT INTO change_hosts(host, revision, seq)"
      " SELECT host, $2::bigint, $3::bigint FROM network_hosts"
      "  WHERE network_id IN (SELECT network_id FROM network_hosts WHERE host = $1::text)"
      " UNION SELECT $1::text, $2::bigint, $3::bigint ON CONFLICT DO NOTHING RETURNING host",
      {host, revision(), seq});
  for (int i = 0; i < r.rows(); ++i) touched_hosts_.insert(r.text(i, 0));
}

HostRegistration PgTx::register_host(const std::string& id, const std::string& underlay) {
  if (!underlay.empty()) {
    PgResult taken = q("SELECT id FROM hosts WHERE underlay = $1 AND id != $2", {underlay, id});
    if (taken.rows()) throw underlay_taken(underlay, taken.text(0, 0));
  }
  HostRegistration out;
  std::vector<ViewHost> known = view_hosts({id});
  if (known.empty()) {
    PgResult free = q(kFreeHostNumberSql);
    if (free.is_null(0, 0)) throw host_numbers_exhausted();
    out.host = {id, free.int_at(0, 0), underlay, false};
    out.created = true;
    q("INSERT INTO hosts(id, number, underlay, revision) VALUES ($1, $2, NULLIF($3, ''), $4)",
      {id, out.host.number, underlay, current_revision()});
    return out;
  }
  out.host = known.front();
  if (underlay.empty() || underlay == out.host.underlay) return out;
  q("UPDATE hosts SET underlay = $1, revision = $2 WHERE id = $3", {underlay, revision(), id});
  log_host_change("host_underlay", id);
  out.host.underlay = underlay;
  out.underlay_changed = true;
  return out;
}

LeaseTransitions PgTx::keep_host_leases(const std::vector<std::string>& renewed,
                                        int64_t now_ms, int64_t until_ms) {
  if (!renewed.empty()) {
    q("UPDATE hosts SET lease_until_ms = GREATEST(lease_until_ms, $1)"
      " WHERE id IN (SELECT jsonb_array_elements_text($2::jsonb))",
      {until_ms, json_id_list(renewed)});
  }
  LeaseTransitions out;
  PgResult turned = q(
      "SELECT id, live FROM hosts WHERE (live AND lease_until_ms <= $1)"
      " OR (NOT live AND lease_until_ms > $1) ORDER BY id",
      {now_ms});
  for (int i = 0; i < turned.rows(); ++i) {
    (turned.bool_at(i, 1) ? out.lost : out.live).push_back(turned.text(i, 0));
  }
  for (bool live : {false, true}) {
    for (const std::string& host : live ? out.live : out.lost) {
      // Conditional as well as serialized: a host turns once, whoever else keeps leases.
      bool turned = q("UPDATE hosts SET live = $1, revision = $2 WHERE id = $3 AND live != $1",
                      {live ? "true" : "false", revision(), host})
                        .affected() > 0;
      if (turned) log_host_change(live ? "host_live" : "host_lost", host);
    }
  }
  return out;
}

}  // namespace sandnet::api
