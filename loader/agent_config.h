// Agent configuration (--config FILE, JSON). Every field optional; defaults
// are sized for the capacity targets.
#pragma once
#include <cstdint>
#include <string>

#include "loader/net_addr.h"
#include "sandnet/dp_abi.h"

namespace sandnet::dp {

// Map capacities, fixed at map creation. Changing one later means purging
// the pinned maps (see docs/datapath.md, "Upgrades").
struct Capacity {
  // Every endpoint this host knows, local or peer. At most the overlay's size
  // (the endpoints map is an array over the overlay); by default equal to it.
  uint32_t max_endpoints = 65536;
  // Local taps, quarantined ones included: one reach row each; the taps array has a power
  // of two >= 2x as many slots (loader/tap_slots.h), the taps_overflow hash this many entries.
  uint32_t max_local_taps = 1024;
  uint32_t max_networks = 16384;
  uint32_t max_sets = 65536;          // distinct network sets: one reach bit each per row
  uint32_t max_nets_per_sandbox = 64; // hard limit of the layout (SN_MAX_NETS_PER_SET)
  uint32_t max_hosts = 1024;          // other hosts owning an endpoint of this view (v7)
};

// The overlay between hosts, as the agent finds it at run time (not a config key): this
// host's number (the VNI it sends), the collect-metadata VXLAN device, and the largest IP
// packet a guest may send across hosts. All 0: single host, remote peers drop as REMOTE_HOST.
struct OverlayLink {
  uint32_t host_number = 0;
  uint32_t vxlan_ifindex = 0;
  uint32_t mtu = 0;
  uint32_t underlay_ifindex = 0;  // carries the underlay filter (not in the BPF config)
  bool operator==(const OverlayLink&) const = default;
};

// What the config says of the overlay (loader/overlay_device.h makes an OverlayLink of it).
// No underlay_device: this host has no overlay.
struct OverlaySetup {
  std::string underlay_device;            // e.g. "eth0": its MTU - 50 is the guests' MTU
  std::string vxlan_device = "sn-vxlan";  // created when missing
  uint32_t host_number = 0;               // 1 .. 2^24 - 1; required with underlay_device
};

// The most local taps accepted: 2^21 slots of the taps array (56 bytes each, 112 MiB).
inline constexpr uint32_t kMaxLocalTaps = 1u << 20;

// The widest overlay accepted: the endpoints array has one 24-byte slot per
// overlay address (a /12 is 1,048,576 slots, 24 MiB).
inline constexpr int kMinOverlayPrefix = 12;

// Words of a tap's row in the reach bitmap: one bit per set id 0..max_sets.
inline uint32_t reach_words_per_row(const Capacity& c) { return c.max_sets / SN_REACH_BITS + 1; }
// The reach map: rows 0 (unused) .. max_local_taps.
inline uint64_t reach_words(const Capacity& c) {
  return (uint64_t{c.max_local_taps} + 1) * reach_words_per_row(c);
}
// The largest reach map accepted (max_local_taps x max_sets / 8 bytes).
inline constexpr uint64_t kMaxReachBytes = uint64_t{1} << 30;

// Slots of the endpoints array: one per address of the overlay.
inline uint32_t overlay_slots(const Ipv4Cidr& overlay) { return 1u << (32 - overlay.prefix); }

enum class AttachMode { kAuto, kTcx, kClsact };

struct AgentConfig {
  Ipv4Cidr overlay{};             // overlay_cidr, default 10.42.0.0/16, at most a /12
  uint32_t host_link_local_be = 0;  // host_link_local, default 169.254.0.1
  MacAddr gateway_mac{0x02, 0x53, 0x4e, 0x00, 0x00, 0x01};
  uint32_t drop_sample_every = 64;  // 1 drop event in N per tap and CPU (the first always); 0 = none
  AttachMode attach_mode = AttachMode::kAuto;
  Capacity capacity{};
  OverlaySetup overlay_setup{};
  OverlayLink overlay_link{};  // set at run time from overlay_setup
};

AgentConfig default_agent_config();
// Throws std::runtime_error with a message naming the bad field.
AgentConfig parse_agent_config(std::string_view json_text);
AgentConfig load_agent_config(const std::string& path);

}  // namespace sandnet::dp
