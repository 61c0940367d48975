#include "api/datapath_limits.h"

#include <set>

#include <fmt/format.h>

#include "api/api_error.h"

namespace sandnet::api {

namespace {

ApiError over_limit(const std::string& code, const std::string& message, int64_t limit,
                    const std::string& field = "") {
  nlohmann::json extra{{"limit", limit}};
  if (!field.empty()) extra["field"] = field;
  return ApiError(400, code, message, std::move(extra));
}

ApiError too_many_networks(int64_t limit) {
  return over_limit("too_many_networks",
                    fmt::format("a sandbox can be in at most {} networks, the most the host "
                                "datapath holds (max_networks_per_sandbox)",
                                limit),
                    limit);
}

ApiError network_full(const Network& n, int64_t limit, const std::string& field = "") {
  return over_limit("network_full",
                    fmt::format("network '{}' already has {} members, the most allowed "
                                "(max_members_per_network)",
                                n.name, limit),
                    limit, field);
}


void check_tenant_count(int64_t have, int64_t limit, const std::string& code,
                        const std::string& things, const std::string& key) {
  if (have < limit) return;
  throw over_limit(code,
                   fmt::format("you already have {} {}, the most allowed ({}); delete one first",
                               limit, things, key),
                   limit);
}

}  // namespace

void check_new_network(ReadTx& tx, const DatapathLimits& limits, UserId user) {
  check_tenant_count(tx.list_networks(user, 1, 0).total, limits.max_networks_per_tenant,
                     "tenant_network_limit", "networks", "max_networks_per_tenant");
}

void check_new_sandbox(ReadTx& tx, const DatapathLimits& limits, UserId user) {
  check_tenant_count(tx.list_sandboxes(user, 1, 0).total, limits.max_sandboxes_per_tenant,
                     "tenant_sandbox_limit", "sandboxes", "max_sandboxes_per_tenant");
}

void check_sandbox_networks(const DatapathLimits& limits, const std::vector<Network>& networks) {
  std::set<std::string> distinct;
  for (const Network& n : networks) distinct.insert(n.id);
  if (static_cast<int64_t>(distinct.size()) > limits.max_networks_per_sandbox) {
    throw too_many_networks(limits.max_networks_per_sandbox);
  }
  for (size_t i = 0; i < networks.size(); ++i) {
    if (networks[i].member_count >= limits.max_members_per_network) {
      throw network_full(networks[i], limits.max_members_per_network,
                         fmt::format("networks[{}].id", i));
    }
  }
}

void check_attach(ReadTx& tx, const DatapathLimits& limits, const Sandbox& sandbox,
                  const Network& network) {
  std::vector<NetworkSummary> current = tx.sandbox_networks(sandbox.id);
  for (const NetworkSummary& n : current) {
    if (n.id == network.id) return;  // already a member: nothing changes
  }
  if (static_cast<int64_t>(current.size()) >= limits.max_networks_per_sandbox) {
    throw too_many_networks(limits.max_networks_per_sandbox);
  }
  if (network.member_count >= limits.max_members_per_network) {
    throw network_full(network, limits.max_members_per_network);
  }
}

}  // namespace sandnet::api
