// POST /v1/sandboxes/{id}/networks, DELETE /v1/sandboxes/{id}/networks/{net}.
#include "api/api_error.h"
#include "api/apply_wait.h"
#include "api/jsend.h"
#include "api/route_support.h"
#include "api/tenant_quotas.h"

namespace sandnet::api {

namespace {

// The membership's last change (it exists after an attach).
int64_t membership_revision(ReadTx& tx, const std::string& sandbox_id,
                            const std::string& network_id) {
  for (const Member& m : tx.network_members(network_id)) {
    if (m.sandbox_id == sandbox_id) return m.revision;
  }
  return tx.current_revision();
}

// Attaching a sandbox that is already a member answers 200 and changes nothing.
Reply attach(RouteEnv& env, Call& call) {
  require_json_body(call);
  AttachRequest req = parse_attach(call.req.body);
  ApplyWait wait = parse_apply_wait(call.req.params);
  std::string sandbox_id, network_id;
  Reply reply = idempotent_write(call, env.store, [&](WriteTx& tx) {
    Sandbox sb = resolve_sandbox(tx, call.user, call.params.at("id"));
    Network n = resolve_network(tx, call.user, req.network);
    check_attach(tx, env.limits, sb, n);
    bool member = false;
    for (const NetworkSummary& m : tx.sandbox_networks(sb.id)) member = member || m.id == n.id;
    if (!member) check_quota_attach(tx, env.quotas, call.user);
    tx.attach(sb.id, n.id);
    sandbox_id = sb.id;
    network_id = n.id;
    return Reply{200, jsend_success({{"ok", true}})};
  });
  if (!wait.wait || reply.status != 200) return reply;
  ApplyTarget target;
  env.store.read([&](ReadTx& tx) {
    if (reply.replayed) {  // the first answer's transaction did the work: resolve again
      sandbox_id = resolve_sandbox(tx, call.user, call.params.at("id")).id;
      network_id = resolve_network(tx, call.user, req.network).id;
    }
    target = apply_target(tx, sandbox_id, network_id,
                          membership_revision(tx, sandbox_id, network_id));
  });
  reply.body = jsend_success(wait_for_applied(env, target, wait.timeout, caller_name(call)));
  return reply;
}

Reply detach(RouteEnv& env, Call& call) {
  ApplyWait wait = parse_apply_wait(call.req.params);
  ApplyTarget target;
  env.store.write([&](WriteTx& tx) {
    Sandbox sb = resolve_sandbox(tx, call.user, call.params.at("id"));
    Network n = resolve_network(tx, call.user, call.params.at("net"));
    if (!tx.detach(sb.id, n.id)) throw not_found("membership");
    if (wait.wait) target = apply_target(tx, sb.id, n.id, tx.current_revision());
  });
  if (!wait.wait) return {200, jsend_success({{"ok", true}})};
  return {200, jsend_success(wait_for_applied(env, target, wait.timeout, caller_name(call)))};
}

}  // namespace

void add_membership_routes(ApiRouter& router, RouteEnv& env) {
  router.add("POST", "/v1/sandboxes/{id}/networks",
             {true, [&env](Call& c) { return attach(env, c); }});
  router.add("DELETE", "/v1/sandboxes/{id}/networks/{net}",
             {true, [&env](Call& c) { return detach(env, c); }});
}

}  // namespace sandnet::api
