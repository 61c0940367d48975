// The delta push without sockets: under random feed churn, the changes the pusher would send
// (GuestTableIndex updates applied to the kept table, delta_since against the generation the
// guest holds, over the wire format and back) applied by guestd's PeerTable give, byte for
// byte, the image a whole push gives at every push; the guest takes the whole table whenever
// delta_since declines, and a guest that lost its base refuses.
#include <gtest/gtest.h>

#include <map>

#include "common/hosts_table/hosts_table.hpp"
#include "guestd/peer_table.h"
#include "sync/guest_table_index.h"
#include "sync/table_delta_plan.h"
#include "tests/sync/feed_churn.h"

namespace sandnet::sync {
namespace {

// What the pusher keeps per guest, and what the guest holds.
struct Guest {
  TableEntries entries;
  std::optional<uint64_t> acked;
  ChangedEntries since_acked;
  std::optional<guestd::PeerTable> peers;  // guestd's: nothing after a restart
  uint64_t generation = 0;
};

std::optional<guestd::PeerTable> peers_of_image(const std::vector<unsigned char>& image) {
  hosts_table::View v;
  if (v.open(image) != SANDNET_HT_OK) return std::nullopt;
  return guestd::peers_of(*v.get());
}

TEST(TableDelta, AGuestApplyingEveryDeltaHoldsTheWholeTableUnderChurn) {
  ChurnedView w(1919);
  auto& [churn, view, plugs, index] = w;
  std::map<std::string, Guest> guests;
  int deltas = 0, wholes = 0, refused = 0, changed_entries = 0;
  for (int step = 0; step < 4000; ++step) {
    w.step(step + 1);
    const uint64_t gen = step + 1;
    for (auto& [id, _] : plugs) {
      auto u = index.table(view, plugs, "h1", id);
      if (!u) {
        guests.erase(id);
        continue;
      }
      Guest& g = guests[id];
      apply_update(g.entries, *u, [&](const EntryKey& key, const std::optional<Networks>& was) {
        if (g.acked) g.since_acked.try_emplace(key, was);
      });
      if (churn.pick(3) != 0) continue;  // pushes coalesce several changes
      if (churn.pick(50) == 0) g.peers.reset();  // guestd restarted
      auto want = encode_table(*guest_table(view, plugs, "h1", id), gen);
      std::optional<table_push::TableDelta> d;
      if (g.acked) d = delta_since(g.entries, g.since_acked, *g.acked);
      if (d) {
        d->generation = gen;
        auto wire = table_push::parse_delta(table_push::encode_delta(*d));
        ASSERT_TRUE(wire.has_value());
        ASSERT_EQ(*wire, *d);
        if (wire->removed.empty() && wire->upserted.empty()) continue;  // it holds this table: not sent
        // What guestd's installer does: the base must be the one it holds.
        if (g.peers && g.generation == wire->base_generation) {
          auto next = *g.peers;
          ASSERT_TRUE(guestd::apply_delta(next, *wire)) << "step " << step << " guest " << id;
          ASSERT_EQ(guestd::image_of(next, gen), want) << "step " << step << " guest " << id;
          g.peers = std::move(next);
          g.generation = gen;
          g.acked = gen;
          g.since_acked.clear();
          ++deltas;
          changed_entries += static_cast<int>(wire->removed.size() + wire->upserted.size());
          continue;
        }
        ++refused;  // base mismatch: the whole table follows
      }
      g.peers = peers_of_image(want);
      ASSERT_TRUE(g.peers.has_value());
      ASSERT_EQ(guestd::image_of(*g.peers, gen), want);  // read back, the same image
      g.generation = gen;
      g.acked = gen;
      g.since_acked.clear();
      ++wholes;
    }
  }
  EXPECT_GT(deltas, 400);
  EXPECT_GT(wholes, 100);
  EXPECT_GT(refused, 20);
  EXPECT_GE(changed_entries, deltas);
}

TEST(TableDelta, DeclinesWhatOnlyTheWholeTableSaysExactly) {
  TableEntries now{{{"brave-otter", "10.42.0.5"}, {"dev"}}, {{"calm-heron", "10.42.0.7"}, {}}};
  auto d = delta_since(now, {{{"brave-otter", "10.42.0.5"}, std::nullopt}}, 4);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->base_generation, 4u);
  ASSERT_EQ(d->upserted.size(), 1u);
  EXPECT_TRUE(d->removed.empty());
  // Back as it was: nothing to say.
  d = delta_since(now, {{{"calm-heron", "10.42.0.7"}, Networks{}}}, 4);
  ASSERT_TRUE(d.has_value());
  EXPECT_TRUE(d->upserted.empty() && d->removed.empty());
  // A name the table would store lower-cased, an address it would skip, a name on two addresses.
  auto upper = now;
  upper[{"Brave-Otter", "10.42.0.9"}] = {};
  EXPECT_FALSE(delta_since(upper, {{{"Brave-Otter", "10.42.0.9"}, std::nullopt}}, 4));
  auto no_address = now;
  no_address[{"lone-fox", "not-an-ip"}] = {};
  EXPECT_FALSE(delta_since(no_address, {{{"lone-fox", "not-an-ip"}, std::nullopt}}, 4));
  auto twice = now;
  twice[{"calm-heron", "10.42.0.8"}] = {};
  EXPECT_FALSE(delta_since(twice, {{{"calm-heron", "10.42.0.8"}, std::nullopt}}, 4));
  // More changes than entries: the whole table is smaller.
  TableEntries one{{{"brave-otter", "10.42.0.5"}, {}}};
  EXPECT_FALSE(delta_since(one, {{{"brave-otter", "10.42.0.5"}, Networks{"x"}}, {{"gone", "10.42.0.6"}, Networks{}}}, 4));
}

}  // namespace
}  // namespace sandnet::sync
