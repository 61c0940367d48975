// Small builders for desired states and an emulation of the BPF verdict on
// a MapImage, so plan tests can check reachability without a kernel.
#pragma once
#include <fmt/format.h>

#include <cstdint>
#include <map>
#include <variant>
#include <string>

#include "loader/desired_state.h"
#include "loader/map_plan.h"

namespace sandnet::dp::planfx {

inline std::string sb(int i) { return fmt::format("sb_01J{:023d}", i); }
inline std::string net(int i) { return fmt::format("net-01J{:023d}", i); }
inline uint32_t ip_of(int i) { return *parse_ipv4(fmt::format("10.42.{}.{}", i / 250, i % 250 + 1)); }
inline std::string tap_of(int i) { return fmt::format("t{}", i); }

// Endpoint i on tap t<i> with ifindex 100+i (local) or remote.
inline EndpointSpec endpoint(int i, bool local = true) {
  EndpointSpec e;
  e.sandbox_id = sb(i);
  e.ip_be = ip_of(i);
  e.mac = {0x02, 0, 0, 0, static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i)};
  if (local) e.tap = tap_of(i);
  else e.host = "other-host";
  return e;
}

// Sandboxes 0..n-1 (local), networks given as lists of sandbox numbers.
inline DesiredState state(int n, const std::map<int, std::vector<int>>& nets) {
  DesiredState s;
  for (int i = 0; i < n; ++i) s.endpoints.push_back(endpoint(i));
  for (auto& [id, members] : nets) {
    NetworkSpec ns{net(id), {}};
    for (int m : members) ns.members.push_back(sb(m));
    s.networks.push_back(ns);
  }
  return s;
}

inline TapResolver fake_taps() {
  return [](const std::string& name) -> std::optional<TapInfo> {
    if (name.size() < 2 || name[0] != 't') return std::nullopt;
    int i = std::stoi(name.substr(1));
    return TapInfo{static_cast<uint32_t>(100 + i), {0x0e, 0, 0, 0, 0, static_cast<uint8_t>(i)}};
  };
}

// What tap_ingress decides for an IPv4 packet from local sandbox `from` to `to`.
inline bool allowed(const MapImage& img, int from, int to) {
  auto tap = img.taps.find(100 + from);
  auto dst = img.endpoints.find(ip_of(to));
  if (tap == img.taps.end() || dst == img.endpoints.end()) return false;
  if (tap->second.set_id == 0 || dst->second.set_id == 0) return false;
  return reaches(img, tap->second, dst->second.set_id);
}

// One reach word written by absolute index, as MapSet does.
inline void set_reach_word(MapImage& img, uint32_t words_per_row, uint32_t index, uint64_t bits) {
  auto& row = img.reach[index / words_per_row];
  if (bits) row[index % words_per_row] = bits;
  else row.erase(index % words_per_row);
  if (row.empty()) img.reach.erase(index / words_per_row);
}

// What one op does to the maps, as MapSet writes it.
inline void apply_op(MapImage& img, const MapOp& op, uint32_t words) {
  std::visit(OpVisitor{
                 [&](const PutNetwork& o) { img.networks[o.index] = o.id; },
                 [&](const PutSet& o) { img.set_nets[o.set_id] = o.nets; },
                 [&](const FillReachRow& o) {
                   img.reach.erase(o.row);
                   for (auto& [w, bits] : o.words) set_reach_word(img, words, o.row * words + w, bits);
                 },
                 [&](const PutReachWord& o) { set_reach_word(img, words, o.index, o.bits); },
                 [&](const PutEndpoint& o) {
                   if (o.value.flags & SN_EP_PRESENT) img.endpoints[o.ip_be] = o.value;
                   else img.endpoints.erase(o.ip_be);
                 },
                 [&](const PutTap& o) {
                   if (tap_slot_used(o.value)) img.taps[o.ifindex] = o.value;
                   else img.taps.erase(o.ifindex);
                 },
                 [&](const DelEndpoint& o) { img.endpoints.erase(o.ip_be); },
                 [&](const DelTap& o) { img.taps.erase(o.ifindex); },
                 [&](const ResetCounterRow&) {},
                 [&](const DelSet& o) { img.set_nets.erase(o.set_id); },
                 [&](const DelNetwork& o) { img.networks.erase(o.index); },
                 [&](const PutHost& o) { img.hosts[o.number] = o.value; },
                 [&](const DelHost& o) { img.hosts.erase(o.number); },
                 [&](const PutUnderlayHost& o) { img.underlay_hosts[o.underlay_be] = o.number; },
                 [&](const DelUnderlayHost& o) { img.underlay_hosts.erase(o.underlay_be); },
             },
             op);
}

// The first n ops of a plan (all by default), in order.
inline void apply_ops(MapImage& img, const Plan& p, size_t n = SIZE_MAX) {
  for (size_t i = 0; i < p.ops.size() && i < n; ++i) apply_op(img, p.ops[i], p.reach_words);
}

// The ops of one kind, in plan order.
template <typename T>
std::vector<T> ops_of(const Plan& p) {
  std::vector<T> out;
  for (auto& op : p.ops)
    if (auto* o = std::get_if<T>(&op)) out.push_back(*o);
  return out;
}

}  // namespace sandnet::dp::planfx
