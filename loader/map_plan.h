// The domain logic of the loader (Katran's KatranLb to BpfAdapter split):
// from a desired state and the maps' current contents, compute the target
// contents and the ordered writes that reach them (Plan::ops, executed in
// order by MapSet::apply). No kernel needed.
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
// joining). The phases are only the order of Plan::ops: a write failing at
// any op leaves a state that is fail-closed, and planning again from it
// converges (tests/loader/plan_test.cc walks every prefix).
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
#include "loader/map_ops.h"

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
  OverlayLink overlay_link{};
};

struct CapacityError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A tap held drop-all: by the desired state, for an entry over a capacity or invalid, or
// because it carries the programs and nothing places it. Also a remote endpoint not installed
// for a capacity (ifindex 0: no tap; packets to it drop as NO_ENDPOINT).
struct Quarantined {
  uint32_t ifindex = 0;
  std::string tap;  // empty when only the ifindex is known (found pinned)
  std::string why;
  std::string sandbox_id;  // when known; a remote endpoint not installed has ifindex 0 and no tap
  // False when the tap gets no entry: no reach/counter row is left for even a drop-all entry
  // (max_local_taps). It keeps the programs with no entry, so its ingress drops everything as
  // UNKNOWN_TAP and its egress drops every frame touching the overlay (docs/datapath.md,
  // "What happens when...").
  bool has_entry = true;
};

// The writes in the order they must reach the kernel (the phases above, flattened): MapSet
// walks the list and knows nothing of phases, so the order is tested without a kernel.
struct Plan {
  std::vector<MapOp> ops;
  uint32_t reach_words = 0;  // words per reach row: FillReachRow's row starts at row * reach_words

  MapImage target;                    // contents after every op
  std::vector<std::string> warnings;  // e.g. endpoints whose tap is missing, quarantines
  std::vector<Quarantined> quarantined;  // drop-all taps (entries in target.taps when has_entry)
  // Some entry was quarantined for a capacity while this plan deletes entries: once it is
  // applied, planning again may admit it (the peak of old and new side by side is over).
  bool replan = false;

  size_t writes() const { return ops.size(); }  // a row filled whole is one batch write
};

// Taps that carry the programs and still exist, by ifindex: each keeps an entry, its own if
// the desired state places it, else a drop-all one.
using HeldTaps = std::set<uint32_t>;

// A problem of one entry quarantines only that entry (local: drop-all tap; remote: not
// installed, so packets to it drop): a sandbox in more than max_nets_per_sandbox networks,
// a tap claimed by two sandboxes, and an entry that no
// longer fits a map (max_endpoints, max_local_taps, max_networks, max_sets, counted at the
// update's peak). Entries are admitted in a stable order, those already in the maps first, so
// a running sandbox never loses its place to a newcomer; a drop-all entry's reach row is
// reserved before any newcomer's. Any ifindex has an entry (loader/tap_slots.h). Everything
// else applies.
// Throws CapacityError only when the current contents themselves break the layout (a set id
// beyond the reach rows: maps pinned with another capacity), which no entry can fix.
Plan plan_update(const DesiredState& desired, const MapImage& current, const TapResolver& taps,
                 const Capacity& capacity, const TapForwarding& forwarding = {}, const HeldTaps& held = {});

}  // namespace sandnet::dp
