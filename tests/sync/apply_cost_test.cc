// What one feed change costs the agent's model at 10,000 sandboxes, phase by phase (CPU time
// of this thread, printed; nothing asserted about times): the bench's attach of B next to A
// and 9,998 peers. Keeps the per-phase figures in docs/agent.md reproducible without a kernel.
// SANDNET_APPLY_COST_SANDBOXES=50000 prints the same at another size (docs/design-ochange.md).
// HostLeaseLostAndLiveAgain does the same for a host record of the feed: the derive and plan
// of one peer host's lease lost, then live again.
#include <malloc.h>
#include <time.h>

#include <cstdlib>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "loader/incremental_planner.h"
#include "loader/map_plan.h"
#include "sync/guest_table_index.h"
#include "sync/guest_tables.h"
#include "sync/view_to_state.h"

namespace sandnet::sync {
namespace {

double cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

TEST(ApplyCost, OneAttachAt10kSandboxes) {
  const char* size = std::getenv("SANDNET_APPLY_COST_SANDBOXES");
  const int kPeers = size ? std::atoi(size) : 10000;
  auto sb_id = [](int i) { return fmt::format("sb_01HZY{:021d}", i); };
  const std::string peers = "net-01HZY000000000000000000001", pair = "net-01HZY000000000000000000002";
  FeedAnswer snap;
  snap.snapshot = true;
  snap.revision = 1;
  NetworkRecord peers_net{peers, "peers", {}}, pair_net{pair, "pair", {sb_id(0)}};
  for (int i = 0; i < kPeers; ++i) {
    snap.sandboxes.push_back({sb_id(i), fmt::format("peer-{}", i), fmt::format("10.42.{}.{}", (i + 2) >> 8, (i + 2) & 255),
                              i < 2 ? "h1" : "h2", std::nullopt, "running"});
    if (i != 1) peers_net.members.push_back(sb_id(i));
  }
  snap.networks = {peers_net, pair_net};
  snap.hosts = {{"h1", 1, "192.0.2.1", true}, {"h2", 2, "192.0.2.2", true}};
  HostView view;
  view.apply(snap);
  LocalPlugs plugs{{sb_id(0), {"tapA", "02:00:0a:2a:00:02"}}, {sb_id(1), {"tapB", "02:00:0a:2a:00:03"}}};
  dp::AgentConfig config;
  dp::TapResolver taps = [](const std::string& name) {
    return std::optional<dp::TapInfo>(dp::TapInfo{name == "tapA" ? 10u : 11u, {}});
  };
  dp::DesiredState state = view_to_state(view, plugs, "h1", config).state;  // the reconciler's kept state
  dp::IncrementalPlanner planner(config.capacity);  // what the agent's Datapath plans with
  dp::MapImage maps;
  planner.plan(state, nullptr, maps, taps);
  dp::MapImage current = maps;  // for plan_update, the whole plan, timed beside it

  FeedAnswer attach;  // B joins pair
  attach.revision = 2;
  pair_net.members.push_back(sb_id(1));
  attach.networks = {pair_net};
  // The feed sends B's record too (its `networks` gained pair: informative, not kept).
  attach.sandboxes = {view.sandboxes().at(sb_id(1))};
  GuestTableIndex tables;  // the reconciler's index, and the tables the pusher keeps from its updates
  std::map<std::string, TableEntries> kept;
  for (auto& [id, _] : plugs) apply_update(kept[id], *tables.table(view, plugs, "h1", id));
  double t0 = cpu_ms();
  auto touched = guests_touched(view, attach, plugs);
  tables.note_change(view, attach, "h1");
  double t0b = cpu_ms();
  view.apply(attach);
  double t1 = cpu_ms();
  // What the reconciler does: the change's delta patches the kept state (sync/reconciler.cc).
  auto delta = state_delta(view, plugs, "h1", config, {{sb_id(1)}, {pair}, {}});
  dp::apply_delta(state, delta);
  double t2 = cpu_ms();
  auto plan = planner.plan(state, &delta, maps, taps);
  double t3 = cpu_ms();
  size_t entries = 0;
  for (auto& id : touched) {
    apply_update(kept[id], *tables.table(view, plugs, "h1", id));
    entries += kept[id].size();
  }
  double t4 = cpu_ms();
  auto bytes = encode_table(*guest_table(view, plugs, "h1", sb_id(0)), 2);
  double t5 = cpu_ms();
  auto whole = view_to_state(view, plugs, "h1", config);  // the derivation before issue 19, for comparison
  double t6 = cpu_ms();
  auto whole_plan = dp::plan_update(state, current, taps, config.capacity);  // likewise the whole plan
  double t7 = cpu_ms();
  EXPECT_EQ(planner.delta_plans(), 1u);
  EXPECT_EQ(whole_plan.writes(), plan.writes());
  EXPECT_TRUE(whole_plan.target == maps);
  double t8 = cpu_ms();
  std::vector<GuestTable> built;
  for (auto& id : touched) built.push_back(*guest_table(view, plugs, "h1", id));
  double t9 = cpu_ms();  // the whole build, as before issue 19
  for (auto& t : built) EXPECT_EQ(entries_of(kept[t.sandbox_id]), t.entries);
  EXPECT_EQ(whole.state.endpoints.size(), state.endpoints.size());
  EXPECT_EQ(touched.size(), 2u);
  EXPECT_GT(plan.writes(), 0u);
  EXPECT_EQ(entries, kPeers + 2u);  // A sees everyone; B sees A and itself
  fmt::print("one attach at {} sandboxes, CPU ms: touched {:.2f}, view {:.2f}, derive (delta) {:.2f}, plan {:.2f} ({} writes), "
             "tables {:.2f} ({} rebuilt), encode A {:.2f} ({} bytes); whole derivation {:.2f}, whole plan {:.2f}, whole tables {:.2f}\n",
             kPeers, t0b - t0, t1 - t0b, t2 - t1, t3 - t2, plan.writes(), t4 - t3, touched.size(), t5 - t4, bytes.size(),
             t6 - t5, t7 - t6, t9 - t8);
}

// A host record change: h2's lease is lost (its few peers leave the maps, h2 leaves the
// overlay's host list), then it is live again (they come back). Every other peer is on h3, so
// the change names a handful of endpoints among `kPeers`: the incremental plan beside the
// whole plan_update of the same state (what the planner fell back to before).
TEST(ApplyCost, HostLeaseLostAndLiveAgain) {
  const char* size = std::getenv("SANDNET_APPLY_COST_SANDBOXES");
  const int kPeers = size ? std::atoi(size) : 10000;
  const int kOnH2 = 8;
  auto sb_id = [](int i) { return fmt::format("sb_01HZY{:021d}", i); };
  const std::string peers = "net-01HZY000000000000000000001";
  FeedAnswer snap;
  snap.snapshot = true;
  snap.revision = 1;
  NetworkRecord peers_net{peers, "peers", {}};
  for (int i = 0; i < kPeers; ++i) {
    const char* host = i == 0 ? "h1" : i <= kOnH2 ? "h2" : "h3";
    snap.sandboxes.push_back({sb_id(i), fmt::format("peer-{}", i), fmt::format("10.42.{}.{}", (i + 2) >> 8, (i + 2) & 255),
                              host, std::nullopt, "running"});
    peers_net.members.push_back(sb_id(i));
  }
  snap.networks = {peers_net};
  snap.hosts = {{"h1", 1, "192.0.2.1", true}, {"h2", 2, "192.0.2.2", true}, {"h3", 3, "192.0.2.3", true}};
  HostView view;
  view.apply(snap);
  LocalPlugs plugs{{sb_id(0), {"tapA", "02:00:0a:2a:00:02"}}};
  dp::AgentConfig config;
  dp::TapResolver taps = [](const std::string&) { return std::optional<dp::TapInfo>(dp::TapInfo{10u, {}}); };
  dp::DesiredState state = view_to_state(view, plugs, "h1", config).state;
  dp::IncrementalPlanner planner(config.capacity);
  dp::MapImage maps;
  planner.plan(state, nullptr, maps, taps);
  dp::MapImage current = maps;  // for plan_update, the whole plan, timed beside it

  for (bool live : {false, true}) {
    FeedAnswer answer;
    answer.revision = live ? 3 : 2;
    answer.hosts = {{"h2", 2, "192.0.2.2", live}};
    StateChange names;  // as the reconciler names a host record change
    names.hosts = view.hosts_changed_by(answer.hosts);
    view.apply(answer);
    // The last whole plan freed a map image of small nodes; glibc merges them at the next large
    // allocation (malloc_consolidate, ~3 ms at 50k), which would land in whatever is timed next.
    malloc_trim(0);
    double t0 = cpu_ms();
    auto delta = state_delta(view, plugs, "h1", config, names);
    double t0b = cpu_ms();
    dp::apply_delta(state, delta);
    double t1 = cpu_ms();
    auto plan = planner.plan(state, &delta, maps, taps);
    double t2 = cpu_ms();
    auto whole_plan = dp::plan_update(state, current, taps, config.capacity);
    double t3 = cpu_ms();
    EXPECT_EQ(whole_plan.writes(), plan.writes());
    EXPECT_TRUE(whole_plan.target == maps);
    EXPECT_EQ(state.endpoints.size(), live ? size_t(kPeers) : size_t(kPeers - kOnH2));
    current = std::move(whole_plan.target);
    fmt::print("h2 {} at {} sandboxes ({} on h2), CPU ms: derive (delta) {:.2f}, patch the state {:.2f}, plan {:.2f} "
               "({} writes); whole plan {:.2f}\n",
               live ? "live again" : "lost", kPeers, kOnH2, t0b - t0, t1 - t0b, t2 - t1, plan.writes(), t3 - t2);
  }
  EXPECT_EQ(planner.whole_plans(), 1u);  // the first plan only
  EXPECT_EQ(planner.delta_plans(), 2u);
}

}  // namespace
}  // namespace sandnet::sync
