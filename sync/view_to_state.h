// What the datapath of this host must enforce, derived from the host view and the local plugs:
// only plugged local sandboxes get taps; peers placed on other hosts become remote endpoints;
// sandboxes placed nowhere (pending) get no endpoint. A plugged tap whose sandbox cannot be
// placed (not in the view, placed on another host, bad address or MAC) is quarantined: a
// drop-all entry, never left bare. Network member lists keep every member
// (the loader ignores members without an endpoint).
#pragma once
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "loader/agent_config.h"
#include "loader/desired_delta.h"
#include "loader/desired_state.h"
#include "sync/host_view.h"
#include "sync/local_plugs.h"

namespace sandnet::sync {

struct StateBuild {
  dp::DesiredState state;
  std::vector<std::string> skipped;  // records that could not become endpoints, and why
};

StateBuild view_to_state(const HostView& view, const LocalPlugs& plugs, const std::string& host_id,
                         const dp::AgentConfig& config);

// What one sandbox of the view contributes: an endpoint, a quarantine of its plugged tap, or
// a record that could not become an endpoint (each empty when it does not apply).
struct SandboxDerivation {
  std::optional<dp::EndpointSpec> endpoint;
  std::optional<dp::QuarantineSpec> quarantine;
  std::string skipped;
};
SandboxDerivation derive_sandbox(const std::string& id, const SandboxRecord& sb, const LocalPlugs& plugs,
                                 const std::string& host_id, const dp::AgentConfig& config);

// view_to_state's quarantine list, in its order, from the plugs alone (O(plugs)).
std::vector<dp::QuarantineSpec> quarantines(const HostView& view, const LocalPlugs& plugs, const std::string& host_id,
                                            const dp::AgentConfig& config);

// The change of view_to_state's result when only `sandboxes` and `networks` changed (in the
// view or in their plugs) since the state it patches: O(those + plugs), not O(view).
// apply_delta(before, state_delta(...)) equals view_to_state(view, plugs, ...).state.
// `skipped`, when given, gets view_to_state's `skipped` lines of those sandboxes.
dp::DesiredDelta state_delta(const HostView& view, const LocalPlugs& plugs, const std::string& host_id,
                             const dp::AgentConfig& config, const std::set<std::string>& sandboxes,
                             const std::set<std::string>& networks, std::vector<std::string>* skipped = nullptr);

}  // namespace sandnet::sync
