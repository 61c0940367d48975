#include "sync/guest_tables.h"

#include <arpa/inet.h>

#include <random>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "common/hosts_table/hosts_table.hpp"
#include "tests/sync/view_fixtures.h"

namespace sandnet::sync {
namespace {

using namespace testing;

TEST(GuestTables, EachGuestSeesExactlyItsPeers) {
  HostView v;
  v.apply_feed(snapshot());
  LocalPlugs plugs{{kA, {"tapA", "02:00:0a:2a:00:05"}}, {kB, {"tapB", "02:00:0a:2a:00:06"}}};
  auto tables = guest_tables(v, plugs, "h1");
  ASSERT_EQ(tables.size(), 2u);
  auto& a = tables.at(kA);
  ASSERT_EQ(a.entries.size(), 3u);  // itself, B (backend), C (web)
  EXPECT_EQ(a.entries[0].name, "brave-otter");
  EXPECT_EQ(a.entries[0].networks, (std::vector<std::string>{"backend", "web"}));
  EXPECT_EQ(a.entries[1].name, "calm-heron");
  EXPECT_EQ(a.entries[1].networks, (std::vector<std::string>{"backend"}));
  EXPECT_EQ(a.entries[2].name, "quick-fox");
  EXPECT_EQ(a.entries[2].networks, (std::vector<std::string>{"web"}));
  auto& b = tables.at(kB);
  ASSERT_EQ(b.entries.size(), 2u) << "B shares nothing with C: C is not in its table";
  EXPECT_EQ(b.entries[0].name, "brave-otter");
  EXPECT_EQ(b.entries[0].networks, (std::vector<std::string>{"backend"})) << "no name of a network B is not in";
  EXPECT_EQ(b.guest_ip, "10.42.0.6");
  EXPECT_EQ(b.tap, "tapB");
}

TEST(GuestTables, EncodesAReadableTable) {
  HostView v;
  v.apply_feed(snapshot());
  LocalPlugs plugs{{kA, {"tapA", "02:00:0a:2a:00:05"}}};
  auto bytes = encode_table(guest_tables(v, plugs, "h1").at(kA), 42);
  hosts_table::View view;
  ASSERT_EQ(view.open(bytes), SANDNET_HT_OK);
  EXPECT_EQ(view.generation(), 42u);
  // bare + name.network for each shared network: 1+2, 1+1, 1+1
  EXPECT_EQ(view.size(), 7u);
}

TEST(GuestTables, UnpluggedOrMovedGuestsGetNoTable) {
  HostView v;
  v.apply_feed(snapshot());
  LocalPlugs plugs{{kC, {"tapC", "02:00:0a:2a:00:07"}}, {"sb_01HZY00000000000000000ZZZ", {"tapZ", "02:00:00:00:00:01"}}};
  EXPECT_TRUE(guest_tables(v, plugs, "h1").empty());
}

// Only the guests guests_touched() names may see their table change: on random churn, every
// other guest's table is the same before and after the change.
TEST(GuestTables, UntouchedGuestsKeepTheirTableOnRandomChurn) {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> pick(0, 11);
  auto sb_id = [](int i) { return fmt::format("sb_01HZY{:021d}", i); };
  auto net_id = [](int i) { return fmt::format("net-01HZY{:021d}", i); };
  HostView v;
  LocalPlugs plugs;
  for (int i = 0; i < 6; ++i) plugs[sb_id(i)] = {fmt::format("tap{}", i), "02:00:0a:2a:00:05"};
  int checked = 0;
  for (uint64_t r = 1; r < 400; ++r) {
    FeedAnswer change;
    change.revision = r;
    for (int k = pick(rng) % 3; k > 0; --k) {
      int i = pick(rng);
      change.sandboxes.push_back({sb_id(i), fmt::format("n{}", pick(rng) % 4), fmt::format("10.42.0.{}", 2 + pick(rng) % 6),
                                  pick(rng) % 4 ? std::optional<std::string>("h1") : std::optional<std::string>("h2"),
                                  std::nullopt, "running"});
    }
    for (int k = pick(rng) % 2; k > 0; --k) {
      NetworkRecord n{net_id(pick(rng) % 4), fmt::format("net{}", pick(rng) % 3), {}};
      for (int m = pick(rng) % 6; m > 0; --m) n.members.push_back(sb_id(pick(rng)));
      change.networks.push_back(n);
    }
    if (pick(rng) < 2)  // h2's lease lost or renewed, its underlay dropped
      change.hosts.push_back({"h2", 2, pick(rng) % 3 ? std::optional<std::string>("192.0.2.2") : std::nullopt,
                              pick(rng) % 2 == 0});
    if (pick(rng) == 0) change.removed_sandboxes.push_back(sb_id(pick(rng)));
    if (pick(rng) == 0) change.removed_networks.push_back(net_id(pick(rng) % 4));
    auto before = guest_tables(v, plugs, "h1");
    auto touched = guests_touched(v, change, plugs);
    v.apply(change);
    auto after = guest_tables(v, plugs, "h1");
    for (auto& [id, _] : plugs) {
      if (touched.count(id)) continue;
      ++checked;
      ASSERT_EQ(before.count(id), after.count(id)) << id << " at revision " << r;
      if (before.count(id)) {
        EXPECT_EQ(before.at(id).entries, after.at(id).entries) << id << " at revision " << r;
        EXPECT_EQ(before.at(id).guest_ip, after.at(id).guest_ip);
      }
    }
  }
  EXPECT_GT(checked, 100);
}

}  // namespace
}  // namespace sandnet::sync
