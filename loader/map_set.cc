#include "loader/map_set.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fmt/format.h>

#include <arpa/inet.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <span>
#include <stdexcept>
#include <utility>
#include <variant>
#include <vector>

#include "loader/net_addr.h"
#include "loader/op_batches.h"
#include "loader/pin_paths.h"
#include "loader/tap_slots.h"

namespace sandnet::dp {
namespace {

[[noreturn]] void sys_fail(const std::string& what, int err) {
  throw std::runtime_error(fmt::format("{}: {}", what, std::strerror(err)));
}

UniqueFd open_pin(const std::string& root, const char* name) {
  auto path = map_pin(root, name);
  int fd = bpf_obj_get(path.c_str());
  if (fd < 0) sys_fail("cannot open pinned map " + path, errno);
  return UniqueFd(fd);
}

// Calls fn(key) for every key of a hash map.
template <typename K, typename Fn>
void for_each_key(int fd, Fn fn) {
  K key{}, next{};
  const K* prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, &next) == 0) {
    fn(next);
    key = next;
    prev = &key;
  }
}

template <typename K, typename V>
void put(int fd, const K& key, const V& value, const char* map) {
  if (bpf_map_update_elem(fd, &key, &value, BPF_ANY) != 0)
    sys_fail(fmt::format("update of map {}", map), errno);
}

template <typename K>
void del(int fd, const K& key, const char* map) {
  if (bpf_map_delete_elem(fd, &key) != 0 && errno != ENOENT)
    sys_fail(fmt::format("delete from map {}", map), errno);
}

// One BPF_MAP_UPDATE_BATCH. The kernel (generic_map_update_batch) writes the elements in
// order and stops at the first it refuses, reporting how many it wrote: the map then holds
// what the same writes op by op would have left at that op.
template <typename V>
void put_batch(int fd, const std::vector<uint32_t>& keys, const std::vector<V>& values, const char* map) {
  auto n = static_cast<uint32_t>(keys.size());
  LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = BPF_ANY);
  if (bpf_map_update_batch(fd, keys.data(), values.data(), &n, &opts) == 0) return;
  int err = errno;
  if (n < keys.size())
    sys_fail(fmt::format("update of map {} (batch of {}: the first {} written, key {} refused)", map, keys.size(),
                         n, keys[n]),
             err);
  sys_fail(fmt::format("update of map {} (batch of {} refused)", map, keys.size()), err);
}

// The puts of one run (loader/op_batches.h) in plan order: one syscall for the run, the plain
// update for a run of one (so max_batch 1 is exactly the op-by-op apply). `entry(op)` gives
// the op's key and value; when it throws (an endpoint outside the overlay), the ops before it
// are written first, as op by op.
template <typename V, typename Entry>
void write_run(std::span<const MapOp> ops, int fd, const char* map, Entry entry) {
  std::vector<uint32_t> keys;
  std::vector<V> values;
  keys.reserve(ops.size());
  values.reserve(ops.size());
  auto flush = [&] {
    if (keys.size() == 1) put(fd, keys.front(), values.front(), map);
    else if (!keys.empty()) put_batch(fd, keys, values, map);
  };
  try {
    for (const MapOp& op : ops) {
      auto [key, value] = entry(op);
      keys.push_back(key);
      values.push_back(value);
    }
  } catch (...) {
    flush();
    throw;
  }
  flush();
}

// Calls fn(index, value) for every slot of an array map, read in batches.
template <typename V, typename Fn>
void for_each_slot(int fd, const char* map, Fn fn) {
  constexpr uint32_t kBatch = 4096;
  std::vector<uint32_t> keys(kBatch);
  std::vector<V> values(kBatch);
  uint32_t in = 0, next = 0;
  bool first = true;
  for (;;) {
    uint32_t n = kBatch;
    int rc = bpf_map_lookup_batch(fd, first ? nullptr : &in, &next, keys.data(), values.data(), &n, nullptr);
    int err = errno;
    if (rc != 0 && err != ENOENT) sys_fail(fmt::format("read of map {}", map), err);
    for (uint32_t i = 0; i < n; ++i) fn(keys[i], values[i]);
    if (rc != 0) return;  // ENOENT: past the last slot
    in = next;
    first = false;
  }
}

// The endpoints array is indexed by the host part of the overlay address,
// with the overlay of the config entry: the program indexes the same way.
struct EndpointSlots {
  uint32_t net_be = 0, mask_be = 0;
  uint32_t slot(uint32_t ip_be) const {
    if ((ip_be & mask_be) != net_be)
      throw std::runtime_error(fmt::format("endpoint {} is outside the overlay", format_ipv4(ip_be)));
    return ntohl(ip_be & ~mask_be);
  }
  uint32_t ip(uint32_t slot) const { return net_be | htonl(slot); }
};

}  // namespace

MapSet::MapSet(MapFds fds) : fds_(std::move(fds)) {
  bpf_map_info info{};
  uint32_t len = sizeof info;
  if (bpf_obj_get_info_by_fd(fds_.taps.get(), &info, &len) != 0) sys_fail("cannot inspect map taps", errno);
  if (info.max_entries == 0 || (info.max_entries & (info.max_entries - 1)) != 0)
    throw std::runtime_error(fmt::format("map taps has {} slots, not a power of two", info.max_entries));
  tap_slots_ = info.max_entries;
}

std::optional<sn_tap> MapSet::read_tap(uint32_t ifindex) const {
  uint32_t slot = tap_slot_of(ifindex, tap_slots_);
  sn_tap t{};
  if (bpf_map_lookup_elem(fds_.taps.get(), &slot, &t) == 0 && t.ifindex == ifindex && tap_slot_used(t)) return t;
  if (bpf_map_lookup_elem(fds_.taps_overflow.get(), &ifindex, &t) == 0 && tap_slot_used(t)) return t;
  return std::nullopt;
}

std::map<uint32_t, sn_tap> MapSet::read_taps() const {
  std::map<uint32_t, sn_tap> out;
  // Empty slots (ip == 0, not quarantined) are not entries.
  for_each_slot<sn_tap>(fds_.taps.get(), "taps", [&](uint32_t, const sn_tap& v) {
    if (tap_slot_used(v)) out[v.ifindex] = v;
  });
  for_each_key<uint32_t>(fds_.taps_overflow.get(), [&](uint32_t k) {
    sn_tap v{};
    if (bpf_map_lookup_elem(fds_.taps_overflow.get(), &k, &v) == 0 && tap_slot_used(v)) out.emplace(k, v);
  });
  return out;
}

void MapSet::write_tap(uint32_t ifindex, sn_tap entry) {
  entry.ifindex = ifindex;
  uint32_t slot = tap_slot_of(ifindex, tap_slots_);
  sn_tap held{}, spare{};
  if (bpf_map_lookup_elem(fds_.taps.get(), &slot, &held) != 0) sys_fail("read of map taps", errno);
  // An emptied entry (ip 0, not quarantined) holds its slot for nobody.
  uint32_t owner = held.ifindex == ifindex || tap_slot_used(held) ? held.ifindex : 0;
  bool in_overflow = bpf_map_lookup_elem(fds_.taps_overflow.get(), &ifindex, &spare) == 0;
  if (place_tap(ifindex, owner, in_overflow) == TapHome::kSlot) put(fds_.taps.get(), slot, entry, "taps");
  else put(fds_.taps_overflow.get(), ifindex, entry, "taps_overflow");
}

void MapSet::erase_tap(uint32_t ifindex) {
  uint32_t slot = tap_slot_of(ifindex, tap_slots_);
  sn_tap held{};
  if (bpf_map_lookup_elem(fds_.taps.get(), &slot, &held) != 0) sys_fail("read of map taps", errno);
  if (held.ifindex == ifindex) put(fds_.taps.get(), slot, sn_tap{}, "taps");  // all-zero: empty
  del(fds_.taps_overflow.get(), ifindex, "taps_overflow");
}

ReachRow MapSet::read_reach_row(uint32_t base, uint32_t words) const {
  ReachRow row;
  std::vector<uint32_t> keys(words);
  std::vector<sn_reach_word> values(words);
  uint32_t n = words, next = 0, before = base - 1;  // rows start at 1: base >= words >= 1
  int rc = bpf_map_lookup_batch(fds_.reach.get(), base == 0 ? nullptr : &before, &next, keys.data(),
                                values.data(), &n, nullptr);
  if (rc != 0 && errno != ENOENT) sys_fail("read of map reach", errno);
  for (uint32_t i = 0; i < n && keys[i] < base + words; ++i)
    if (values[i].dst_sets) row[keys[i] - base] = values[i].dst_sets;
  return row;
}

void MapSet::fill_reach_row(uint32_t base, uint32_t words, const ReachRow& row) {
  std::vector<uint32_t> keys(words);
  std::vector<sn_reach_word> values(words);
  for (uint32_t i = 0; i < words; ++i) keys[i] = base + i;
  for (auto& [w, bits] : row)
    if (w < words) values[w].dst_sets = bits;
  put_batch(fds_.reach.get(), keys, values, "reach");
}

void MapSet::reset_counter_row(uint32_t row) {
  int ncpu = libbpf_num_possible_cpus();
  if (ncpu <= 0) sys_fail("cannot count CPUs", -ncpu);
  std::vector<sn_counters> zero(static_cast<size_t>(ncpu));
  for (uint32_t hook = 0; hook < SN_HOOK__MAX; ++hook) {
    uint32_t index = row * SN_HOOK__MAX + hook;
    if (row != 0 && bpf_map_update_elem(fds_.drop_counts.get(), &index, zero.data(), BPF_ANY) != 0)
      sys_fail("reset of map drop_counts", errno);
  }
}

MapSet MapSet::open_pinned(const std::string& root) {
  MapFds f;
  for (auto& [name, fd] : kMaps) f.*fd = open_pin(root, name);
  return MapSet(std::move(f));
}

MapImage MapSet::read_image() const {
  MapImage img;
  auto cfg = read_config();
  if (cfg) {  // without a config no endpoint was ever written
    EndpointSlots slots{cfg->overlay_net, cfg->overlay_mask};
    for_each_slot<sn_endpoint>(fds_.endpoints.get(), "endpoints", [&](uint32_t i, const sn_endpoint& v) {
      if (v.flags & SN_EP_PRESENT) img.endpoints[slots.ip(i)] = v;
    });
  }
  img.taps = read_taps();
  // The rows of the taps present (other rows are never trusted: a row new to
  // a tap is written whole).
  if (cfg && cfg->reach_words != 0)
    for (auto& [_, t] : img.taps)
      if (auto row = read_reach_row(t.reach_base, cfg->reach_words); !row.empty())
        img.reach[t.counter_row] = std::move(row);
  for_each_key<uint32_t>(fds_.set_nets.get(), [&](uint32_t k) {
    sn_set_nets v{};
    if (bpf_map_lookup_elem(fds_.set_nets.get(), &k, &v) == 0)
      img.set_nets[k] = NetIndexList(v.nets, v.nets + std::min<uint32_t>(v.count, SN_MAX_NETS_PER_SET));
  });
  for_each_key<uint32_t>(fds_.networks.get(), [&](uint32_t k) {
    sn_network v{};
    if (bpf_map_lookup_elem(fds_.networks.get(), &k, &v) == 0)
      img.networks[k] = std::string(v.id, strnlen(v.id, sizeof v.id));
  });
  for_each_key<uint32_t>(fds_.hosts.get(), [&](uint32_t k) {
    sn_host v{};
    if (bpf_map_lookup_elem(fds_.hosts.get(), &k, &v) == 0) img.hosts[k] = v;
  });
  for_each_key<uint32_t>(fds_.underlay_hosts.get(), [&](uint32_t k) {
    sn_underlay_host v{};
    if (bpf_map_lookup_elem(fds_.underlay_hosts.get(), &k, &v) == 0) img.underlay_hosts[k] = v.host_number;
  });
  return img;
}

std::optional<sn_config> MapSet::read_config() const {
  uint32_t zero = 0;
  sn_config cfg{};
  if (bpf_map_lookup_elem(fds_.config.get(), &zero, &cfg) != 0) sys_fail("read of map config", errno);
  if (cfg.version == 0) return std::nullopt;
  return cfg;
}

void MapSet::write_config(const sn_config& cfg) {
  uint32_t zero = 0;
  put(fds_.config.get(), zero, cfg, "config");
}

std::map<std::pair<uint32_t, uint32_t>, sn_counters> MapSet::read_counters() const {
  std::map<std::pair<uint32_t, uint32_t>, sn_counters> out;
  int ncpu = libbpf_num_possible_cpus();
  if (ncpu <= 0) sys_fail("cannot count CPUs", -ncpu);
  std::vector<sn_counters> per_cpu(static_cast<size_t>(ncpu));  // sizeof is a multiple of 8
  int fd = fds_.drop_counts.get();
  std::map<uint32_t, uint32_t> ifindex_of_row = {{0, 0}};
  for (auto& [ifindex, t] : read_taps()) ifindex_of_row[t.counter_row] = ifindex;
  for (auto [row, ifindex] : ifindex_of_row) {
    for (uint32_t hook = 0; hook < SN_HOOK__MAX; ++hook) {
      uint32_t index = row * SN_HOOK__MAX + hook;
      if (bpf_map_lookup_elem(fd, &index, per_cpu.data()) != 0) continue;  // row beyond the map
      sn_counters sum{};
      bool any = false;
      for (auto& c : per_cpu)
        for (int r = 0; r < SN_DROP__MAX; ++r) {
          sum.drops[r] += c.drops[r];
          any |= c.drops[r] != 0;
        }
      if (any) out[{ifindex, hook}] = sum;
    }
  }
  return out;
}

size_t MapSet::apply(const Plan& p, size_t max_batch) {
  std::optional<EndpointSlots> slots;  // read from the config at the first endpoint op
  auto slot = [&](uint32_t ip_be) {
    if (!slots) {
      auto cfg = read_config();
      if (!cfg) throw std::runtime_error("endpoints before the config entry: write the config first");
      slots = EndpointSlots{cfg->overlay_net, cfg->overlay_mask};
    }
    return slots->slot(ip_be);
  };
  // Ops written on their own (BatchMap::kNone); the puts go through write_run below.
  auto run_one = OpVisitor{
      [&](const FillReachRow& o) { fill_reach_row(o.row * p.reach_words, p.reach_words, o.words); },
      [&](const PutTap& o) { write_tap(o.ifindex, o.value); },
      [&](const DelTap& o) { erase_tap(o.ifindex); },
      [&](const ResetCounterRow& o) { reset_counter_row(o.row); },
      [&](const DelSet& o) { del(fds_.set_nets.get(), o.set_id, "set_nets"); },
      [&](const DelNetwork& o) { del(fds_.networks.get(), o.index, "networks"); },
      [&](const DelHost& o) { del(fds_.hosts.get(), o.number, "hosts"); },
      [&](const DelUnderlayHost& o) { del(fds_.underlay_hosts.get(), o.underlay_be, "underlay_hosts"); },
      [&](const auto&) { throw std::logic_error("a batchable op outside its run (loader/op_batches.cc)"); },
  };
  for (const OpRun& run : op_runs(p.ops, max_batch)) {
    std::span<const MapOp> ops(p.ops.data() + run.begin, run.size());
    switch (run.map) {
      case BatchMap::kNone:
        std::visit(run_one, ops.front());
        break;
      case BatchMap::kEndpoints:  // an all-zero slot is empty, so a delete is a write of zeros
        write_run<sn_endpoint>(ops, fds_.endpoints.get(), "endpoints", [&](const MapOp& op) {
          if (auto* d = std::get_if<DelEndpoint>(&op)) return std::pair{slot(d->ip_be), sn_endpoint{}};
          auto& o = std::get<PutEndpoint>(op);
          return std::pair{slot(o.ip_be), o.value};
        });
        break;
      case BatchMap::kReach:
        write_run<sn_reach_word>(ops, fds_.reach.get(), "reach", [](const MapOp& op) {
          auto& o = std::get<PutReachWord>(op);
          return std::pair{o.index, sn_reach_word{o.bits}};
        });
        break;
      case BatchMap::kNetworks:
        write_run<sn_network>(ops, fds_.networks.get(), "networks", [](const MapOp& op) {
          auto& o = std::get<PutNetwork>(op);
          sn_network n{};
          std::strncpy(n.id, o.id.c_str(), sizeof n.id - 1);
          return std::pair{o.index, n};
        });
        break;
      case BatchMap::kSetNets:
        write_run<sn_set_nets>(ops, fds_.set_nets.get(), "set_nets", [](const MapOp& op) {
          auto& o = std::get<PutSet>(op);
          sn_set_nets v{};
          v.count = static_cast<uint32_t>(std::min<size_t>(o.nets.size(), SN_MAX_NETS_PER_SET));
          std::copy(o.nets.begin(), o.nets.begin() + v.count, v.nets);
          return std::pair{o.set_id, v};
        });
        break;
      case BatchMap::kHosts:
        write_run<sn_host>(ops, fds_.hosts.get(), "hosts", [](const MapOp& op) {
          auto& o = std::get<PutHost>(op);
          return std::pair{o.number, o.value};
        });
        break;
      case BatchMap::kUnderlayHosts:
        write_run<sn_underlay_host>(ops, fds_.underlay_hosts.get(), "underlay_hosts", [](const MapOp& op) {
          auto& o = std::get<PutUnderlayHost>(op);
          return std::pair{o.underlay_be, sn_underlay_host{o.number, 0}};
        });
        break;
    }
  }
  return p.writes();
}

}  // namespace sandnet::dp
