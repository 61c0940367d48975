#include "loader/drop_totals.h"

namespace sandnet::dp {

void DropTotals::add(const Read& now) {
  for (const auto& [key, counters] : now) {
    auto before = last_.find(key);
    for (unsigned r = 0; r < SN_DROP__MAX; ++r) {
      uint64_t was = before == last_.end() ? 0 : before->second.drops[r];
      uint64_t is = counters.drops[r];
      uint64_t grown = is >= was ? is - was : is;  // fell: the row was reset, all of it is new
      if (grown) totals_[{key.second, r}] += grown;
    }
  }
  last_ = now;
}

}  // namespace sandnet::dp
