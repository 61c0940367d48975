// A device's administrative state (IFF_UP) over rtnetlink. A device that is down passes no
// frame either way (a tap's writer gets EIO, a veth drops what its peer sends): the one
// fail-closed state that needs no program on the device.
#pragma once
#include <optional>

namespace sandnet::netlink {

// Sets or clears IFF_UP on device `ifindex`. Returns 0 or the positive errno.
int set_link_up(unsigned ifindex, bool up);

// Whether device `ifindex` is administratively up; nullopt when there is no such device.
// Throws std::system_error when the kernel cannot be asked.
std::optional<bool> link_is_up(unsigned ifindex);

}  // namespace sandnet::netlink
