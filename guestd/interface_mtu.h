// The guest MTU the host pushes ("SNT2" frames, common/push/push_protocol.h): set on the
// interface that holds the address the push arrived on, which is the overlay interface.
#pragma once
#include <cstdint>
#include <string>

namespace sandnet::guestd {

// The interface holding IPv4 `address` (network order); empty when none does.
std::string interface_with_address(uint32_t address);

// Sets `device`'s MTU to `mtu` unless it already has it. Returns true when it changed it;
// throws std::system_error when the kernel refuses (e.g. above the device's maximum).
bool set_interface_mtu(const std::string& device, uint32_t mtu);

}  // namespace sandnet::guestd
