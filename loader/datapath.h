// One host's datapath: the loaded objects, their attachments and the state
// they enforce. apply() takes a desired state to the maps as a diff.
#pragma once
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "loader/agent_config.h"
#include "loader/bpf_objects.h"
#include "loader/desired_delta.h"
#include "loader/desired_state.h"
#include "loader/incremental_planner.h"
#include "loader/map_plan.h"
#include "loader/tap_attacher.h"
#include "loader/tap_fence.h"

namespace sandnet::dp {

struct ApplyResult {
  size_t map_writes = 0;  // entries written or deleted, config included
  AttachStats attach;
  size_t detached = 0;
  std::vector<std::string> warnings;
  std::vector<Quarantined> quarantined;             // drop-all taps after this apply
  // ifindex -> error: taps left without programs, each set down (fenced) until they have them
  std::map<uint32_t, std::string> attach_failures;
};

class Datapath {
 public:
  // Loads (or adopts) the objects under bpffs_root and writes the config
  // entry if it differs. Throws std::runtime_error.
  Datapath(const AgentConfig& config, std::string bpffs_root,
           TapResolver resolver = nullptr /* default: the real devices */);

  // An entry over a capacity is quarantined, not refused (plan_update). Throws CapacityError
  // when the maps' own contents break the layout (nothing written) and std::runtime_error when
  // a write fails (the writes before it stay, the maps are re-read; the next apply converges). A tap that carries the programs keeps them (and gets a drop-all entry if
  // nothing places it) until its device is gone or it is named in `release` (an explicit
  // unplug: detached once it has no entry). Attach failures do not throw: they are listed
  // in the result, the tap is set down until its programs are attached (the maps are
  // written; retried at the next apply).
  // `delta`: what changed in `desired` since the last apply, when the caller knows it: the
  // plan then costs what the change touches (loader/incremental_planner.h), not the whole state.
  ApplyResult apply(const DesiredState& desired, const std::set<std::string>& release = {},
                    const DesiredDelta* delta = nullptr);

  // True when device `ifindex` carries sandnet's programs (a pinned link) or has a `taps`
  // entry: what an agent left on it. How a plug recorded before binding is verified at start.
  bool holds(uint32_t ifindex) const;

  MapSet& maps() { return objects_->maps(); }
  const BpfObjects& objects() const { return *objects_; }
  size_t config_writes() const { return config_writes_; }

 private:
  static bool device_exists(uint32_t ifindex);
  static constexpr int kMaxPasses = 3;
  AgentConfig config_;
  std::string root_;
  TapResolver resolver_;
  std::unique_ptr<BpfObjects> objects_;
  TapAttacher attacher_;
  TapFence fence_;
  MapImage current_;
  IncrementalPlanner planner_;  // keeps current_ equal to each plan's target
  bool reread_ = false;  // a write failed: read the maps again before the next plan
  size_t config_writes_ = 0;
};

sn_config make_bpf_config(const AgentConfig& config);
// What every tap entry copies of the config (the ingress hot path reads only its tap).
TapForwarding make_tap_forwarding(const AgentConfig& config);

}  // namespace sandnet::dp
