// Typed reads and writes of the datapath maps, given their fds: used by the
// agent (fds from the loaded skeleton) and by sandnetctl (fds from the pins).
// This is the only code that turns a Plan into map syscalls.
#pragma once
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "loader/map_image.h"
#include "loader/map_plan.h"
#include "loader/unique_fd.h"

namespace sandnet::dp {

struct MapFds {
  UniqueFd config, endpoints, taps, taps_overflow, reach, set_nets, networks, drop_counts, drop_events, hosts,
      underlay_hosts;
};

// The maps user space knows, by pin name: the one table on this side. The
// object's own list (bpf/lib/maps.h) is checked against it at load, both
// ways (BpfObjects::load); open_pinned and the CLI walk it.
inline constexpr std::pair<const char*, UniqueFd MapFds::*> kMaps[] = {
    {"config", &MapFds::config},           {"endpoints", &MapFds::endpoints},
    {"taps", &MapFds::taps},               {"taps_overflow", &MapFds::taps_overflow},
    {"reach", &MapFds::reach},             {"set_nets", &MapFds::set_nets},
    {"networks", &MapFds::networks},       {"drop_counts", &MapFds::drop_counts},
    {"drop_events", &MapFds::drop_events}, {"hosts", &MapFds::hosts},
    {"underlay_hosts", &MapFds::underlay_hosts},
};
static_assert(sizeof(MapFds) == std::size(kMaps) * sizeof(UniqueFd), "a MapFds member without a kMaps row");

class MapSet {
 public:
  // Throws std::runtime_error when the taps array is not a power of two.
  explicit MapSet(MapFds fds);
  // Opens <root>/<SN_LAYOUT_DIR>/<map> for each map; throws std::runtime_error if absent.
  static MapSet open_pinned(const std::string& bpffs_root);

  MapImage read_image() const;
  std::optional<sn_config> read_config() const;  // nullopt while never written
  void write_config(const sn_config& cfg);
  // A tap's entry, in its slot or in taps_overflow; nullopt when it has none.
  std::optional<sn_tap> read_tap(uint32_t ifindex) const;
  // Summed over CPUs, per {ifindex, hook}, for rows with a drop; ifindex 0
  // holds the drops on devices without a tap entry.
  std::map<std::pair<uint32_t, uint32_t>, sn_counters> read_counters() const;

  // Executes the plan's ops in their order, knowing nothing of phases. Consecutive puts into
  // one map go in one BPF_MAP_UPDATE_BATCH call of at most `max_batch` ops
  // (loader/op_batches.h); max_batch 1 writes op by op. Either way the maps go through the
  // same states in the same order. Throws on the first failing syscall, with the map in the
  // message (the ops before it stay written: within a batch, those before the refused one).
  // Returns the number of writes (ops, not syscalls).
  size_t apply(const Plan& plan, size_t max_batch = kMaxBatch);
  static constexpr size_t kMaxBatch = 1024;  // bounds the buffers (≤ 270 KiB) of one call

  const MapFds& fds() const { return fds_; }

 private:
  // Every tap entry (slots and overflow), by ifindex.
  std::map<uint32_t, sn_tap> read_taps() const;
  // Writes tap `ifindex`'s entry where place_tap (loader/tap_slots.h) says; erase_tap
  // empties its slot (if it holds it) and deletes its overflow entry.
  void write_tap(uint32_t ifindex, sn_tap entry);
  void erase_tap(uint32_t ifindex);
  void reset_counter_row(uint32_t row);  // zero on every CPU
  ReachRow read_reach_row(uint32_t base, uint32_t words) const;
  void fill_reach_row(uint32_t base, uint32_t words, const ReachRow& row);
  MapFds fds_;
  uint32_t tap_slots_ = 0;  // max_entries of the taps array
};

}  // namespace sandnet::dp
