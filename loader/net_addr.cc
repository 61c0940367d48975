#include "loader/net_addr.h"

#include <arpa/inet.h>

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

}  // namespace sandnet::dp
