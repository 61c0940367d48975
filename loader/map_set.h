// Typed reads and writes of the datapath maps, given their fds: used by the
// agent (fds from the loaded skeleton) and by sandnetctl (fds from the pins).
// This is the only code that turns a Plan into map syscalls.
#pragma once
#include <map>
#include <optional>
#include <string>

#include "loader/map_image.h"
#include "loader/map_plan.h"
#include "loader/unique_fd.h"

namespace sandnet::dp {

struct MapFds {
  UniqueFd config, endpoints, taps, reach, set_nets, networks, drop_counts, drop_events;
};

class MapSet {
 public:
  explicit MapSet(MapFds fds) : fds_(std::move(fds)) {}
  // Opens <root>/v5/<map> for each map; throws std::runtime_error if absent.
  static MapSet open_pinned(const std::string& bpffs_root);

  MapImage read_image() const;
  std::optional<sn_config> read_config() const;  // nullopt while never written
  void write_config(const sn_config& cfg);
  // Summed over CPUs, per {ifindex, hook}, for rows with a drop; ifindex 0
  // holds the drops on devices without a tap entry.
  std::map<std::pair<uint32_t, uint32_t>, sn_counters> read_counters() const;

  // Executes the plan's ops in their order, knowing nothing of phases. Throws on the first
  // failing syscall, with the map in the message (the ops before it stay written). Returns
  // the number of writes.
  size_t apply(const Plan& plan);

  const MapFds& fds() const { return fds_; }

 private:
  void reset_counter_row(uint32_t row);  // zero on every CPU
  ReachRow read_reach_row(uint32_t base, uint32_t words) const;
  void fill_reach_row(uint32_t base, uint32_t words, const ReachRow& row);
  MapFds fds_;
};

}  // namespace sandnet::dp
