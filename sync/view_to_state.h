// What the datapath of this host must enforce, derived from the host view and the local plugs:
// only plugged local sandboxes get taps; peers placed on other hosts become remote endpoints;
// sandboxes placed nowhere (pending) get no endpoint. A peer placed on another host is installed
// only while that host's record is listed, live and has an underlay address (HostView::reaches):
// a lost host's sandboxes leave the maps, and come back when it is live again. A plugged tap whose sandbox cannot be
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
SandboxDerivation derive_sandbox(const HostView& view, const std::string& id, const SandboxRecord& sb,
                                 const LocalPlugs& plugs, const std::string& host_id, const dp::AgentConfig& config);

// view_to_state's host list: every host of the view but this one whose peers can be reached
// (live, with an underlay address), by id.
std::vector<dp::HostSpec> overlay_hosts(const HostView& view, const std::string& host_id);

// view_to_state's quarantine list, in its order, from the plugs alone (O(plugs)).
std::vector<dp::QuarantineSpec> quarantines(const HostView& view, const LocalPlugs& plugs, const std::string& host_id,
                                            const dp::AgentConfig& config);

// What changed since a state was derived: the sandboxes (their records or their plugs), the
// networks and the host records (HostView::hosts_changed_by) a feed answer or a runtime
// request named.
struct StateChange {
  std::set<std::string> sandboxes, networks, hosts;
};

// The change of view_to_state's result when only what `change` names changed since the state
// it patches: O(those + the sandboxes placed on the changed hosts + plugs + hosts), not O(view).
// apply_delta(before, state_delta(...)) equals view_to_state(view, plugs, ...).state.
// `skipped`, when given, gets view_to_state's `skipped` lines of those sandboxes.
dp::DesiredDelta state_delta(const HostView& view, const LocalPlugs& plugs, const std::string& host_id,
                             const dp::AgentConfig& config, const StateChange& change,
                             std::vector<std::string>* skipped = nullptr);

}  // namespace sandnet::sync
