// Shared setup of the loader kernel tests: a private netns with four veth
// "taps" and state builders naming them.
#pragma once
#include <fmt/format.h>

#include <map>
#include <vector>

#include "frames.h"
#include "loader/datapath.h"
#include "test_host.h"

namespace sandnet::dp::kworld {

inline constexpr int kTaps = 4;

inline std::string sb(int i) { return fmt::format("sb_01J{:023d}", i); }
inline std::string net(int i) { return fmt::format("net-01J{:023d}", i); }
inline std::string tap(int i) { return fmt::format("snl-{}", i); }
inline uint32_t ip(int i) { return *parse_ipv4(fmt::format("10.42.1.{}", i + 1)); }

// Creates the taps once per process; returns their ifindexes.
inline const std::vector<uint32_t>& taps() {
  static std::vector<uint32_t> ifindexes = [] {
    if (!testkit::enter_private_netns()) std::exit(1);
    std::vector<uint32_t> out;
    for (int i = 0; i < kTaps; ++i)
      out.push_back(testkit::add_device(tap(i), {0x0e, 0, 0, 0, 1, static_cast<uint8_t>(i)}));
    return out;
  }();
  return ifindexes;
}

inline DesiredState state(int n, const std::map<int, std::vector<int>>& nets) {
  taps();
  DesiredState s;
  for (int i = 0; i < n; ++i)
    s.endpoints.push_back({sb(i), tap(i), ip(i), {0x02, 0, 0, 0, 1, static_cast<uint8_t>(i)}, ""});
  for (auto& [id, members] : nets) {
    NetworkSpec ns{net(id), {}};
    for (int m : members) ns.members.push_back(sb(m));
    s.networks.push_back(ns);
  }
  return s;
}

inline AgentConfig small_config() {
  AgentConfig c = default_agent_config();
  c.capacity.max_endpoints = 64;
  c.capacity.max_local_taps = 16;
  c.capacity.max_networks = 64;
  c.capacity.max_sets = 64;
  return c;
}

}  // namespace sandnet::dp::kworld
