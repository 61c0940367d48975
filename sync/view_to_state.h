// What the datapath of this host must enforce, derived from the host view and the local plugs:
// only plugged local sandboxes get taps; peers placed on other hosts become remote endpoints;
// sandboxes placed nowhere (pending) get no endpoint. A plugged tap whose sandbox cannot be
// placed (not in the view, placed on another host, bad address or MAC) is quarantined: a
// drop-all entry, never left bare. Network member lists keep every member
// (the loader ignores members without an endpoint).
#pragma once
#include <string>
#include <vector>

#include "loader/agent_config.h"
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

}  // namespace sandnet::sync
