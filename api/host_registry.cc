#include "api/host_registry.h"

#include "api/ipam.h"

namespace sandnet::api {

const char* const kFreeHostNumberSql =
    "SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM hosts WHERE number = 1) THEN 1"
    " ELSE (SELECT MIN(h.number) + 1 FROM hosts h WHERE h.number < 16777215"
    "   AND NOT EXISTS (SELECT 1 FROM hosts g WHERE g.number = h.number + 1)) END";

std::string parse_underlay(std::string_view text) {
  std::optional<uint32_t> ip = parse_ipv4(text);
  auto refuse = [&](const std::string& why) {
    return invalid_field("underlay", "invalid_underlay",
                         "underlay '" + std::string(text) + "' " + why);
  };
  if (!ip) throw refuse("is not an IPv4 address (a.b.c.d)");
  uint32_t first = *ip >> 24;
  if (first == 0) throw refuse("is in 0.0.0.0/8 (this network): not a host's address");
  if (first == 127) throw refuse("is a loopback address: other hosts cannot reach it");
  if (first >= 224 && first <= 239) throw refuse("is a multicast address, not a host's");
  if (*ip == 0xffffffffu) throw refuse("is the broadcast address, not a host's");
  if (first >= 240) throw refuse("is in the reserved 240.0.0.0/4, not a host's address");
  return format_ipv4(*ip);
}

ApiError underlay_taken(const std::string& underlay, const std::string& holder) {
  return ApiError(400, "underlay_taken",
                  "underlay " + underlay + " is already the address of host '" + holder + "'",
                  {{"field", "underlay"}});
}

ApiError host_numbers_exhausted() {
  return ApiError(503, "host_numbers_exhausted",
                  "every host number (1-16777215) is taken");
}

HostRegistration register_host(Store& store, const std::string& id, const std::string& underlay) {
  HostRegistration out;
  store.write([&](WriteTx& tx) { out = tx.register_host(id, underlay); });
  return out;
}

}  // namespace sandnet::api
