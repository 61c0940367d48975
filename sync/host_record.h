// A host as the feed lists it (docs/host-feed.md, "Hosts, their overlay addresses and their
// leases"): its id, its number (the VNI it sends), its underlay address and whether its lease
// is current. The agent installs a peer placed on another host only while that host's record
// is live and has an underlay address (overlay_reaches()).
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace sandnet::sync {

struct HostRecord {
  std::string id;                       // a DNS label
  uint32_t number = 0;                  // 1 .. 2^24 - 1
  std::optional<std::string> underlay;  // dotted IPv4; none: no tunnel to this host
  bool live = false;                    // its lease is current
  bool operator==(const HostRecord&) const = default;

  // Peers placed on this host can be reached over the overlay.
  bool overlay_reaches() const { return live && underlay.has_value(); }
};

HostRecord parse_host(const nlohmann::json& j);  // throws FeedFormatError
nlohmann::json to_json(const HostRecord& h);

}  // namespace sandnet::sync
