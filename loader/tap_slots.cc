#include "loader/tap_slots.h"

#include <algorithm>
#include <bit>

namespace sandnet::dp {

uint32_t tap_slots(const Capacity& capacity) {
  return std::bit_ceil(std::max<uint32_t>(2 * capacity.max_local_taps, 2));
}

TapHome place_tap(uint32_t ifindex, uint32_t slot_owner, bool in_overflow) {
  if (slot_owner == ifindex) return TapHome::kSlot;
  if (in_overflow || slot_owner != 0) return TapHome::kOverflow;
  return TapHome::kSlot;
}

}  // namespace sandnet::dp
