// One change of the desired state, as the feed delivers it: what an incremental planner will
// take instead of the whole DesiredState (issue 19, docs/design-ochange.md). apply_delta() is
// its meaning: the state a full recomputation (plan_update) must be given to plan the same.
#pragma once
#include <string>
#include <vector>

#include "loader/desired_state.h"

namespace sandnet::dp {

struct DesiredDelta {
  std::vector<EndpointSpec> upsert_endpoints;  // by sandbox_id: added, or replaced whole
  std::vector<std::string> removed_endpoints;  // sandbox ids
  std::vector<NetworkSpec> upsert_networks;    // by id: added, or its member list replaced whole
  std::vector<std::string> removed_networks;   // network ids
  // Quarantines are few and per local tap: the delta carries the whole list when it changes.
  bool quarantine_changed = false;
  std::vector<QuarantineSpec> quarantined;
  // The hosts of the overlay (layout v7) are few too: the whole list when it changes (in API
  // mode, when a host record of the feed changed: sync/view_to_state.h state_delta).
  bool hosts_changed = false;
  std::vector<HostSpec> hosts;

  bool empty() const {
    return upsert_endpoints.empty() && removed_endpoints.empty() && upsert_networks.empty() &&
           removed_networks.empty() && !quarantine_changed && !hosts_changed;
  }
};

// Applies `delta` to `state`, whose endpoints and networks are listed by id (sandbox id,
// network id), as view_to_state lists them; they stay so. O(change x log state) lookups.
void apply_delta(DesiredState& state, const DesiredDelta& delta);

}  // namespace sandnet::dp
