// What a membership or placement change does to hosts' views, decided from a network's
// placed-member counts per host (network_hosts). Both stores call these, so the host feed's
// bookkeeping is decided in one place; each store only runs its own statements.
#pragma once
#include <cstdint>
#include <map>
#include <set>
#include <string>

namespace sandnet::api {

using HostCounts = std::map<std::string, int64_t>;

// A member placed on `host` (empty: not placed) joins or leaves a network whose other
// members are placed as `others` says. Every host seeing the network is touched, and
// `host`'s view gains (or loses) the network unless another member keeps it there.
struct MembershipEffect {
  std::set<std::string> touched;
  bool view_edge = false;  // record an entered/left edge for `host`
};
MembershipEffect membership_effect(const HostCounts& others, const std::string& host);

// A member of a network moves from old_host to new_host (either may be empty); `before`
// still counts it on old_host.
struct MoveEffect {
  std::set<std::string> others;  // hosts that see the network through its other members
  bool enters_new = false;       // the network enters new_host's view
  bool leaves_old = false;       // the network leaves old_host's view
};
MoveEffect move_effect(const HostCounts& before, const std::string& old_host,
                       const std::string& new_host);

}  // namespace sandnet::api
