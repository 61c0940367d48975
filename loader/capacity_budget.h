// The room left in the capacity-limited maps while the planner admits entries one by one.
// Counted at the update's peak: everything the maps hold now stays until the last phase, so
// an entry costs only what it adds (a new endpoint key, reach row, network or set).
#pragma once
#include <cstdint>
#include <string>

#include <fmt/format.h>

#include "loader/agent_config.h"

namespace sandnet::dp {

struct CapacityNeed {
  uint32_t endpoints = 0, rows = 0, networks = 0, sets = 0;
};

class CapacityBudget {
 public:
  CapacityBudget(const Capacity& cap, size_t endpoints, size_t rows, size_t networks, size_t sets)
      : cap_(cap), used_{count(endpoints), count(rows), count(networks), count(sets)} {}

  // The config knob of the first capacity `need` would exceed, or nullptr when it fits.
  const char* exceeded(const CapacityNeed& need) const {
    if (need.endpoints && used_.endpoints + need.endpoints > cap_.max_endpoints) return "max_endpoints";
    if (need.rows && used_.rows + need.rows > cap_.max_local_taps) return "max_local_taps";
    if (need.networks && used_.networks + need.networks > cap_.max_networks) return "max_networks";
    if (need.sets && used_.sets + need.sets > cap_.max_sets) return "max_sets";
    return nullptr;
  }
  void take(const CapacityNeed& need) {
    used_.endpoints += need.endpoints;
    used_.rows += need.rows;
    used_.networks += need.networks;
    used_.sets += need.sets;
  }
  // "config max_sets = 64 reached (the maps hold old and new entries side by side until the
  // update ends)": what a quarantine caused by `knob` says.
  std::string why(const char* knob) const {
    return fmt::format("config {} = {} reached, counting old and new entries side by side during the update",
                       knob, value(knob));
  }

 private:
  static uint32_t count(size_t n) { return static_cast<uint32_t>(n); }
  uint32_t value(const std::string& knob) const {
    if (knob == "max_endpoints") return cap_.max_endpoints;
    if (knob == "max_local_taps") return cap_.max_local_taps;
    if (knob == "max_networks") return cap_.max_networks;
    return cap_.max_sets;
  }
  Capacity cap_;
  CapacityNeed used_;
};

}  // namespace sandnet::dp
