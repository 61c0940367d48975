// Random feed changes for the table tests: records renamed, readdressed, moved between hosts
// or removed; members joining and leaving networks (names may collide); networks removed or
// given a whole new member list; host records lost, live again, their underlay dropped or moved.
// 16 sandboxes, 5 networks; this host is "h1".
#pragma once
#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <string>

#include "sync/guest_table_index.h"
#include "sync/host_view.h"
#include "sync/local_plugs.h"

namespace sandnet::sync {

inline std::string sb_id(int i) { return fmt::format("sb_01HZY{:021d}", i); }
inline std::string net_id(int i) { return fmt::format("net-01HZY{:021d}", i); }

// Sandboxes 0..3 plugged here, on tap0..tap3.
inline LocalPlugs four_plugs() {
  LocalPlugs plugs;
  for (int i = 0; i < 4; ++i) plugs[sb_id(i)] = LocalPlug(fmt::format("tap{}", i), "02:00:00:00:00:01");
  return plugs;
}

class FeedChurn {
 public:
  static constexpr int kSandboxes = 16, kNetworks = 5;
  explicit FeedChurn(unsigned seed) : rng(seed) {}
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); }

  // One change against `view` as it is now.
  FeedAnswer next(const HostView& view, uint64_t revision) {
    FeedAnswer a;
    a.revision = revision;
    int i = pick(kSandboxes);
    switch (pick(9)) {
      case 0: case 1: {  // a record: new name or address, here or elsewhere
        SandboxRecord s{sb_id(i), fmt::format("s{}-{}", i, pick(3)), fmt::format("10.42.0.{}", i + 2 + 20 * pick(2)),
                        pick(4) ? std::optional<std::string>("h1") : std::optional<std::string>(pick(2) ? "h2" : "h3"), std::nullopt,
                        "running"};
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
    return a;
  }

  std::mt19937 rng;
};

// A host's view under churn, with the table index following it as the reconciler's does.
struct ChurnedView {
  explicit ChurnedView(unsigned seed, LocalPlugs local = four_plugs()) : churn(seed), plugs(std::move(local)) {}
  // One random change: noted by the index, then applied to the view.
  void step(uint64_t revision) {
    FeedAnswer a = churn.next(view, revision);
    index.note_change(view, a, "h1");
    view.apply(a);
  }
  FeedChurn churn;
  HostView view;
  LocalPlugs plugs;
  GuestTableIndex index;
};

}  // namespace sandnet::sync
