// Hosts as the control plane registers them (docs/host-feed.md, "Hosts, their overlay
// addresses and their leases"): a number (the VNI the host sends) and an optional underlay
// address. What both stores share for it lives here; their statements stay in
// sqlite_hosts.cc and pg_hosts.cc.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "api/api_error.h"
#include "api/store.h"

namespace sandnet::api {

constexpr int64_t kMaxHostNumber = 16777215;  // a VNI has 24 bits; 0 is never used

// The smallest number no host holds (NULL when all are taken); the same text in both SQL
// dialects.
extern const char* const kFreeHostNumberSql;

// A unicast IPv4 address in dotted-quad text, returned canonical. Throws ApiError 400
// "invalid_underlay" for anything else: 0.0.0.0/8, loopback, multicast, broadcast, text
// that is not an address.
std::string parse_underlay(std::string_view text);

ApiError underlay_taken(const std::string& underlay, const std::string& holder);
ApiError host_numbers_exhausted();

// Registers (or updates the underlay of) a host in one write transaction.
HostRegistration register_host(Store& store, const std::string& id, const std::string& underlay);

}  // namespace sandnet::api
