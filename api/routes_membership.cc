// POST /v1/sandboxes/{id}/networks, DELETE /v1/sandboxes/{id}/networks/{net}.
#include "api/api_error.h"
#include "api/jsend.h"
#include "api/route_support.h"

namespace sandnet::api {

namespace {

// Attaching a sandbox that is already a member answers 200 and changes nothing.
Reply attach(RouteEnv& env, Call& call) {
  require_json_body(call);
  AttachRequest req = parse_attach(call.req.body);
  return idempotent_write(call, env.store, [&](WriteTx& tx) {
    Sandbox sb = resolve_sandbox(tx, call.user, call.params.at("id"));
    Network n = resolve_network(tx, call.user, req.network);
    tx.attach(sb.id, n.id);
    return Reply{200, jsend_success({{"ok", true}})};
  });
}

Reply detach(RouteEnv& env, Call& call) {
  env.store.write([&](WriteTx& tx) {
    Sandbox sb = resolve_sandbox(tx, call.user, call.params.at("id"));
    Network n = resolve_network(tx, call.user, call.params.at("net"));
    if (!tx.detach(sb.id, n.id)) throw not_found("membership");
  });
  return {200, jsend_success({{"ok", true}})};
}

}  // namespace

void add_membership_routes(ApiRouter& router, RouteEnv& env) {
  router.add("POST", "/v1/sandboxes/{id}/networks",
             {true, [&env](Call& c) { return attach(env, c); }});
  router.add("DELETE", "/v1/sandboxes/{id}/networks/{net}",
             {true, [&env](Call& c) { return detach(env, c); }});
}

}  // namespace sandnet::api
