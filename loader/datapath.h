// One host's datapath: the loaded objects, their attachments and the state
// they enforce. apply() takes a desired state to the maps as a diff.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "loader/agent_config.h"
#include "loader/bpf_objects.h"
#include "loader/desired_state.h"
#include "loader/map_plan.h"
#include "loader/tap_attacher.h"

namespace sandnet::dp {

struct ApplyResult {
  size_t map_writes = 0;  // entries written or deleted, config included
  AttachStats attach;
  size_t detached = 0;
  std::vector<std::string> warnings;
};

class Datapath {
 public:
  // Loads (or adopts) the objects under bpffs_root and writes the config
  // entry if it differs. Throws std::runtime_error.
  Datapath(const AgentConfig& config, std::string bpffs_root,
           TapResolver resolver = nullptr /* default: the real devices */);

  // Throws CapacityError / std::runtime_error; on a capacity error nothing
  // was written.
  ApplyResult apply(const DesiredState& desired);

  MapSet& maps() { return objects_->maps(); }
  const BpfObjects& objects() const { return *objects_; }
  size_t config_writes() const { return config_writes_; }

 private:
  AgentConfig config_;
  std::string root_;
  TapResolver resolver_;
  std::unique_ptr<BpfObjects> objects_;
  TapAttacher attacher_;
  MapImage current_;
  size_t config_writes_ = 0;
};

sn_config make_bpf_config(const AgentConfig& config);
// What every tap entry copies of the config (the ingress hot path reads only its tap).
TapForwarding make_tap_forwarding(const AgentConfig& config);

}  // namespace sandnet::dp
