// A planner whose work per change follows the change (issue 19, docs/design-ochange.md): it
// keeps, between plans, the indexes plan_update rebuilds from the whole state every time (who
// is in which network, which entry each sandbox has in the maps, the set and network ids,
// the sets' use counts, which remote endpoints sit on which host), and feeds the shared plan
// steps (loader/plan_builder.h) only the endpoints a change can alter: those the delta names,
// the members whose network list changed, every local endpoint (few; their taps are
// re-resolved every time, as plan_update does), the remote endpoints left out by the last
// plan, and every remote endpoint on a host whose place in the maps changed (it entered or
// left them, or took another number: its endpoints' host id changes). Every other endpoint
// is, by construction, in the maps with the very entry plan_update would give it, so the
// plan is the same, op for op (tests/loader/plan_oracle_test.cc).
//
// The hosts themselves (O(hosts), few) are placed afresh each plan from the host list and
// whether each host owns a remote endpoint, as plan_update places them; so a host listed,
// removed, renumbered or moved, or gaining its first / losing its last remote endpoint, is
// planned incrementally, max_hosts included (which hosts it keeps depends on the host list
// alone, not on any admission order: hosts take no room in the capacity budget).
//
// It plans whole (plan_update) when no delta is given, on its first plan, after forget(),
// when an endpoint's key is held by an entry the change does not touch, and whenever the
// order of admission could matter: any capacity within reach of what the change might add
// (then an entry may be refused, and which one depends on the whole order). What is left
// proportional to the maps rather than the change: the set and network id walks and the
// reach rows of local sets (O(sets + networks)), and the host walks (O(hosts)).
#pragma once
#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "loader/desired_delta.h"
#include "loader/host_plan.h"
#include "loader/map_plan.h"

namespace sandnet::dp {

class IncrementalPlanner {
 public:
  IncrementalPlanner(const Capacity& cap, const TapForwarding& fwd = {}) : cap_(cap), fwd_(fwd) {}

  // Plans `desired` (listed by id, as view_to_state lists it) from the maps' contents
  // `current`, which it leaves equal to the plan's target (the returned plan's `target` is
  // empty). `delta`: what changed in `desired` since the last plan; nullptr when unknown (a
  // whole plan). Throws CapacityError as plan_update does (and then plans whole next time).
  Plan plan(const DesiredState& desired, const DesiredDelta* delta, MapImage& current, const TapResolver& resolve,
            const HeldTaps& held = {});
  // The maps may no longer be what the last plan left (a write failed, they were re-read):
  // the next plan is whole.
  void forget() { valid_ = false; }

  size_t whole_plans() const { return whole_plans_; }
  size_t delta_plans() const { return delta_plans_; }
  // Incremental plans in which the host list differed from the last plan's, and those in
  // which a host entered or left the maps or took another number (what the oracle counts).
  size_t host_list_delta_plans() const { return host_list_delta_plans_; }
  size_t host_moved_delta_plans() const { return host_moved_delta_plans_; }

 private:
  Plan plan_whole(const DesiredState& desired, MapImage& current, const TapResolver& resolve, const HeldTaps& held);
  void reindex(const DesiredState& desired, const MapImage& current, const Plan& plan);

  Capacity cap_;
  TapForwarding fwd_;
  bool valid_ = false;  // the indexes below describe `current` and the last desired state
  size_t whole_plans_ = 0, delta_plans_ = 0, host_list_delta_plans_ = 0, host_moved_delta_plans_ = 0;

  // Each sandbox the indexes name (a member of a desired network, an entry in the maps, or a
  // desired remote endpoint on any host), its id stored once: the other indexes point at
  // these keys (stable: node-based), so a sandbox costs one id string, not one per index.
  struct Known {
    std::vector<const std::string*> nets;  // its desired networks: keys of net_members_
    uint32_t ip = 0;
    uint32_t host_slot = 0;                // its place in remote_on_'s list of `host`
    const std::string* host = nullptr;     // its desired remote endpoint's host: a key of remote_on_
    bool in_maps = false;                  // its endpoint is in the maps, under key `ip`
    bool unused() const { return nets.empty() && !in_maps && !host; }
  };
  const Known* known(const std::string& id) const;
  void forget_if_unused(std::unordered_map<std::string, Known>::iterator it);
  void join_host(const EndpointSpec& remote);
  void leave_host(const std::string& sandbox);
  void note_hosts_in_maps(const HostPlan& hosts);
  std::unordered_map<std::string, Known> known_;
  std::unordered_map<std::string, std::vector<const std::string*>> net_members_;  // desired network -> members (keys of known_)
  std::set<std::string> local_;     // sandboxes with a local desired endpoint
  std::set<std::string> left_out_;  // remote endpoints the last plan did not install
  std::unordered_map<uint32_t, const std::string*> owner_of_ip_;  // endpoint key in the maps -> its sandbox (a key of known_)
  std::unordered_map<std::string, uint32_t> net_index_of_;  // network in the maps -> its index
  std::set<std::string> pending_;  // desired networks not in the maps (indexed afresh each plan, by id)
  std::map<NetIndexList, uint32_t> set_id_of_;  // the maps' sets
  std::vector<HostSpec> hosts_;  // desired.hosts of the last plan (only counted: see host_list_delta_plans)
  // Each host owning a desired remote endpoint, listed or not -> those endpoints (keys of
  // known_; each one's Known::host and host_slot point back). Hosts owning none are erased.
  std::unordered_map<std::string, std::vector<const std::string*>> remote_on_;
  std::unordered_map<std::string, uint32_t> host_number_;  // the hosts in the maps -> their number
  std::unordered_map<uint32_t, uint32_t> set_refs_;  // set id -> endpoints in the maps on it
};

}  // namespace sandnet::dp
