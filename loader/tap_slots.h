// Where a tap's entry lives (layout v6): the slot ifindex & (tap_slots - 1)
// of the taps array, or the taps_overflow hash (bpf/include/sandnet/dp_abi.h,
// struct sn_tap). Pure placement rules, no kernel: MapSet executes them.
#pragma once
#include <cstdint>

#include "loader/agent_config.h"

namespace sandnet::dp {

// Slots of the taps array: the smallest power of two >= 2 x max_local_taps, so that
// the slot of a tap is a mask of its ifindex and most taps find their slot free.
uint32_t tap_slots(const Capacity& capacity);

inline uint32_t tap_slot_of(uint32_t ifindex, uint32_t slots) { return ifindex & (slots - 1); }

enum class TapHome { kSlot, kOverflow };

// Where the entry of tap `ifindex` is written, given what its slot holds now
// (slot_owner: the ifindex of the slot's entry, 0 when empty) and whether the
// tap has an overflow entry now. A tap never moves while it has an entry:
// one in its slot stays there, one in overflow stays there even once its slot
// is free (a move would be a window where a reader finds neither); a slot
// another ifindex holds sends the newcomer to overflow. Deleting an entry
// never moves another.
TapHome place_tap(uint32_t ifindex, uint32_t slot_owner, bool in_overflow);

}  // namespace sandnet::dp
