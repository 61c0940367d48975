// ?wait=applied on attach/detach: which hosts must apply a membership change, and waiting
// (bounded) until they have reported it.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/routes.h"

namespace sandnet::api {

struct ApplyTarget {
  int64_t revision = 0;
  std::vector<std::string> hosts;  // where a member of the network, or the sandbox, is placed
};

// Called in the write (or a read) transaction right after the change; `revision` is the
// change's revision (for an attach that changed nothing: the membership's last change).
ApplyTarget apply_target(ReadTx& tx, const std::string& sandbox_id,
                         const std::string& network_id, int64_t revision);

// {"ok":true,"applied":true} or, after timeout_s, {"ok":true,"applied":false,
// "pending_hosts":[...]}. With every wait slot taken it answers at once (never 503: the change
// itself is committed).
// `caller` names the tenant for the per-caller cap on wait slots.
nlohmann::json wait_for_applied(RouteEnv& env, const ApplyTarget& target, int64_t timeout_s,
                                const std::string& caller);

}  // namespace sandnet::api
