// The kept tables of GuestTableIndex equal the ones built whole from the view (guest_table) at
// every step of random feed churn (host records' liveness and underlay included), for every
// plugged guest.
#include "sync/guest_table_index.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <random>

namespace sandnet::sync {
namespace {

std::string sb_id(int i) { return fmt::format("sb_01HZY{:021d}", i); }
std::string net_id(int i) { return fmt::format("net-01HZY{:021d}", i); }

TEST(GuestTableIndex, PatchedTablesEqualTheWholeBuildUnderChurn) {
  constexpr int kSandboxes = 16, kNetworks = 5;
  std::mt19937 rng(1919);
  auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
  HostView view;
  LocalPlugs plugs;
  for (int i = 0; i < 4; ++i) plugs[sb_id(i)] = LocalPlug(fmt::format("tap{}", i), "02:00:00:00:00:01");
  GuestTableIndex index;
  int compared = 0, patched_entries = 0;
  for (int step = 0; step < 4000; ++step) {
    FeedAnswer a;
    a.revision = step + 1;
    int i = pick(kSandboxes);
    switch (pick(9)) {
      case 0: case 1: {  // a record: new name or address, here or elsewhere
        SandboxRecord s{sb_id(i), fmt::format("s{}-{}", i, pick(3)), fmt::format("10.42.0.{}", i + 2 + 20 * pick(2)),
                        pick(4) ? std::optional<std::string>("h1") : std::optional<std::string>(pick(2) ? "h2" : "h3"), std::nullopt,
                        "running", {}};
        if (pick(12) == 0) s.ip = "";
        a.sandboxes.push_back(s);
        break;
      }
      case 2:
        a.removed_sandboxes.push_back(sb_id(i));
        break;
      case 3: case 4: {  // a member joins or leaves, or the network is renamed
        int n = pick(kNetworks);
        auto it = view.networks().find(net_id(n));
        NetworkRecord rec = it != view.networks().end() ? it->second : NetworkRecord{net_id(n), fmt::format("n{}", n), {}};
        if (pick(8) == 0) rec.name = fmt::format("n{}", pick(kNetworks));  // names may collide
        auto m = std::find(rec.members.begin(), rec.members.end(), sb_id(i));
        if (m != rec.members.end()) rec.members.erase(m);
        else rec.members.push_back(sb_id(i));
        a.networks.push_back(rec);
        break;
      }
      case 5:
        a.removed_networks.push_back(net_id(pick(kNetworks)));
        break;
      case 7: case 8: {  // a host's record: lost, live again, its underlay dropped or moved
        HostRecord h{pick(2) ? "h2" : "h3", static_cast<uint32_t>(2 + pick(2)), std::nullopt, pick(3) != 0};
        if (pick(4)) h.underlay = fmt::format("192.0.2.{}", 2 + pick(2));
        a.hosts.push_back(h);
        break;
      }
      case 6: {  // a whole new member list
        NetworkRecord rec{net_id(pick(kNetworks)), fmt::format("n{}", pick(kNetworks)), {}};
        for (int m = 0; m < kSandboxes; ++m)
          if (pick(3) == 0) rec.members.push_back(sb_id(m));
        a.networks.push_back(rec);
        break;
      }
    }
    index.note_change(view, a, "h1");
    view.apply(a);
    for (auto& [id, _] : plugs) {
      auto want = guest_table(view, plugs, "h1", id);
      auto got = index.table(view, plugs, "h1", id);
      ASSERT_EQ(got != nullptr, want.has_value()) << "step " << step << " guest " << id;
      if (!want) continue;
      ASSERT_EQ(got->guest_ip, want->guest_ip);
      ASSERT_EQ(got->tap, want->tap);
      ASSERT_EQ(got->entries.size(), want->entries.size()) << "step " << step << " guest " << id;
      for (size_t e = 0; e < want->entries.size(); ++e)
        ASSERT_EQ(got->entries[e], want->entries[e]) << "step " << step << " guest " << id << " entry " << e;
      ++compared;
      patched_entries += static_cast<int>(want->entries.size());
    }
  }
  EXPECT_GT(compared, 5000);
  EXPECT_GT(patched_entries, 20000);
}

}  // namespace
}  // namespace sandnet::sync
