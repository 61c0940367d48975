// The churn oracle run against the planner that exists today: deltas applied to a kept desired
// state (apply_delta), then plan_update on the whole of it. It checks apply_delta and the
// harness itself; an incremental planner is added below as another DeltaPlanner.
#include <gtest/gtest-spi.h>

#include "loader/incremental_planner.h"
#include "plan_oracle.h"

namespace sandnet::dp::planfx {
namespace {

class RecomputingPlanner : public DeltaPlanner {
 public:
  explicit RecomputingPlanner(Capacity cap) : cap_(cap) {}
  Plan plan(const DesiredDelta& delta, const MapImage& current) override {
    apply_delta(state_, delta);
    return plan_update(state_, current, fake_taps(), cap_);
  }

 private:
  DesiredState state_;
  Capacity cap_;
};

TEST(PlanOracle, RecomputationFromDeltasMatchesUnderChurn) {
  ChurnCoverage seen;
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    RecomputingPlanner p(Capacity{});
    auto s = expect_plans_equal_under_churn(p, seed, 400, 60, 8);
    seen.plans_with_ops += s.plans_with_ops;
    seen.deletes += s.deletes;
    seen.moves += s.moves;
    seen.quarantines += s.quarantines;
  }
  EXPECT_GT(seen.plans_with_ops, 1000);
  EXPECT_GT(seen.deletes, 0);
  EXPECT_GT(seen.moves, 0);       // an endpoint changing place is emptied first
  EXPECT_GT(seen.quarantines, 0); // taps quarantined by the desired state
}

// Tight maps: admission order, quarantines for capacity and replans are part of what must match.
TEST(PlanOracle, RecomputationFromDeltasMatchesUnderChurnNearCapacity) {
  Capacity cap;
  cap.max_endpoints = 40;
  cap.max_local_taps = 16;
  cap.max_networks = 6;
  cap.max_sets = 20;
  cap.max_nets_per_sandbox = 3;
  ChurnCoverage seen;
  for (uint64_t seed = 100; seed < 108; ++seed) {
    RecomputingPlanner p(cap);
    auto s = expect_plans_equal_under_churn(p, seed, 400, 60, 8, cap);
    seen.replans += s.replans;
    seen.quarantines += s.quarantines;
  }
  EXPECT_GT(seen.quarantines, 0);
  EXPECT_GT(seen.replans, 0);  // a capacity quarantine that the deletes of the same plan free
}

// The incremental planner (loader/incremental_planner.h), fed the deltas and the state they
// patch. The oracle's maps are its own copy of what the planner left them as.
class Incremental : public DeltaPlanner {
 public:
  explicit Incremental(Capacity cap) : cap_(cap), planner_(cap) {}
  Plan plan(const DesiredDelta& delta, const MapImage& current) override {
    apply_delta(state_, delta);
    MapImage maps = current;
    Plan p = planner_.plan(state_, &delta, maps, fake_taps());
    p.target = std::move(maps);
    return p;
  }
  const IncrementalPlanner& planner() const { return planner_; }

 private:
  DesiredState state_;
  Capacity cap_;
  IncrementalPlanner planner_;
};

TEST(PlanOracle, IncrementalPlannerMatchesUnderChurn) {
  size_t deltas = 0, wholes = 0, list_deltas = 0, moved_deltas = 0;
  ChurnCoverage seen;
  const uint64_t kSeeds = 16;
  for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
    Incremental p(Capacity{});
    auto s = expect_plans_equal_under_churn(p, seed, 600, 60, 8);
    if (HasFailure()) return;
    seen.deletes += s.deletes;
    seen.moves += s.moves;
    seen.quarantines += s.quarantines;
    seen.host_puts += s.host_puts;
    seen.host_deletes += s.host_deletes;
    seen.host_list_changes += s.host_list_changes;
    deltas += p.planner().delta_plans();
    wholes += p.planner().whole_plans();
    list_deltas += p.planner().host_list_delta_plans();
    moved_deltas += p.planner().host_moved_delta_plans();
  }
  EXPECT_GT(seen.deletes, 0);
  EXPECT_GT(seen.moves, 0);
  EXPECT_GT(seen.quarantines, 0);
  // The overlay's hosts (layout v7): the list changed, and hosts entered and left the maps.
  EXPECT_GT(seen.host_list_changes, 10);
  EXPECT_GT(seen.host_puts, 10);
  EXPECT_GT(seen.host_deletes, 10);
  fmt::print("host list changes {}, plans putting hosts {}, deleting hosts {}\n", seen.host_list_changes,
             seen.host_puts, seen.host_deletes);
  EXPECT_GT(deltas, 20 * wholes) << "most plans are incremental, not the whole-plan fallback";
  // Far from every capacity, only each seed's first plan is whole: host-list changes and
  // hosts gaining their first / losing their last remote endpoint are planned incrementally.
  EXPECT_EQ(wholes, kSeeds);
  EXPECT_GT(list_deltas, 100u) << "host-list changes planned incrementally";
  EXPECT_GT(moved_deltas, 150u) << "hosts entering or leaving the maps, planned incrementally";
  fmt::print("incremental plans {}, whole {}; incremental with the host list changed {}, with hosts moved {}\n",
             deltas, wholes, list_deltas, moved_deltas);
}

// Near capacity it falls back to plan_update whenever a refusal is possible; the plans are
// the same either way, and between the tight moments it still plans incrementally.
TEST(PlanOracle, IncrementalPlannerMatchesUnderChurnNearCapacity) {
  Capacity cap;
  cap.max_endpoints = 40;
  cap.max_local_taps = 16;
  cap.max_networks = 6;
  cap.max_sets = 20;
  cap.max_nets_per_sandbox = 3;
  cap.max_hosts = 2;  // of the up to 4 listed hosts owning remote endpoints
  size_t deltas = 0;
  ChurnCoverage seen;
  for (uint64_t seed = 100; seed < 116; ++seed) {
    Incremental p(cap);
    auto s = expect_plans_equal_under_churn(p, seed, 600, 60, 8, cap);
    if (HasFailure()) return;
    seen.replans += s.replans;
    seen.quarantines += s.quarantines;
    deltas += p.planner().delta_plans();
  }
  EXPECT_GT(seen.quarantines, 0);
  EXPECT_GT(seen.replans, 0);
  EXPECT_GT(deltas, 0u);
  fmt::print("near capacity: incremental plans {}\n", deltas);
}

// Only the endpoints map tight: remote endpoints are left out while it is full, and a later
// change that frees room (another endpoint going) must admit them though it does not name them.
TEST(PlanOracle, IncrementalPlannerAdmitsLeftOutEndpointsOnceThereIsRoom) {
  Capacity cap;
  cap.max_endpoints = 30;
  cap.max_nets_per_sandbox = 2;
  size_t deltas = 0;
  int left_out = 0;
  for (uint64_t seed = 200; seed < 216; ++seed) {
    Incremental p(cap);
    auto s = expect_plans_equal_under_churn(p, seed, 600, 60, 8, cap);
    if (HasFailure()) return;
    left_out += s.quarantines;
    deltas += p.planner().delta_plans();
  }
  EXPECT_GT(left_out, 0);
  EXPECT_GT(deltas, 1000u);
}

// Only the hosts tight (layout v7): which listed hosts the maps hold depends on every owner of a
// remote endpoint (the lowest numbers win), so a host gaining its first remote endpoint may push
// another out, and the host id of that host's endpoints, named by no change, goes with it.
TEST(PlanOracle, IncrementalPlannerMatchesWithMoreHostsThanMaxHosts) {
  Capacity cap;
  cap.max_hosts = 2;  // of the up to 4 listed hosts
  size_t deltas = 0, wholes = 0, list_deltas = 0, moved_deltas = 0;
  ChurnCoverage seen;
  for (uint64_t seed = 300; seed < 316; ++seed) {
    Incremental p(cap);
    auto s = expect_plans_equal_under_churn(p, seed, 600, 60, 8, cap);
    if (HasFailure()) return;
    seen.host_puts += s.host_puts;
    seen.host_deletes += s.host_deletes;
    deltas += p.planner().delta_plans();
    wholes += p.planner().whole_plans();
    list_deltas += p.planner().host_list_delta_plans();
    moved_deltas += p.planner().host_moved_delta_plans();
  }
  EXPECT_GT(seen.host_puts, 10);
  EXPECT_GT(seen.host_deletes, 10);
  EXPECT_GT(deltas, 1000u);
  // max_hosts needs no fallback: which hosts the maps keep follows from the host list alone.
  EXPECT_EQ(wholes, 16u);
  EXPECT_GT(list_deltas, 100u);
  EXPECT_GT(moved_deltas, 120u);
  fmt::print("max_hosts 2: incremental plans {}, whole {}; with the host list changed {}, with hosts moved {}\n",
             deltas, wholes, list_deltas, moved_deltas);
}

// The oracle catches a planner that drops part of a change.
TEST(PlanOracle, CatchesAPlannerThatLosesADelta) {
  struct Forgetful : RecomputingPlanner {
    using RecomputingPlanner::RecomputingPlanner;
    int n = 0;
    Plan plan(const DesiredDelta& delta, const MapImage& current) override {
      return RecomputingPlanner::plan(++n == 5 ? DesiredDelta{} : delta, current);
    }
  };
  bool caught = false;
  for (uint64_t seed = 1; seed <= 8 && !caught; ++seed) {
    Forgetful p(Capacity{});
    ::testing::TestPartResultArray failures;
    {
      ::testing::ScopedFakeTestPartResultReporter r(::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
      expect_plans_equal_under_churn(p, seed, 50, 60, 8);
    }
    caught = failures.size() > 0;
  }
  EXPECT_TRUE(caught);
}

}  // namespace
}  // namespace sandnet::dp::planfx
