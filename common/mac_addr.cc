#include "common/mac_addr.h"

#include <arpa/inet.h>

#include <charconv>
#include <stdexcept>

#include <fmt/format.h>

namespace sandnet {

std::optional<MacAddr> parse_mac(std::string_view text) {
  if (text.size() != 17) return std::nullopt;
  MacAddr mac{};
  for (size_t i = 0; i < mac.size(); ++i) {
    if (i > 0 && text[i * 3 - 1] != ':') return std::nullopt;
    const char* first = text.data() + i * 3;
    unsigned v = 0;
    auto [end, ec] = std::from_chars(first, first + 2, v, 16);
    if (ec != std::errc{} || end != first + 2) return std::nullopt;
    mac[i] = static_cast<uint8_t>(v);
  }
  return mac;
}

std::string format_mac(const uint8_t* m) {
  return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", m[0], m[1], m[2], m[3], m[4], m[5]);
}

MacAddr derived_mac(uint32_t ipv4_be) {
  auto* b = reinterpret_cast<const uint8_t*>(&ipv4_be);
  return {0x02, 0x00, b[0], b[1], b[2], b[3]};
}

std::string derived_mac_text(std::string_view ipv4) {
  in_addr a{};
  if (ipv4.size() >= INET_ADDRSTRLEN || inet_pton(AF_INET, std::string(ipv4).c_str(), &a) != 1)
    throw std::invalid_argument(fmt::format("not an IPv4 address: {}", ipv4));
  return format_mac(derived_mac(a.s_addr));
}

std::string normalized_mac(std::string_view text) {
  auto mac = parse_mac(text);
  if (!mac) throw std::invalid_argument(fmt::format("not a MAC address: \"{}\"", text));
  return format_mac(*mac);
}

}  // namespace sandnet
