// Shared setup of the loader kernel tests: a private netns with four veth
// "taps" and state builders naming them.
#pragma once
#include <cstring>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

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

// Writes one frame into the peer end of a veth; true when the peer took it whole. Once the
// other end is down the peer may refuse it (its carrier went off: the kernel's link watch
// applies that asynchronously, so either outcome is possible right after).
inline bool try_send_from_peer(const std::string& peer, const testkit::Frame& f) {
  int fd = socket(AF_PACKET, SOCK_RAW, 0);
  if (fd < 0) return false;
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_ifindex = static_cast<int>(if_nametoindex(peer.c_str()));
  to.sll_halen = ETH_ALEN;
  ssize_t n = sendto(fd, f.data(), f.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  close(fd);
  return n == static_cast<ssize_t>(f.size());
}

// Writes one frame into the peer end of a veth, so that it arrives on `dev`'s ingress.
inline void send_from_peer(const std::string& peer, const testkit::Frame& f) {
  EXPECT_TRUE(try_send_from_peer(peer, f)) << "sendto on " << peer << ": " << std::strerror(errno);
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
