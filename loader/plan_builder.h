// The steps of one plan (loader/map_plan.h), shared by the two planners that drive them:
// plan_update, which feeds every desired endpoint, and IncrementalPlanner
// (loader/incremental_planner.h), which feeds only the endpoints a change touches and holds the
// rest of the maps as they are. Both run the very same admission and op emission, so their
// plans can differ only in what they feed (tests/loader/plan_oracle_test.cc checks they don't).
// Internal to the loader.
#pragma once
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "loader/capacity_budget.h"
#include "loader/host_plan.h"
#include "loader/map_plan.h"

namespace sandnet::dp::detail {

// Hands out the smallest id >= 1 that is neither in use now nor taken in
// this update, so that ids of entries deleted in phase 3 are never reused
// while old entries still point at them. Walks the ids in use (a sorted map) instead of
// copying them: O(ids below the answer).
template <typename Map>
class IdAllocator {
 public:
  explicit IdAllocator(const Map& in_use) : in_use_(in_use) {}
  uint32_t next() {
    while (in_use_.count(cursor_) || taken_.count(cursor_)) ++cursor_;
    taken_.insert(cursor_);
    return cursor_;
  }

 private:
  const Map& in_use_;
  std::set<uint32_t> taken_;
  uint32_t cursor_ = 1;
};

// An endpoint that passed the per-entry checks and competes for room.
struct Candidate {
  const EndpointSpec* ep;
  std::optional<TapInfo> tap;  // local: its resolved tap
  NetIndexList nets;
  bool in_maps;  // its endpoint key is in the maps now: admitted before any newcomer
};

class PlanBuilder {
 public:
  // `target`: where admission puts entries. plan_update passes an empty plan.target; the
  // incremental planner a scratch image holding the maps' sets and networks (their entries
  // are the touched endpoints' only). `set_id_of`: the maps' sets (grows with new ones).
  // `net_id_at`: the id of each network index that may enter the maps new. `hosts`: the host
  // ids the entries carry; target.hosts/underlay_hosts must already hold hosts.fill()'s.
  PlanBuilder(Plan& plan, MapImage& target, const MapImage& current, const TapResolver& resolve, const Capacity& cap,
              const TapForwarding& fwd, const HostPlan& hosts, std::map<NetIndexList, uint32_t>& set_id_of,
              const std::unordered_map<uint32_t, std::string_view>& net_id_at);

  // A tap not exists: warned, not installed.
  void missing_tap(const EndpointSpec& ep);
  // Per-entry problems (too many networks, a tap claimed twice) quarantine the entry; what is
  // left is appended to `out`.
  void consider(const EndpointSpec& ep, const std::optional<TapInfo>& tap, NetIndexList nets, int claims,
                std::vector<Candidate>& out);
  // Taps the desired state cannot place, and held taps nothing places: drop-all entries.
  void hold_unplaced(const std::vector<QuarantineSpec>& quarantined, const HeldTaps& held);
  // Admission in the stable order (entries in the maps first, then by sandbox id).
  void admit(std::vector<Candidate>& candidates);
  // The drop-all entries of the quarantined taps, and their warnings.
  void finish_quarantines();
  // Phase ops from `current` to the target. `partial`: target.endpoints holds only the
  // entries that may differ, and `gone` lists the keys of current.endpoints the target lacks
  // (sorted); otherwise both come from the whole target.
  void emit(bool partial, const std::vector<uint32_t>& gone = {});

  bool capacity_limited() const { return capacity_limited_; }
  const std::set<uint32_t>& local_sets() const { return local_sets_; }

 private:
  void hold(uint32_t ifindex, std::string tap, std::string why, std::string sandbox = {});
  void remote_not_installed(const EndpointSpec& ep, const std::string& why);
  void admit_one(const Candidate& c);

  Plan& plan_;
  MapImage& target_;
  const MapImage& current_;
  const TapResolver& resolve_;
  const Capacity& cap_;
  const TapForwarding& fwd_;
  const HostPlan& hosts_;
  const uint32_t words_;
  std::map<NetIndexList, uint32_t>& set_id_of_;
  const std::unordered_map<uint32_t, std::string_view>& net_id_at_;
  CapacityBudget budget_;
  IdAllocator<std::map<uint32_t, NetIndexList>> set_ids_;
  std::map<uint32_t, uint32_t> rows_in_use_;
  IdAllocator<std::map<uint32_t, uint32_t>> rows_;
  bool capacity_limited_ = false;
  std::map<uint32_t, Quarantined> quarantine_;  // by ifindex
  std::set<uint32_t> candidate_taps_;
  std::set<uint32_t> local_sets_;
};

}  // namespace sandnet::dp::detail
