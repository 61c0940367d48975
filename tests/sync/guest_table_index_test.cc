// The tables kept from GuestTableIndex's updates (each applied to the last table, as the pusher
// does) equal the ones built whole from the view (guest_table) at every step of random feed
// churn (host records' liveness and underlay included), for every plugged guest.
#include "sync/guest_table_index.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/sync/feed_churn.h"

namespace sandnet::sync {
namespace {

TEST(GuestTableIndex, PatchedTablesEqualTheWholeBuildUnderChurn) {
  ChurnedView w(1919);
  auto& [churn, view, plugs, index] = w;
  std::map<std::string, TableEntries> kept;
  int compared = 0, patched_entries = 0, patches = 0;
  for (int step = 0; step < 4000; ++step) {
    w.step(step + 1);
    for (auto& [id, _] : plugs) {
      auto want = guest_table(view, plugs, "h1", id);
      auto update = index.table(view, plugs, "h1", id);
      ASSERT_EQ(update.has_value(), want.has_value()) << "step " << step << " guest " << id;
      if (!want) continue;
      ASSERT_EQ(update->guest_ip, want->guest_ip);
      ASSERT_EQ(update->tap, want->tap);
      patches += update->whole ? 0 : 1;
      apply_update(kept[id], *update);
      auto got = entries_of(kept[id]);
      ASSERT_EQ(got.size(), want->entries.size()) << "step " << step << " guest " << id;
      for (size_t e = 0; e < want->entries.size(); ++e)
        ASSERT_EQ(got[e], want->entries[e]) << "step " << step << " guest " << id << " entry " << e;
      ++compared;
      patched_entries += static_cast<int>(want->entries.size());
    }
  }
  EXPECT_GT(compared, 5000);
  EXPECT_GT(patches, compared / 2);
  EXPECT_GT(patched_entries, 20000);
}

}  // namespace
}  // namespace sandnet::sync
