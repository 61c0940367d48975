// Whole-map capacities (max_endpoints, max_local_taps, max_networks, max_sets) quarantine only
// the entries that do not fit, without a kernel: entries already in the maps first, then by
// sandbox id; a drop-all entry's row is reserved; the rest of the state applies; and no plan
// ever exceeds a capacity at any op.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "plan_fixtures.h"

namespace sandnet::dp {
namespace {

using namespace planfx;

Plan plan(const DesiredState& s, const MapImage& current, const Capacity& cap, const HeldTaps& held = {}) {
  return plan_update(s, current, fake_taps(), cap, {}, held);
}

const Quarantined* find_quarantined(const Plan& p, uint32_t ifindex, const std::string& sandbox = {}) {
  for (auto& q : p.quarantined)
    if (q.ifindex == ifindex && (sandbox.empty() || q.sandbox_id == sandbox)) return &q;
  return nullptr;
}

bool drop_all(const Plan& p, uint32_t ifindex) {
  auto it = p.target.taps.find(ifindex);
  return it != p.target.taps.end() && it->second.ip == 0 && it->second.flags == SN_TAP_QUARANTINED;
}

bool warned(const Plan& p, const std::string& what) {
  return std::any_of(p.warnings.begin(), p.warnings.end(), [&](auto& w) { return w.find(what) != std::string::npos; });
}

// Sandboxes `ids` (local), networks given as lists of sandbox numbers.
DesiredState state_of(const std::vector<int>& ids, const std::map<int, std::vector<int>>& nets) {
  DesiredState s = state(0, nets);
  for (int i : ids) s.endpoints.push_back(endpoint(i));
  return s;
}

TEST(PlanCapacity, EndpointsOverCapacityQuarantineNewcomersNeverRunningSandboxes) {
  Capacity cap;
  cap.max_endpoints = 3;
  auto p0 = plan(state_of({3, 4, 5}, {{1, {3, 4}}}), {}, cap);
  // Newcomers 0 and 1 sort before the running sandboxes by id, yet the running ones keep
  // their place; in the same change 5 joins 3 and 4.
  auto p = plan(state_of({0, 1, 3, 4, 5}, {{1, {0, 3, 4, 5}}}), p0.target, cap);
  for (int i : {0, 1}) {
    EXPECT_TRUE(drop_all(p, 100 + i)) << i;
    ASSERT_NE(find_quarantined(p, 100 + i), nullptr) << i;
    EXPECT_NE(find_quarantined(p, 100 + i)->why.find("max_endpoints"), std::string::npos);
    EXPECT_FALSE(p.target.endpoints.count(ip_of(i)));
  }
  EXPECT_TRUE(warned(p, "max_endpoints"));
  EXPECT_TRUE(allowed(p.target, 5, 3)) << "everyone else's change applies";
  EXPECT_TRUE(allowed(p.target, 3, 4));
  EXPECT_EQ(p.target.endpoints.size(), 3u);
}

TEST(PlanCapacity, AdmissionIsTheSameWhateverTheInputOrder) {
  Capacity cap;
  cap.max_endpoints = 6;
  cap.max_sets = 4;
  auto s = state(12, {{1, {0, 1, 2}}, {2, {3, 4}}, {3, {5, 6, 7}}, {4, {8}}, {5, {9, 10}}, {6, {11, 0}}});
  auto first = plan(s, {}, cap);
  EXPECT_FALSE(first.quarantined.empty());
  std::mt19937 rng(3);
  for (int round = 0; round < 5; ++round) {
    auto shuffled = s;
    std::shuffle(shuffled.endpoints.begin(), shuffled.endpoints.end(), rng);
    std::shuffle(shuffled.networks.begin(), shuffled.networks.end(), rng);
    auto p = plan(shuffled, {}, cap);
    // Ids follow the input order on empty maps; who is admitted and who reaches whom do not.
    EXPECT_EQ(p.target.endpoints.size(), first.target.endpoints.size()) << round;
    for (auto& [ip, _] : first.target.endpoints) EXPECT_TRUE(p.target.endpoints.count(ip)) << round;
    for (int a = 0; a < 12; ++a)
      for (int b = 0; b < 12; ++b) EXPECT_EQ(allowed(p.target, a, b), allowed(first.target, a, b)) << round;
    ASSERT_EQ(p.quarantined.size(), first.quarantined.size());
    for (size_t i = 0; i < p.quarantined.size(); ++i) EXPECT_EQ(p.quarantined[i].ifindex, first.quarantined[i].ifindex);
  }
}

TEST(PlanCapacity, ANetworkOverCapacityQuarantinesTheEntriesThatNeedIt) {
  Capacity cap;
  cap.max_networks = 2;
  auto p0 = plan(state(3, {{1, {0, 1}}, {2, {2}}}), {}, cap);
  auto s = state(4, {{1, {0, 1}}, {2, {2}}, {3, {3, 4}}});
  s.endpoints.push_back(endpoint(4, false));  // a remote member of the third network
  auto p = plan(s, p0.target, cap);
  EXPECT_TRUE(drop_all(p, 103));
  EXPECT_NE(find_quarantined(p, 103)->why.find("max_networks"), std::string::npos);
  auto* remote = find_quarantined(p, 0, sb(4));
  ASSERT_NE(remote, nullptr) << "a remote endpoint not installed is listed too";
  EXPECT_FALSE(remote->has_entry);
  EXPECT_FALSE(p.target.endpoints.count(ip_of(4))) << "packets to it drop as NO_ENDPOINT";
  EXPECT_TRUE(warned(p, "remote endpoint " + sb(4)));
  EXPECT_TRUE(allowed(p.target, 0, 1));
  EXPECT_EQ(p.target.networks.size(), 2u);
}

TEST(PlanCapacity, ASetOverCapacityQuarantinesTheEntriesThatNeedIt) {
  Capacity cap;
  cap.max_sets = 2;
  auto p0 = plan(state(3, {{1, {0, 1}}, {2, {2}}}), {}, cap);
  auto p = plan(state(4, {{1, {0, 1, 3}}, {2, {2, 3}}}), p0.target, cap);  // 3's set {1,2} is a third
  EXPECT_TRUE(drop_all(p, 103));
  EXPECT_NE(find_quarantined(p, 103)->why.find("max_sets"), std::string::npos);
  EXPECT_TRUE(allowed(p.target, 0, 1));
  EXPECT_EQ(p.target.set_nets.size(), 2u);
}

// A drop-all entry needs a row (no set, no reach bit): a tap held drop-all gets its row before
// any newcomer is placed, and a running tap quarantined keeps the row it has.
TEST(PlanCapacity, ADropAllEntrysRowIsReservedBeforeNewcomers) {
  Capacity cap;
  cap.max_local_taps = 4;
  auto p0 = plan(state(3, {{1, {0, 1, 2}}}), {}, cap);
  DesiredState s = state_of({1, 2, 3}, {{1, {1, 2, 3}}});  // 0 leaves (still held), 3 arrives
  s.quarantined.push_back({tap_of(9), "left the view"});
  auto p = plan(s, p0.target, cap, HeldTaps{100});
  EXPECT_TRUE(drop_all(p, 100)) << "held: keeps its row";
  EXPECT_EQ(p.target.taps.at(100).counter_row, p0.target.taps.at(100).counter_row);
  EXPECT_TRUE(drop_all(p, 109)) << "the quarantined tap's row is reserved first";
  auto* late = find_quarantined(p, 103);
  ASSERT_NE(late, nullptr);
  EXPECT_FALSE(late->has_entry) << "no row left: no entry at all (its programs drop it as UNKNOWN_TAP)";
  EXPECT_NE(late->why.find("max_local_taps"), std::string::npos);
  EXPECT_FALSE(p.target.taps.count(103));
  EXPECT_TRUE(allowed(p.target, 1, 2));
}

// Old and new side by side at the peak: ten endpoints replaced by ten others at
// max_endpoints = 10. The newcomers wait drop-all while the old ones go; the next plan (which
// Datapath::apply makes at once, `replan`) admits them.
TEST(PlanCapacity, ThePeakAdmitsNewcomersOnceTheOldEntriesAreGone) {
  Capacity cap;
  cap.max_endpoints = 10;
  auto p0 = plan(state(10, {{1, {0, 1}}}), {}, cap);
  std::vector<int> others;
  for (int i = 10; i < 20; ++i) others.push_back(i);
  auto s = state_of(others, {{1, {10, 11}}});
  auto p = plan(s, p0.target, cap);
  EXPECT_EQ(p.quarantined.size(), 10u);
  EXPECT_NE(p.quarantined[0].why.find("side by side"), std::string::npos) << p.quarantined[0].why;
  EXPECT_TRUE(p.replan);
  MapImage img = p0.target;
  apply_ops(img, p);
  auto q = plan(s, img, cap);
  EXPECT_TRUE(q.quarantined.empty());
  EXPECT_FALSE(q.replan);
  EXPECT_TRUE(allowed(q.target, 10, 11));
  apply_ops(img, q);
  EXPECT_EQ(plan(s, img, cap).writes(), 0u);
}

// Random churn under small capacities: no plan throws, and after every op no map holds more
// than its capacity, no row is beyond the reach rows and no set id beyond a row's bits.
TEST(PlanCapacity, NoOpEverTakesAMapBeyondItsCapacity) {
  Capacity cap;
  cap.max_endpoints = 9;
  cap.max_local_taps = 7;
  cap.max_networks = 4;
  cap.max_sets = 5;
  const uint32_t words = reach_words_per_row(cap);
  std::mt19937 rng(11);
  MapImage img;
  for (int round = 0; round < 40; ++round) {
    std::map<int, std::vector<int>> nets;
    std::vector<int> ids;
    for (int i = 0; i < 14; ++i)
      if (rng() % 4 != 0) ids.push_back(i);
    for (int net_id = 1; net_id <= 6; ++net_id)
      for (int i : ids)
        if (rng() % 3 == 0) nets[net_id].push_back(i);
    auto s = state_of(ids, nets);
    HeldTaps held;
    for (auto& [ifindex, _] : img.taps)
      if (rng() % 3 == 0) held.insert(ifindex);
    Plan p;
    ASSERT_NO_THROW(p = plan(s, img, cap, held)) << round;
    for (auto& op : p.ops) {
      apply_op(img, op, p.reach_words);
      ASSERT_LE(img.endpoints.size(), cap.max_endpoints) << round;
      ASSERT_LE(img.taps.size(), cap.max_local_taps) << round;
      ASSERT_LE(img.networks.size(), cap.max_networks) << round;
      ASSERT_LE(img.set_nets.size(), cap.max_sets) << round;
      for (auto& [_, t] : img.taps) ASSERT_LE(t.counter_row, cap.max_local_taps) << round;
      for (auto& [set_id, _] : img.set_nets) ASSERT_LT(set_id / SN_REACH_BITS, words) << round;
    }
    EXPECT_TRUE(img == p.target) << round;
    // Every tap the state places or holds has an entry, or is listed without one.
    for (auto& e : s.endpoints) {
      uint32_t ifindex = fake_taps()(e.tap)->ifindex;
      bool listed = std::any_of(p.quarantined.begin(), p.quarantined.end(), [&](auto& q) { return q.ifindex == ifindex; });
      EXPECT_TRUE(img.taps.count(ifindex) || listed) << round << " tap " << ifindex << " has no entry and no word";
    }
  }
}

}  // namespace
}  // namespace sandnet::dp
