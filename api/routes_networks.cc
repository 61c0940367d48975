// GET/POST /v1/networks, GET/DELETE /v1/networks/{id}.
#include "api/api_error.h"
#include "api/jsend.h"
#include "api/route_support.h"
#include "api/tenant_quotas.h"

namespace sandnet::api {

using nlohmann::json;

namespace {

Reply list_networks(RouteEnv& env, Call& call) {
  Pagination p = parse_pagination(call.req.params);
  json items = json::array();
  int64_t total = 0;
  env.store.read([&](ReadTx& tx) {
    Page<Network> page = tx.list_networks(call.user, p.limit, p.offset);
    for (const Network& n : page.items) items.push_back(network_json(n));
    total = page.total;
  });
  return {200, jsend_success(page_json(std::move(items), total, p))};
}

Reply create_network(RouteEnv& env, Call& call) {
  require_json_body(call);
  CreateNetworkRequest req = parse_create_network(call.req.body);
  return idempotent_write(call, env.store, [&](WriteTx& tx) {
    check_new_network(tx, env.limits, call.user);
    check_quota_new_network(tx, env.quotas, call.user);
    return Reply{200, jsend_success(network_json(tx.create_network(call.user, req.name)))};
  });
}

Reply get_network(RouteEnv& env, Call& call) {
  json body;
  env.store.read([&](ReadTx& tx) {
    Network n = resolve_network(tx, call.user, call.params.at("id"));
    json members = json::array();
    for (const Member& m : tx.network_members(n.id)) {
      json member = member_json(m);
      // Its host has applied the membership's (and the sandbox's) last change.
      member["applied"] = !m.host.empty() && env.applied.applied(m.host) >= m.revision;
      members.push_back(std::move(member));
    }
    body = network_json(n);
    body["members"] = std::move(members);
  });
  return {200, jsend_success(std::move(body))};
}

Reply delete_network(RouteEnv& env, Call& call) {
  env.store.write([&](WriteTx& tx) {
    Network n = resolve_network(tx, call.user, call.params.at("id"));
    std::vector<Member> members = tx.network_members(n.id);
    if (!members.empty()) {
      json blocking = json::array();
      for (const Member& m : members) blocking.push_back(member_json(m));
      throw ApiError(409, "network_has_members",
                     "network still has active members; detach all sandboxes first",
                     {{"members", std::move(blocking)}});
    }
    tx.delete_network(n.id);
  });
  return {200, jsend_success({{"ok", true}})};
}

}  // namespace

void add_network_routes(ApiRouter& router, RouteEnv& env) {
  router.add("GET", "/v1/networks", {true, [&env](Call& c) { return list_networks(env, c); }});
  router.add("POST", "/v1/networks", {true, [&env](Call& c) { return create_network(env, c); }});
  router.add("GET", "/v1/networks/{id}", {true, [&env](Call& c) { return get_network(env, c); }});
  router.add("DELETE", "/v1/networks/{id}",
             {true, [&env](Call& c) { return delete_network(env, c); }});
}

}  // namespace sandnet::api
