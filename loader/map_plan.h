// The domain logic of the loader (Katran's KatranLb to BpfAdapter split):
// from a desired state and the maps' current contents, compute the target
// contents and the ordered writes that reach them. No kernel needed.
//
// Network-set identities (Cilium-style): each distinct set of networks gets a
// compact set_id; a packet's verdict is one bit of the source tap's reach row
// (bit dst set_id, set when the two sets share a network). Set ids and network
// indexes are adopted from the current contents, so a restarted agent
// computes the very same entries and writes nothing.
//
// Ordering is make-before-break: phase 1 adds every new network and set and
// sets the reach bits a tap needs for any set it or a destination holds
// during the update (old, new and transit sets); phase 2a moves each endpoint
// and tap entry whose set changes to a superset of its old set (the union
// old+new, the "transit" set, or directly the new set when it only grows);
// phase 2b moves them to their final set (a subset of what 2a left); phase 3
// deletes what the target no longer has and clears the reach bits it no
// longer allows. At every instant each entry's set
// contains its old set during 2a and its new set during 2b, so a packet
// allowed before and after the update is never dropped; nothing revoked
// passes once phase 3 is done (briefly, during the update, two sandboxes
// may reach each other through a network one is leaving and the other
// joining).
#pragma once
#include <functional>
#include <optional>
#include <set>
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

// The config fields every tap entry carries for the ingress hot path.
struct TapForwarding {
  uint32_t overlay_net_be = 0, overlay_mask_be = 0, host_ll_be = 0;
  MacAddr gateway_mac{};
};

struct CapacityError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A tap held drop-all: by the desired state, for an entry over a capacity or invalid, or
// because it carries the programs and nothing places it.
struct Quarantined {
  uint32_t ifindex = 0;
  std::string tap;  // empty when only the ifindex is known (found pinned)
  std::string why;
};

struct Plan {
  // Phase 1: make.
  std::vector<std::pair<uint32_t, std::string>> put_networks;
  std::vector<std::pair<uint32_t, NetIndexList>> put_sets;
  // Reach words by absolute index (row * reach_words + word). Rows new to a
  // tap are written whole (zeros too): a row is never trusted to be empty.
  uint32_t reach_words = 0;
  std::vector<std::pair<uint32_t, ReachRow>> fill_rows;  // counter_row -> its words
  std::vector<std::pair<uint32_t, uint64_t>> put_reach;  // bits only added
  // Phase 2a: switch to a superset of the old set (or the final entry).
  std::vector<std::pair<uint32_t, sn_endpoint>> put_endpoints;
  std::vector<std::pair<uint32_t, sn_tap>> put_taps;
  // Phase 2b: settle on the final entry.
  std::vector<std::pair<uint32_t, sn_endpoint>> settle_endpoints;
  std::vector<std::pair<uint32_t, sn_tap>> settle_taps;
  // Phase 3: break.
  std::vector<uint32_t> del_endpoints;
  std::vector<uint32_t> del_taps;
  std::vector<std::pair<uint32_t, uint64_t>> settle_reach;  // after del_taps: final words
  std::vector<uint32_t> del_sets;
  std::vector<uint32_t> del_networks;

  MapImage target;                    // contents after the three phases
  std::vector<std::string> warnings;  // e.g. endpoints whose tap is missing, quarantines
  std::vector<Quarantined> quarantined;  // drop-all taps (their entries are in target.taps)

  size_t writes() const;
};

// Taps that carry the programs and still exist, by ifindex: each keeps an entry, its own if
// the desired state places it, else a drop-all one.
using HeldTaps = std::set<uint32_t>;

// A problem of one entry quarantines only that entry: a sandbox in more than
// max_nets_per_sandbox networks (local: drop-all tap; remote: not installed, so drops), a
// tap claimed by two sandboxes. Any ifindex has an entry (loader/tap_slots.h). Everything
// else applies.
// Throws CapacityError when the whole target (or the transition) exceeds a map's capacity.
Plan plan_update(const DesiredState& desired, const MapImage& current, const TapResolver& taps,
                 const Capacity& capacity, const TapForwarding& forwarding = {}, const HeldTaps& held = {});

}  // namespace sandnet::dp
