// A device's administrative state (IFF_UP) over rtnetlink. A device that is down passes no
// frame either way (a tap's writer gets EIO, a veth drops what its peer sends): the one
// fail-closed state that needs no program on the device. Read it with query_link()
// (link_identity.h): LinkIdentity::up.
#pragma once

namespace sandnet::netlink {

// Sets or clears IFF_UP on device `ifindex`. Returns 0 or the positive errno.
int set_link_up(unsigned ifindex, bool up);

// Sets the MTU of device `ifindex`. Returns 0 or the positive errno.
int set_link_mtu(unsigned ifindex, unsigned mtu);

}  // namespace sandnet::netlink
