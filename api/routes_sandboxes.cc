// GET/POST /v1/sandboxes, GET/DELETE /v1/sandboxes/{id}.
#include <set>

#include <fmt/format.h>

#include "api/api_error.h"
#include "api/clock.h"
#include "api/jsend.h"
#include "api/placement.h"
#include "api/route_support.h"
#include "api/tenant_quotas.h"
#include "common/ulid.h"

namespace sandnet::api {

using nlohmann::json;

namespace {

Reply list_sandboxes(RouteEnv& env, Call& call) {
  Pagination p = parse_pagination(call.req.params);
  json items = json::array();
  int64_t total = 0;
  env.store.read([&](ReadTx& tx) {
    Page<Sandbox> page = tx.list_sandboxes(call.user, p.limit, p.offset);
    for (const Sandbox& s : page.items) items.push_back(sandbox_json(s, tx.sandbox_networks(s.id)));
    total = page.total;
  });
  return {200, jsend_success(page_json(std::move(items), total, p))};
}

// All-or-nothing: every listed network must exist (else 404 naming it) and have room, and the
// tenant must be under its limits, or nothing is created.
Reply create_sandbox(RouteEnv& env, Call& call) {
  require_json_body(call);
  CreateSandboxRequest req = parse_create_sandbox(call.req.body);
  return idempotent_write(call, env.store, [&](WriteTx& tx) {
    check_new_sandbox(tx, env.limits, call.user);
    std::vector<Network> networks;
    for (size_t i = 0; i < req.networks.size(); ++i) {
      try {
        networks.push_back(resolve_network(tx, call.user, req.networks[i]));
      } catch (const ApiError&) {
        throw ApiError(404, "not_found", fmt::format("network '{}' not found", req.networks[i]),
                       {{"field", fmt::format("networks[{}].id", i)}});
      }
    }
    check_sandbox_networks(env.limits, networks);
    std::set<std::string> distinct;
    for (const Network& n : networks) distinct.insert(n.id);
    check_quota_new_sandbox(tx, env.quotas, call.user, env.ipam.quarantine_ms,
                            static_cast<int64_t>(distinct.size()));
    std::string id = new_sandbox_id();
    std::string ip = format_ipv4(allocate_ip(tx, env.ipam, id, unix_ms_now()));
    Sandbox sb = tx.create_sandbox(call.user, id, req.name, ip);
    for (const Network& n : networks) tx.attach(sb.id, n.id);
    return Reply{200, jsend_success(sandbox_json(sb, tx.sandbox_networks(sb.id)))};
  });
}

Reply get_sandbox(RouteEnv& env, Call& call) {
  json body;
  env.store.read([&](ReadTx& tx) {
    Sandbox sb = resolve_sandbox(tx, call.user, call.params.at("id"));
    body = sandbox_json(sb, tx.sandbox_networks(sb.id));
  });
  return {200, jsend_success(std::move(body))};
}

// Detaches the sandbox from every network and puts its address into quarantine. A sandbox
// a host has plugged is refused: its VM still runs there, and the host would drop the tap
// from its target; the runtime unplugs it first (docs/api.md).
Reply delete_sandbox(RouteEnv& env, Call& call) {
  env.store.write([&](WriteTx& tx) {
    Sandbox sb = resolve_sandbox(tx, call.user, call.params.at("id"));
    check_deletable(sb);
    tx.release_ips(sb.id, unix_ms_now());  // first: it records the owner
    tx.delete_sandbox(sb.id);
  });
  return {200, jsend_success({{"ok", true}})};
}

}  // namespace

void add_sandbox_routes(ApiRouter& router, RouteEnv& env) {
  router.add("GET", "/v1/sandboxes", {true, [&env](Call& c) { return list_sandboxes(env, c); }});
  router.add("POST", "/v1/sandboxes", {true, [&env](Call& c) { return create_sandbox(env, c); }});
  router.add("GET", "/v1/sandboxes/{id}", {true, [&env](Call& c) { return get_sandbox(env, c); }});
  router.add("DELETE", "/v1/sandboxes/{id}",
             {true, [&env](Call& c) { return delete_sandbox(env, c); }});
}

}  // namespace sandnet::api
