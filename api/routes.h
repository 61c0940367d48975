// What a route handler sees and returns, and the functions that register each route group.
// Handlers validate first, then do all their work in one store transaction, and throw
// ApiError for every client-visible failure.
#pragma once
#include <functional>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "api/applied_tracker.h"
#include "api/change_notifier.h"
#include "api/datapath_limits.h"
#include "api/feed_follower.h"
#include "api/ipam.h"
#include "api/router.h"
#include "api/store.h"
#include "api/tenant_quotas.h"
#include "api/wait_slots.h"

namespace sandnet::api {

struct Call {
  const httplib::Request& req;
  const PathParams& params;
  const std::string& route;  // template, part of the Idempotency-Key fingerprint
  UserId user = 0;
  std::string host;  // host routes: the host the X-Host-Token belongs to
};

struct Reply {
  Reply() = default;
  Reply(int status, nlohmann::json body, bool replayed = false)
      : status(status), body(std::move(body)), replayed(replayed) {}

  int status = 200;
  nlohmann::json body;  // a complete JSend envelope
  bool replayed = false;  // answered from the Idempotency-Key store
  std::string text;       // non-empty: sent as text/plain instead of body (/metrics)
};

struct RouteSpec {
  bool needs_auth = true;  // a user's X-Api-Key
  std::function<Reply(Call&)> handle;
  bool host_auth = false;  // instead an X-Host-Token for the {host} in the path
};

struct RouteEnv {
  Store& store;
  IpamConfig ipam;
  ChangeNotifier& notifier;
  AppliedTracker& applied;
  WaitSlots& wait_slots;
  DatapathLimits limits;
  TenantQuotas quotas;
  // The shared feed poll (feed_follower.h); null: every long-poll reads the store itself.
  FeedFollower* follower = nullptr;
};

// "user:<id>" or "host:<id>": who a request counts against (wait slots, request rates).
std::string caller_name(const Call& call);

using ApiRouter = Router<RouteSpec>;

void add_network_routes(ApiRouter& router, RouteEnv& env);
void add_sandbox_routes(ApiRouter& router, RouteEnv& env);
void add_membership_routes(ApiRouter& router, RouteEnv& env);
void add_host_routes(ApiRouter& router, RouteEnv& env);

}  // namespace sandnet::api
