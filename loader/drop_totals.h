// Drop totals by hook and reason that only ever grow, for a Prometheus counter. The kernel's
// per-tap counters (drop_counts, read by MapSet::read_counters) do not: a row is zeroed when
// a tap takes it, and a tap's row leaves the read when the tap goes. Each read is compared with
// the previous one per (ifindex, hook): growth is added, a fall is a reset whose new value is
// all new. What a departed tap dropped after the last read is lost (at most one scrape's worth).
#pragma once
#include <cstdint>
#include <map>
#include <utility>

#include "sandnet/dp_abi.h"

namespace sandnet::dp {

class DropTotals {
 public:
  // (ifindex, hook) -> that tap's counters on that hook, summed over CPUs.
  using Read = std::map<std::pair<uint32_t, uint32_t>, sn_counters>;
  // (hook, reason) -> drops since this object was made.
  using Totals = std::map<std::pair<unsigned, unsigned>, uint64_t>;

  void add(const Read& now);
  const Totals& totals() const { return totals_; }

 private:
  Read last_;
  Totals totals_;
};

}  // namespace sandnet::dp
