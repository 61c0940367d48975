#include "loader/net_addr.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <charconv>

namespace sandnet::dp {

std::optional<uint32_t> parse_ipv4(std::string_view text) {
  if (text.empty() || text.size() > 15) return std::nullopt;
  std::string s(text);
  in_addr a{};
  if (inet_pton(AF_INET, s.c_str(), &a) != 1) return std::nullopt;
  return a.s_addr;
}

std::string format_ipv4(uint32_t ip_be) {
  char buf[INET_ADDRSTRLEN] = {};
  in_addr a{ip_be};
  inet_ntop(AF_INET, &a, buf, sizeof buf);
  return buf;
}

std::optional<Ipv4Cidr> parse_cidr(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto ip = parse_ipv4(text.substr(0, slash));
  auto len = text.substr(slash + 1);
  int prefix = -1;
  auto [p, ec] = std::from_chars(len.data(), len.data() + len.size(), prefix);
  if (!ip || ec != std::errc{} || p != len.data() + len.size() || prefix < 0 || prefix > 32)
    return std::nullopt;
  uint32_t mask_host = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
  Ipv4Cidr c{*ip, htonl(mask_host), prefix};
  if ((c.net_be & c.mask_be) != c.net_be) return std::nullopt;
  return c;
}

std::optional<MacAddr> parse_mac(std::string_view text) {
  if (text.size() != 17) return std::nullopt;
  MacAddr mac{};
  for (size_t i = 0; i < 6; ++i) {
    if (i > 0 && text[i * 3 - 1] != ':') return std::nullopt;
    auto part = text.substr(i * 3, 2);
    unsigned v = 0;
    auto [p, ec] = std::from_chars(part.data(), part.data() + 2, v, 16);
    if (ec != std::errc{} || p != part.data() + 2) return std::nullopt;
    mac[i] = static_cast<uint8_t>(v);
  }
  return mac;
}

std::string format_mac(const uint8_t* m) {
  return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", m[0], m[1], m[2], m[3], m[4],
                     m[5]);
}

}  // namespace sandnet::dp
