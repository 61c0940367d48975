// Devices of the xdp_vs_tc benchmark, in the process's private netns (they
// vanish with it, whatever happens): a real tap (tun driver, IFF_TAP) whose
// fd plays the VM backend, or a veth pair whose far end plays the guest.
#pragma once
#include <cstdint>
#include <string>

#include "loader/unique_fd.h"

namespace sandnet::bench {

struct BenchDevice {
  std::string name;         // the sandbox's "tap": programs attach here
  uint32_t ifindex = 0;
  dp::UniqueFd guest_fd;    // writes = frames from the guest; reads = frames to it
};

// A non-persistent tap (it disappears when guest_fd closes), up. The fd is
// O_NONBLOCK as VM backends open it: only then does tun run XDP natively on
// the written buffer (tun_build_skb) instead of on an skb.
BenchDevice make_tap(const std::string& name);

// A veth pair `name` <-> `name`g, both up; guest_fd is a packet socket bound
// to the guest end (write-only).
BenchDevice make_veth(const std::string& name);

// "xdp" (native/driver), "xdpgeneric", or "none", as `ip link` shows it.
std::string xdp_mode(const std::string& name);

// Turns IPv6 off for devices created from now on: no autoconfiguration or
// router solicitations crossing the programs during a run.
void disable_ipv6_by_default();

}  // namespace sandnet::bench
