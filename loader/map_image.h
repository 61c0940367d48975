// A kernel-free picture of the datapath maps' contents: what the loader reads
// back from the pinned maps and what the planner computes. Keys and values
// are the BPF ABI structs (bpf/include/sandnet/dp_abi.h).
#pragma once
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "sandnet/dp_abi.h"

namespace sandnet::dp {

using NetIndexList = std::vector<uint32_t>;     // sorted, unique
// One tap's row of the reach map: word within the row -> bits; the words not
// listed are zero.
using ReachRow = std::map<uint32_t, uint64_t>;

// A taps slot holds an entry: a placed guest (ip != 0) or a quarantined (drop-all) tap.
inline bool tap_slot_used(const sn_tap& t) { return t.ip != 0 || (t.flags & SN_TAP_QUARANTINED); }

struct MapImage {
  std::map<uint32_t, sn_endpoint> endpoints;  // overlay IP (network order) ->
  std::map<uint32_t, sn_tap> taps;            // ifindex ->
  std::map<uint32_t, ReachRow> reach;         // counter_row -> its words (rows with a bit only)
  std::map<uint32_t, NetIndexList> set_nets;  // set_id ->
  std::map<uint32_t, std::string> networks;   // net_index -> "net-<ULID>"
  std::map<uint32_t, sn_host> hosts;          // host number -> underlay address (v7)
  std::map<uint32_t, uint32_t> underlay_hosts;  // underlay IPv4 (network order) -> host number
};

template <typename T>
bool same_bytes(const T& a, const T& b) {
  return std::memcmp(&a, &b, sizeof(T)) == 0;
}

bool operator==(const MapImage& a, const MapImage& b);

// Whether a tap's reach row has the bit of dst_set (what the program tests).
bool reaches(const MapImage& img, const sn_tap& tap, uint32_t dst_set);

}  // namespace sandnet::dp
