// Overlay IPv4 address management. A pool is a CIDR (default 10.42.0.0/16); its network
// address, its broadcast address and the first host address (the gateway every guest
// routes through) are never handed to a sandbox. Fresh addresses are used first, in order;
// once the pool has been walked, an address freed by a deleted sandbox is reused only after
// the quarantine has passed and every live host has applied the revision that released it
// (docs/host-feed.md), oldest release first, so a stale peer entry anywhere cannot point at
// a new tenant's sandbox.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sandnet::api {

class WriteTx;

struct Ipv4Pool {
  uint32_t network = 0;  // host byte order
  int prefix_len = 16;

  uint32_t broadcast() const;
  uint32_t gateway() const { return network + 1; }
  uint32_t first_assignable() const { return network + 2; }
  uint32_t last_assignable() const { return broadcast() - 1; }
  std::string to_string() const;
};

// "a.b.c.d/len" with len 8..29 (a /30 has no room after the reserved addresses) and no host
// bits set. nullopt for anything else.
std::optional<Ipv4Pool> parse_ipv4_pool(std::string_view cidr);

std::optional<uint32_t> parse_ipv4(std::string_view text);
std::string format_ipv4(uint32_t address);

struct IpamConfig {
  Ipv4Pool pool = *parse_ipv4_pool("10.42.0.0/16");
  int64_t quarantine_ms = 10 * 60 * 1000;
};

// Picks and claims an address for `sandbox_id` inside the caller's write transaction.
// Throws ApiError 503 "pool_exhausted" when nothing is free.
uint32_t allocate_ip(WriteTx& tx, const IpamConfig& config, const std::string& sandbox_id,
                     int64_t now_ms);

}  // namespace sandnet::api
