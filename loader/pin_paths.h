// Where the datapath's objects live in bpffs. The layout version is part of
// the path (Calico map versioning): a new layout is built beside the old one.
#pragma once
#include <string>

#include "sandnet/dp_abi.h"

namespace sandnet::dp {

inline const char* const kDefaultBpffsRoot = "/sys/fs/bpf/sandnet";

inline std::string layout_dir(const std::string& root) { return root + "/" SN_LAYOUT_DIR; }
inline std::string map_pin(const std::string& root, const std::string& map) {
  return layout_dir(root) + "/" + map;
}
inline std::string links_dir(const std::string& root) { return layout_dir(root) + "/links"; }
// The links of the overlay's two devices (VXLAN, underlay), by role: apart from the taps'.
inline std::string overlay_links_dir(const std::string& root) { return layout_dir(root) + "/overlay_links"; }

}  // namespace sandnet::dp
