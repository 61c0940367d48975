// Optional guest network setup for images without their own: the overlay address on the
// overlay interface, the link up, and a host route to the host's link-local address (so
// replies to the table push find their way back). Plain rtnetlink, no `ip` binary needed.
#pragma once

#include <optional>
#include <string>

namespace sandnet::guestd {

// `cidr` like "10.42.0.5/16". Idempotent (replaces). Throws std::system_error or
// std::invalid_argument.
void configure_interface(const std::string& device, const std::string& cidr,
                         const std::optional<std::string>& host_link_local);

}  // namespace sandnet::guestd
