// Creating the host's VXLAN device over rtnetlink (what `ip link add NAME type vxlan external
// dstport PORT nolearning` does): collect-metadata mode, so one device carries every network
// and the BPF programs choose each frame's remote and VNI.
#pragma once
#include <cstdint>
#include <string>

namespace sandnet::netlink {

// Creates it (down; the caller sets MTU and up). Returns 0 or the positive errno (EEXIST when
// a device has the name).
int create_vxlan(const std::string& name, uint16_t port);

}  // namespace sandnet::netlink
