// The kernel side of the datapath objects (Katran's BpfAdapter role): loads
// the skeleton with capacities from configuration, adopts maps already
// pinned under <root>/<SN_LAYOUT_DIR> (or creates and pins them: every map is
// LIBBPF_PIN_BY_NAME), and owns the loaded
// programs. Destroying it closes fds only: pins keep maps alive.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "loader/agent_config.h"
#include "loader/map_set.h"

struct sandnet_bpf;

namespace sandnet::dp {

class BpfObjects {
 public:
  // Throws std::runtime_error; a pinned map whose layout or capacity differs
  // from the configuration is refused with a message saying so.
  // The endpoints array covers config.overlay; the other maps are sized by
  // config.capacity.
  static std::unique_ptr<BpfObjects> load(const std::string& bpffs_root, const AgentConfig& config);
  ~BpfObjects();
  BpfObjects(const BpfObjects&) = delete;
  BpfObjects& operator=(const BpfObjects&) = delete;

  MapSet& maps() { return *maps_; }
  int ingress_prog_fd() const;
  int egress_prog_fd() const;
  int overlay_prog_fd() const;   // the VXLAN device's ingress (v7)
  int underlay_prog_fd() const;  // the underlay device's ingress (v7)

 private:
  BpfObjects() = default;
  sandnet_bpf* skel_ = nullptr;
  std::unique_ptr<MapSet> maps_;
};

// Throws std::runtime_error, naming the map, when the maps of the BPF object
// (bpf/lib/maps.h, the one list) and the table user space knows (kMaps)
// differ: a map on one side only is an agent and object out of step.
void check_map_list(const std::vector<std::string>& object_maps);

// Routes libbpf's messages to spdlog (once per process).
void route_libbpf_logs();

}  // namespace sandnet::dp
