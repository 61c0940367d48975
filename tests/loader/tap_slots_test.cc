// Placement of tap entries in the slot array and the overflow hash (layout
// v6), checked on a kernel-free model that applies place_tap as MapSet does.
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <random>
#include <set>

#include "loader/tap_slots.h"

namespace sandnet::dp {
namespace {

// The two maps, as MapSet writes them: slot -> owner ifindex, and the
// ifindexes with an overflow entry.
struct Tables {
  explicit Tables(uint32_t n) : slots(n) {}
  uint32_t slots;
  std::map<uint32_t, uint32_t> slot_owner;
  std::set<uint32_t> overflow;

  TapHome put(uint32_t ifindex) {
    uint32_t s = tap_slot_of(ifindex, slots);
    auto it = slot_owner.find(s);
    TapHome home = place_tap(ifindex, it == slot_owner.end() ? 0 : it->second, overflow.count(ifindex) != 0);
    if (home == TapHome::kSlot) slot_owner[s] = ifindex;
    else overflow.insert(ifindex);
    return home;
  }
  void erase(uint32_t ifindex) {
    auto it = slot_owner.find(tap_slot_of(ifindex, slots));
    if (it != slot_owner.end() && it->second == ifindex) slot_owner.erase(it);
    overflow.erase(ifindex);
  }
  // Where the program finds ifindex: its slot if the slot names it, else overflow.
  std::optional<TapHome> find(uint32_t ifindex) const {
    auto it = slot_owner.find(tap_slot_of(ifindex, slots));
    if (it != slot_owner.end() && it->second == ifindex) return TapHome::kSlot;
    if (overflow.count(ifindex)) return TapHome::kOverflow;
    return std::nullopt;
  }
};

TEST(TapSlots, APowerOfTwoAtLeastTwiceTheLocalTaps) {
  auto slots = [](uint32_t taps) {
    Capacity c;
    c.max_local_taps = taps;
    return tap_slots(c);
  };
  EXPECT_EQ(slots(1), 2u);
  EXPECT_EQ(slots(2), 4u);
  EXPECT_EQ(slots(3), 8u);
  EXPECT_EQ(slots(1024), 2048u);
  EXPECT_EQ(slots(1025), 4096u);
  EXPECT_EQ(slots(kMaxLocalTaps), 2 * kMaxLocalTaps);
  EXPECT_EQ(tap_slot_of(4'000'003, 8), 3u);
}

TEST(TapSlots, AFreeSlotIsTakenAHeldOneSendsTheNewcomerToOverflow) {
  Tables t{8};
  EXPECT_EQ(t.put(3), TapHome::kSlot);
  EXPECT_EQ(t.put(11), TapHome::kOverflow) << "slot 3 holds ifindex 3";
  EXPECT_EQ(t.put(4'000'003), TapHome::kOverflow) << "any ifindex has an entry";
  EXPECT_EQ(t.put(3), TapHome::kSlot) << "a rewrite stays in place";
  EXPECT_EQ(t.put(11), TapHome::kOverflow);
}

TEST(TapSlots, DeletingTheSlotOwnerMovesNobody) {
  Tables t{8};
  t.put(3);
  t.put(11);
  t.erase(3);
  EXPECT_EQ(t.find(11), TapHome::kOverflow);
  EXPECT_EQ(t.put(11), TapHome::kOverflow) << "in overflow it stays, though its slot is free";
  EXPECT_EQ(t.put(19), TapHome::kSlot) << "a newcomer takes the free slot";
  EXPECT_FALSE(t.find(3));
}

TEST(TapSlots, RandomChurnNeverLosesNorMovesAnEntry) {
  Tables t{16};
  std::mt19937 rng(7);
  std::map<uint32_t, TapHome> live;  // ifindex -> where it was first put
  for (int step = 0; step < 20000; ++step) {
    uint32_t ifindex = 1 + rng() % 200;
    if (live.count(ifindex) && rng() % 2) {
      t.erase(ifindex);
      live.erase(ifindex);
    } else {
      TapHome home = t.put(ifindex);
      auto [it, fresh] = live.emplace(ifindex, home);
      ASSERT_EQ(it->second, home) << "ifindex " << ifindex << " moved at step " << step;
    }
    for (auto& [i, home] : live) ASSERT_EQ(t.find(i), home) << "ifindex " << i << " at step " << step;
  }
}

}  // namespace
}  // namespace sandnet::dp
