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

// As the reconciler runs it: the guests a change touches are found with the index's lookups
// (the same set as the pass over the view finds), and only those get a table update; every
// guest's kept table still equals the whole build at every step, untouched ones included.
TEST(GuestTableIndex, TouchedFromTheIndexEqualsThePassOverTheView) {
  ChurnedView w(2027);
  auto& [churn, view, plugs, index] = w;
  std::map<std::string, TableEntries> kept;
  auto shares = [&w](const std::string& guest, const std::string& peer) { return w.index.shares_network(guest, peer); };
  int answered = 0, touched_total = 0;
  for (int step = 0; step < 4000; ++step) {
    FeedAnswer a = churn.next(view, step + 1);
    auto touched = guests_touched(view, a, plugs, shares);
    ASSERT_EQ(touched, guests_touched(view, a, plugs)) << "step " << step;
    for (auto& [id, _] : plugs) answered += index.shares_network(id, id).has_value();
    touched_total += static_cast<int>(touched.size());
    index.note_change(view, a, "h1");
    view.apply(a);
    for (auto& id : (step == 0 ? std::set<std::string>{} : touched))
      if (auto u = index.table(view, plugs, "h1", id)) apply_update(kept[id], *u);
      else kept.erase(id);
    if (step == 0)  // the first tables, as after a snapshot
      for (auto& [id, _] : plugs)
        if (auto u = index.table(view, plugs, "h1", id)) apply_update(kept[id], *u);
    for (auto& [id, _] : plugs) {
      auto want = guest_table(view, plugs, "h1", id);
      auto got = kept.count(id) ? entries_of(kept[id]) : std::vector<TableEntry>{};
      ASSERT_EQ(got, want ? want->entries : std::vector<TableEntry>{}) << "step " << step << " guest " << id;
    }
  }
  EXPECT_GT(answered, 4000) << "the index answered for known guests";
  EXPECT_GT(touched_total, 1000);
}

}  // namespace
}  // namespace sandnet::sync
