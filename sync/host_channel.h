// The host side of the link-local channel to one guest (bpf/lib/host_channel.h lets exactly
// this through): the host's link-local address (169.254.0.1/32, scope link) on the guest's tap,
// and a /32 route to the guest's overlay address through that tap with the link-local address
// as source, and strict rp_filter on the tap. The host can then connect to the guest's guestd;
// the datapath lets the guest answer but never originate. One address per tap, so removing one guest's channel never
// disturbs another's. Plain rtnetlink; idempotent.
#pragma once
#include <string>

namespace sandnet::sync {

// Throws std::system_error (e.g. ENODEV when the tap is gone).
void open_host_channel(const std::string& tap, const std::string& guest_ip, const std::string& host_link_local);
// Best effort: a vanished tap took its address and route with it.
void close_host_channel(const std::string& tap, const std::string& guest_ip, const std::string& host_link_local);

}  // namespace sandnet::sync
