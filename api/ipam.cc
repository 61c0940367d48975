#include "api/ipam.h"

#include <arpa/inet.h>

#include <charconv>
#include <limits>

#include <fmt/format.h>

#include "api/api_error.h"
#include "api/store.h"

namespace sandnet::api {

uint32_t Ipv4Pool::broadcast() const {
  uint32_t host_mask = prefix_len >= 32 ? 0 : (0xffffffffu >> prefix_len);
  return network | host_mask;
}

std::string Ipv4Pool::to_string() const {
  return fmt::format("{}/{}", format_ipv4(network), prefix_len);
}

std::optional<uint32_t> parse_ipv4(std::string_view text) {
  if (text.size() > 15) return std::nullopt;
  std::string copy(text);
  in_addr addr{};
  if (inet_pton(AF_INET, copy.c_str(), &addr) != 1) return std::nullopt;
  return ntohl(addr.s_addr);
}

std::string format_ipv4(uint32_t address) {
  return fmt::format("{}.{}.{}.{}", address >> 24, (address >> 16) & 0xff, (address >> 8) & 0xff,
                     address & 0xff);
}

std::optional<Ipv4Pool> parse_ipv4_pool(std::string_view cidr) {
  size_t slash = cidr.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto address = parse_ipv4(cidr.substr(0, slash));
  std::string_view len_text = cidr.substr(slash + 1);
  int len = -1;
  auto [end, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
  if (!address || ec != std::errc() || end != len_text.data() + len_text.size()) {
    return std::nullopt;
  }
  if (len < 8 || len > 29) return std::nullopt;
  Ipv4Pool pool{*address, len};
  if ((pool.network & ~(0xffffffffu << (32 - len))) != 0) return std::nullopt;  // host bits set
  return pool;
}

uint32_t allocate_ip(WriteTx& tx, const IpamConfig& config, const std::string& sandbox_id,
                     int64_t now_ms) {
  const uint32_t first = config.pool.first_assignable();
  const uint32_t last = config.pool.last_assignable();
  // Addresses are never deleted from the allocation table, so the highest one ever used is
  // the high-water mark of fresh addresses.
  std::optional<uint32_t> highest = tx.highest_ip(first, last);
  if (!highest || *highest < last) {
    uint32_t fresh = highest ? *highest + 1 : first;
    tx.claim_ip(fresh, sandbox_id);
    return fresh;
  }
  // A live host that has not applied the release may still hold the address in its maps
  // (docs/host-feed.md): reuse waits for every live host, as stored (applied_persister.h).
  std::optional<int64_t> applied_floor = tx.live_hosts_applied_floor();
  std::optional<uint32_t> reusable = tx.oldest_released_ip(
      first, last, now_ms - config.quarantine_ms,
      applied_floor ? *applied_floor : std::numeric_limits<int64_t>::max());
  if (!reusable) {
    throw ApiError(503, "pool_exhausted",
                   fmt::format("no free address in pool {} (freed addresses are quarantined, and "
                               "wait until every live host has applied their release)",
                               config.pool.to_string()),
                   {}, 60);  // the earliest quarantine ends some time later: come back then
  }
  tx.claim_ip(*reusable, sandbox_id);
  return *reusable;
}

}  // namespace sandnet::api
