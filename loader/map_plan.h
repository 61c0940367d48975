// The domain logic of the loader (Katran's KatranLb to BpfAdapter split):
// from a desired state and the maps' current contents, compute the target
// contents and the ordered writes that reach them. No kernel needed.
//
// Network-set identities (Cilium-style): each distinct set of networks gets a
// compact set_id; a packet's verdict is one lookup of {src set, dst set}. Set
// ids and network indexes are adopted from the current contents, so a
// restarted agent computes the very same entries and writes nothing.
//
// Ordering is make-before-break: phase 1 adds every new network, set and
// pair (pairs over old, new and transit sets); phase 2a moves each endpoint
// and tap entry whose set changes to a superset of its old set (the union
// old+new, the "transit" set, or directly the new set when it only grows);
// phase 2b moves them to their final set (a subset of what 2a left); phase 3
// deletes what the target no longer has. At every instant each entry's set
// contains its old set during 2a and its new set during 2b, so a packet
// allowed before and after the update is never dropped; nothing revoked
// passes once phase 3 is done (briefly, during the update, two sandboxes
// may reach each other through a network one is leaving and the other
// joining).
#pragma once
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "loader/agent_config.h"
#include "loader/desired_state.h"
#include "loader/map_image.h"

namespace sandnet::dp {

struct TapInfo {
  uint32_t ifindex = 0;
  MacAddr mac{};  // the host-side device's own MAC
};
// Looks a tap up by name; nullopt when it does not exist.
using TapResolver = std::function<std::optional<TapInfo>(const std::string& name)>;

struct CapacityError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Plan {
  // Phase 1: make.
  std::vector<std::pair<uint32_t, std::string>> put_networks;
  std::vector<std::pair<uint32_t, NetIndexList>> put_sets;
  std::vector<std::pair<SetPair, uint32_t>> put_pairs;
  // Phase 2a: switch to a superset of the old set (or the final entry).
  std::vector<std::pair<uint32_t, sn_endpoint>> put_endpoints;
  std::vector<std::pair<uint32_t, sn_tap>> put_taps;
  // Phase 2b: settle on the final entry.
  std::vector<std::pair<uint32_t, sn_endpoint>> settle_endpoints;
  std::vector<std::pair<uint32_t, sn_tap>> settle_taps;
  // Phase 3: break.
  std::vector<uint32_t> del_endpoints;
  std::vector<uint32_t> del_taps;
  std::vector<SetPair> del_pairs;
  std::vector<uint32_t> del_sets;
  std::vector<uint32_t> del_networks;

  MapImage target;                    // contents after the three phases
  std::vector<std::string> warnings;  // e.g. endpoints whose tap is missing

  size_t writes() const;
};

// Throws CapacityError when the target (or the transition) exceeds capacity.
Plan plan_update(const DesiredState& desired, const MapImage& current, const TapResolver& taps,
                 const Capacity& capacity);

}  // namespace sandnet::dp
