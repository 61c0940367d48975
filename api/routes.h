// What a route handler sees and returns, and the functions that register each route group.
// Handlers validate first, then do all their work in one store transaction, and throw
// ApiError for every client-visible failure.
#pragma once
#include <functional>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "api/ipam.h"
#include "api/router.h"
#include "api/store.h"

namespace sandnet::api {

struct Call {
  const httplib::Request& req;
  const PathParams& params;
  const std::string& route;  // template, part of the Idempotency-Key fingerprint
  UserId user = 0;
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
  bool needs_auth = true;
  std::function<Reply(Call&)> handle;
};

struct RouteEnv {
  Store& store;
  IpamConfig ipam;
};

using ApiRouter = Router<RouteSpec>;

void add_network_routes(ApiRouter& router, RouteEnv& env);
void add_sandbox_routes(ApiRouter& router, RouteEnv& env);
void add_membership_routes(ApiRouter& router, RouteEnv& env);

}  // namespace sandnet::api
