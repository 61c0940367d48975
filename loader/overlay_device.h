// The host's side of the overlay between hosts, set up from the config's OverlaySetup: the
// underlay device (given; its MTU sets the guests') and the collect-metadata VXLAN device
// (created when missing, adopted when it is one). Kernel adapter: the datapath gets the
// OverlayLink and attaches its two programs to these devices.
#pragma once
#include "loader/agent_config.h"

namespace sandnet::dp {

// OverlayLink{} (no overlay) when the setup names no underlay device. Throws
// std::runtime_error, naming the device, when the underlay device is missing or its MTU leaves
// no room, or when a device of the VXLAN name exists and is not a collect-metadata VXLAN on
// SN_VXLAN_PORT: that device is never used nor changed.
OverlayLink prepare_overlay(const OverlaySetup& setup);

}  // namespace sandnet::dp
