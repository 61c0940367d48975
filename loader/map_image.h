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

using SetPair = std::pair<uint32_t, uint32_t>;  // {src_set, dst_set}
using NetIndexList = std::vector<uint32_t>;     // sorted, unique

struct MapImage {
  std::map<uint32_t, sn_endpoint> endpoints;  // overlay IP (network order) ->
  std::map<uint32_t, sn_tap> taps;            // ifindex ->
  std::map<SetPair, uint32_t> pairs;          // -> allowing net_index
  std::map<uint32_t, NetIndexList> set_nets;  // set_id ->
  std::map<uint32_t, std::string> networks;   // net_index -> "net-<ULID>"
};

template <typename T>
bool same_bytes(const T& a, const T& b) {
  return std::memcmp(&a, &b, sizeof(T)) == 0;
}

bool operator==(const MapImage& a, const MapImage& b);

}  // namespace sandnet::dp
