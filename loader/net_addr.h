// IPv4 / MAC text forms used by the state file, the config and the CLI.
// Addresses are kept in network byte order, as the BPF maps store them.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sandnet::dp {

using MacAddr = std::array<uint8_t, 6>;

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
// "aa:bb:cc:dd:ee:ff", case-insensitive.
std::optional<MacAddr> parse_mac(std::string_view text);
std::string format_mac(const uint8_t* mac);
inline std::string format_mac(const MacAddr& mac) { return format_mac(mac.data()); }
inline bool is_unicast_mac(const MacAddr& m) {
  return (m[0] & 1) == 0 && m != MacAddr{};
}

}  // namespace sandnet::dp
