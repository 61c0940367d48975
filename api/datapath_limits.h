// Limits of the host datapath that one tenant's objects could exceed on their own. The API
// refuses such a change (400, naming the knob) before any host sees it: an agent refuses a
// whole state it cannot hold (loader/map_plan.cc), so one tenant's excess would otherwise
// stall enforcement for every tenant on the host. Defaults equal the agent's (loader/
// agent_config.h); docs/api.md says which agent knob each one mirrors.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "api/store.h"

namespace sandnet::api {

struct DatapathLimits {
  // Agent max_nets_per_sandbox; 64 is also the layout's hard limit (SN_MAX_NETS_PER_SET).
  int64_t max_networks_per_sandbox = 64;
  static constexpr int64_t kLayoutNetworksPerSandbox = 64;
  // Agent max_endpoints: every member of a network is in the view of a host holding one.
  int64_t max_members_per_network = 65536;
  // Agent max_networks: all of a tenant's networks can meet in one host's view.
  int64_t max_networks_per_tenant = 16384;
  // Agent max_endpoints and max_sets: all of a tenant's sandboxes (each with its own network
  // set) can meet in one host's view.
  int64_t max_sandboxes_per_tenant = 65536;
};

// Throws ApiError 400 with a message naming the config key. Call inside the write
// transaction that makes the change (writes are serialized, so the count stays true).
void check_new_network(ReadTx& tx, const DatapathLimits& limits, UserId user);
void check_new_sandbox(ReadTx& tx, const DatapathLimits& limits, UserId user);
// The networks of a new sandbox, in request order (`networks[i].id`); the same network
// named twice (by name and by id) counts once.
void check_sandbox_networks(const DatapathLimits& limits, const std::vector<Network>& networks);
// Attaching an existing member changes nothing and is never refused.
void check_attach(ReadTx& tx, const DatapathLimits& limits, const Sandbox& sandbox,
                  const Network& network);

}  // namespace sandnet::api
