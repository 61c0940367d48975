// IPv4 text forms used by the state file, the config and the CLI (MAC addresses:
// common/mac_addr.h). Addresses are kept in network byte order, as the BPF maps store them.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/mac_addr.h"

namespace sandnet::dp {

// The datapath's code spells these dp::; there is one implementation, in common/.
using sandnet::format_mac;
using sandnet::is_unicast_mac;
using sandnet::MacAddr;
using sandnet::parse_mac;

struct Ipv4Cidr {
  uint32_t net_be = 0;
  uint32_t mask_be = 0;
  int prefix = 0;
  bool contains(uint32_t ip_be) const { return (ip_be & mask_be) == net_be; }
};

std::optional<uint32_t> parse_ipv4(std::string_view text);
std::string format_ipv4(uint32_t ip_be);
// "a.b.c.d/n" with no host bits set.
std::optional<Ipv4Cidr> parse_cidr(std::string_view text);

}  // namespace sandnet::dp
