// The plan/diff logic, without a kernel: ids, reach rows, idempotence, adoption,
// make-before-break ordering and capacity refusal.
#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <random>

#include "plan_fixtures.h"

namespace sandnet::dp {
namespace {

using namespace planfx;

Capacity big() {
  Capacity c;
  return c;
}

Plan plan(const DesiredState& s, const MapImage& current = {}, Capacity cap = big()) {
  return plan_update(s, current, fake_taps(), cap);
}

TEST(Plan, FreshStateFillsEveryMap) {
  // 0,1 in net 1; 1,2 in net 2; 3 in none; 4 alone in net 3.
  auto p = plan(state(5, {{1, {0, 1}}, {2, {1, 2}}, {3, {4}}}));
  EXPECT_EQ(p.target.endpoints.size(), 5u);
  EXPECT_EQ(p.target.taps.size(), 5u);
  EXPECT_EQ(p.target.networks.size(), 3u);
  EXPECT_EQ(p.target.set_nets.size(), 4u);  // {1} {1,2} {2} {3}
  EXPECT_EQ(p.target.endpoints.at(ip_of(3)).set_id, 0u);
  EXPECT_TRUE(allowed(p.target, 0, 1));
  EXPECT_TRUE(allowed(p.target, 1, 0));
  EXPECT_TRUE(allowed(p.target, 1, 2));
  EXPECT_TRUE(allowed(p.target, 2, 1));
  EXPECT_FALSE(allowed(p.target, 0, 2));
  EXPECT_FALSE(allowed(p.target, 2, 0));
  EXPECT_FALSE(allowed(p.target, 3, 0));
  EXPECT_FALSE(allowed(p.target, 0, 3));
  EXPECT_FALSE(allowed(p.target, 4, 0));
  EXPECT_TRUE(allowed(p.target, 4, 4));
  // Every tap's row is new: written whole, once.
  EXPECT_EQ(p.fill_rows.size(), p.target.taps.size());
  EXPECT_EQ(p.writes(), p.target.endpoints.size() + p.target.taps.size() + p.target.networks.size() +
                            p.target.set_nets.size() + p.fill_rows.size());
  EXPECT_TRUE(p.del_endpoints.empty() && p.settle_reach.empty() && p.put_reach.empty());
}

TEST(Plan, ReachRowHoldsExactlyTheSetsSharingANetwork) {
  auto p = plan(state(4, {{1, {0, 1}}, {2, {0, 2}}, {3, {3}}}));
  const auto& t0 = p.target.taps.at(100);
  const auto& mine = p.target.set_nets.at(t0.set_id);
  for (auto& [set_id, nets] : p.target.set_nets) {
    std::vector<uint32_t> shared;
    std::set_intersection(mine.begin(), mine.end(), nets.begin(), nets.end(), std::back_inserter(shared));
    EXPECT_EQ(reaches(p.target, t0, set_id), !shared.empty()) << "set " << set_id;
  }
  EXPECT_FALSE(reaches(p.target, t0, 0));  // set 0 = in no network: never a bit
  EXPECT_EQ(t0.reach_base, t0.counter_row * p.reach_words);
}

TEST(Plan, ReapplyingWritesNothing) {
  auto s = state(20, {{1, {0, 1, 2, 3}}, {2, {3, 4, 5}}, {3, {7}}, {4, {8, 9, 10, 0}}});
  auto first = plan(s);
  auto again = plan(s, first.target);
  EXPECT_EQ(again.writes(), 0u);
  EXPECT_TRUE(again.target == first.target);
}

TEST(Plan, AdoptsIdsWhateverTheInputOrder) {
  auto s = state(30, {{1, {0, 1, 2}}, {2, {2, 3}}, {3, {4, 5, 6}}, {4, {6, 0}}, {5, {9}}});
  auto first = plan(s);
  std::mt19937 rng(7);
  for (int round = 0; round < 5; ++round) {
    auto shuffled = s;
    std::shuffle(shuffled.endpoints.begin(), shuffled.endpoints.end(), rng);
    std::shuffle(shuffled.networks.begin(), shuffled.networks.end(), rng);
    for (auto& n : shuffled.networks) std::shuffle(n.members.begin(), n.members.end(), rng);
    EXPECT_EQ(plan(shuffled, first.target).writes(), 0u);
  }
}

TEST(Plan, RemovingAMemberRevokesOnlyThatMember) {
  auto before = plan(state(3, {{1, {0, 1, 2}}}));
  auto p = plan(state(3, {{1, {1, 2}}}), before.target);
  EXPECT_FALSE(allowed(p.target, 0, 1));
  EXPECT_FALSE(allowed(p.target, 1, 0));
  EXPECT_TRUE(allowed(p.target, 1, 2));
  // Only endpoint 0's entries change (set 0 = none); nothing else is rewritten.
  EXPECT_EQ(p.put_endpoints.size() + p.settle_endpoints.size(), 1u);
  EXPECT_EQ(p.put_taps.size() + p.settle_taps.size(), 1u);
  EXPECT_TRUE(p.put_reach.empty() && p.fill_rows.empty());  // nothing grows
  EXPECT_TRUE(p.put_sets.empty());
}

TEST(Plan, IdsOfDeletedEntriesAreNotReusedInTheSameUpdate) {
  auto before = plan(state(2, {{1, {0}}, {2, {1}}}));
  auto p = plan(state(2, {{3, {0}}, {4, {1}}}), before.target);
  for (auto& [k, _] : p.put_networks) EXPECT_FALSE(before.target.networks.count(k));
  for (auto& [k, _] : p.put_sets) EXPECT_FALSE(before.target.set_nets.count(k));
}

// Make-before-break: walk every intermediate map state of an update (phase 1,
// then each endpoint/tap switch one by one, in the plan's order and reversed)
// and check that every pair allowed before AND after stays allowed.
void check_transition(const DesiredState& from, const DesiredState& to, int n) {
  auto p0 = plan(from);
  auto p = plan(to, p0.target);
  for (bool reversed : {false, true}) {
    MapImage img = p0.target;
    apply_phase1(img, p);
    // Within a sub-phase any order may be seen; sub-phases are ordered.
    std::vector<std::function<void()>> grow, settle;
    for (auto& [k, v] : p.put_endpoints) grow.push_back([&img, k = k, v = v] { img.endpoints[k] = v; });
    for (auto& [k, v] : p.put_taps) grow.push_back([&img, k = k, v = v] { img.taps[k] = v; });
    for (auto& [k, v] : p.settle_endpoints) settle.push_back([&img, k = k, v = v] { img.endpoints[k] = v; });
    for (auto& [k, v] : p.settle_taps) settle.push_back([&img, k = k, v = v] { img.taps[k] = v; });
    if (reversed) {
      std::reverse(grow.begin(), grow.end());
      std::reverse(settle.begin(), settle.end());
    }
    auto switches = grow;
    switches.insert(switches.end(), settle.begin(), settle.end());
    auto check = [&](const char* when) {
      for (int a = 0; a < n; ++a)
        for (int b = 0; b < n; ++b)
          if (allowed(p0.target, a, b) && allowed(p.target, a, b))
            EXPECT_TRUE(allowed(img, a, b)) << a << "->" << b << " dropped " << when;
    };
    check("after phase 1");
    for (auto& sw : switches) {
      sw();
      check("during phase 2");
    }
    apply_phase3(img, p);
    EXPECT_TRUE(img == p.target);
    for (int a = 0; a < n; ++a)
      for (int b = 0; b < n; ++b)
        EXPECT_EQ(allowed(img, a, b), allowed(p.target, a, b)) << a << "->" << b;
  }
}

TEST(Plan, MakeBeforeBreakWhenBothEndsChangeSets) {
  // A: {1} -> {1,2}; B: {1,3} -> {1,3,4}: A-B allowed throughout via net 1.
  check_transition(state(4, {{1, {0, 1}}, {3, {1, 2}}}),
                   state(4, {{1, {0, 1}}, {2, {0, 3}}, {3, {1, 2}}, {4, {1}}}), 4);
}

TEST(Plan, MakeBeforeBreakOnRandomChurn) {
  std::mt19937 rng(42);
  const int n = 12;
  auto random_state = [&] {
    std::map<int, std::vector<int>> nets;
    for (int net_id = 1; net_id <= 6; ++net_id)
      for (int i = 0; i < n; ++i)
        if (rng() % 3 == 0) nets[net_id].push_back(i);
    return state(n, nets);
  };
  for (int round = 0; round < 30; ++round) check_transition(random_state(), random_state(), n);
}

// Endpoints and taps are array slots rewritten in place: an entry that moves
// (another tap, or a tap given to another guest IP) is emptied first, so no
// torn read pairs its old place with its new set.
TEST(Plan, MovingEntriesAreEmptiedBeforeTheyAreRewritten) {
  auto s = state(3, {{1, {0, 1}}});
  Plan first = plan(s);
  s.endpoints[1].tap = tap_of(2);  // sandbox 1 moves to the tap of sandbox 2...
  s.endpoints[2].tap = tap_of(1);  // ...which takes sandbox 1's tap
  Plan p = plan(s, first.target);
  auto& eps = p.put_endpoints;
  for (uint32_t ip : {ip_of(1), ip_of(2)}) {
    auto at = std::find_if(eps.begin(), eps.end(), [&](auto& e) { return e.first == ip; });
    ASSERT_NE(at, eps.end());
    EXPECT_TRUE(same_bytes(at->second, sn_endpoint{})) << "endpoint not emptied first";
    auto again = std::find_if(at + 1, eps.end(), [&](auto& e) { return e.first == ip; });
    ASSERT_NE(again, eps.end());
    EXPECT_TRUE(same_bytes(again->second, p.target.endpoints.at(ip)) ||
                std::any_of(p.settle_endpoints.begin(), p.settle_endpoints.end(),
                            [&](auto& e) { return e.first == ip; }));
  }
  for (uint32_t ifindex : {101u, 102u}) {
    auto at = std::find_if(p.put_taps.begin(), p.put_taps.end(), [&](auto& t) { return t.first == ifindex; });
    ASSERT_NE(at, p.put_taps.end());
    EXPECT_EQ(at->second.ip, 0u) << "tap not emptied first";
  }
  // An entry that stays in place is rewritten in one write.
  auto s2 = state(3, {{1, {0, 1, 2}}});
  Plan grow = plan(s2, first.target);
  for (auto& [ip, v] : grow.put_endpoints) EXPECT_NE(v.flags, 0u);
}

TEST(Plan, MissingTapIsSkippedWithAWarning) {
  auto s = state(2, {{1, {0, 1}}});
  s.endpoints[1].tap = "nope";
  auto p = plan(s);
  EXPECT_EQ(p.target.endpoints.size(), 1u);
  ASSERT_EQ(p.warnings.size(), 1u);
  EXPECT_NE(p.warnings[0].find("nope"), std::string::npos);
}

TEST(Plan, RemotePeersGetEndpointsButNoTap) {
  auto s = state(1, {{1, {0, 1}}});
  s.endpoints.push_back(endpoint(1, false));
  auto p = plan(s);
  EXPECT_EQ(p.target.endpoints.size(), 2u);
  EXPECT_EQ(p.target.taps.size(), 1u);
  EXPECT_NE(p.target.endpoints.at(ip_of(1)).host_id, 0u);
  EXPECT_EQ(p.target.endpoints.at(ip_of(1)).ifindex, 0u);
}

TEST(Plan, ReachRowsOnlyForLocalTaps) {
  auto s = state(1, {{1, {0, 1, 2}}, {2, {1, 2}}});
  s.endpoints.push_back(endpoint(1, false));
  s.endpoints.push_back(endpoint(2, false));
  auto p = plan(s);
  ASSERT_EQ(p.target.reach.size(), 1u);
  EXPECT_EQ(p.target.reach.begin()->first, p.target.taps.at(100).counter_row);
  EXPECT_TRUE(reaches(p.target, p.target.taps.at(100), p.target.endpoints.at(ip_of(1)).set_id));
}

TEST(Plan, AGoneTapsRowIsEmptiedAndNotReusedInTheSameUpdate) {
  auto before = plan(state(2, {{1, {0, 1}}}));
  auto s = state(2, {{1, {1}}});
  s.endpoints.erase(s.endpoints.begin());                 // sandbox 0 and its tap go
  s.endpoints.push_back(endpoint(2));                     // a new tap arrives
  s.networks[0].members.push_back(sb(2));
  auto p = plan(s, before.target);
  uint32_t gone_row = before.target.taps.at(100).counter_row;
  EXPECT_NE(p.target.taps.at(102).counter_row, gone_row);
  auto img = before.target;
  apply_phase1(img, p);
  for (auto& [k, v] : p.put_taps) img.taps[k] = v;
  for (auto& [k, v] : p.settle_taps) img.taps[k] = v;
  apply_phase3(img, p);
  EXPECT_FALSE(img.reach.count(gone_row));
  EXPECT_TRUE(img.reach == p.target.reach);
}

// A tap given to another guest within one apply starts from a row of its own:
// the new guest never holds the old guest's reach, not even between phases.
TEST(Plan, ATapsNewGuestDoesNotInheritTheOldGuestsRow) {
  auto before = plan(state(4, {{1, {0, 1}}, {2, {2, 3}}}));
  auto s = state(4, {{1, {1}}, {2, {2, 3}}});
  s.endpoints[2].tap = tap_of(0);          // sandbox 2 now behind sandbox 0's tap...
  s.endpoints.erase(s.endpoints.begin());  // ...and sandbox 0 is gone
  auto p = plan(s, before.target);
  EXPECT_NE(p.target.taps.at(100).counter_row, before.target.taps.at(100).counter_row);
  auto img = before.target;
  auto check = [&](const char* when) {
    auto t = img.taps.find(100);
    if (t == img.taps.end() || t->second.ip != ip_of(2)) return;  // not the new guest yet
    EXPECT_FALSE(allowed(img, 0, 1)) << "the new guest reaches the old guest's peer " << when;
  };
  apply_phase1(img, p);
  for (auto& [k, v] : p.put_taps) {
    img.taps[k] = v;
    check("in phase 2a");
  }
  for (auto& [k, v] : p.settle_taps) {
    img.taps[k] = v;
    check("in phase 2b");
  }
  apply_phase3(img, p);
  check("after phase 3");
  EXPECT_TRUE(img.reach == p.target.reach);
  EXPECT_TRUE(allowed(img, 0, 3));
}

bool quarantined(const Plan& p, uint32_t ifindex) {
  auto it = p.target.taps.find(ifindex);
  return it != p.target.taps.end() && it->second.ip == 0 && it->second.flags == SN_TAP_QUARANTINED &&
         it->second.set_id == 0 && it->second.counter_row != 0;
}

TEST(Plan, ASandboxOverMaxNetsIsQuarantinedAloneWhileOthersApply) {
  std::map<int, std::vector<int>> nets;
  for (int i = 1; i <= 64; ++i) nets[i] = {0, 1};
  nets[66] = {2};
  auto p0 = plan(state(3, nets));
  EXPECT_TRUE(p0.quarantined.empty());
  EXPECT_TRUE(allowed(p0.target, 0, 1));
  nets[65] = {0, 1};  // sandboxes 0 and 1 over the limit, in one change with 3 joining 2
  nets[66] = {2, 3};
  auto p = plan(state(4, nets), p0.target);
  ASSERT_EQ(p.quarantined.size(), 2u);
  for (int i : {0, 1}) {
    EXPECT_TRUE(quarantined(p, 100 + i)) << i;
    EXPECT_FALSE(p.target.endpoints.count(ip_of(i))) << "no endpoint: peers' packets to it drop";
  }
  EXPECT_NE(p.warnings.front().find("max_nets_per_sandbox"), std::string::npos);
  EXPECT_TRUE(allowed(p.target, 2, 3)) << "everyone else's changes still apply";
  EXPECT_TRUE(allowed(p.target, 3, 2));
  // A remote sandbox over the limit is simply not installed.
  auto s = state(1, {});
  s.endpoints.push_back(endpoint(1, false));
  for (int i = 1; i <= 65; ++i) s.networks.push_back({net(i), {sb(1)}});
  auto r = plan(s);
  EXPECT_FALSE(r.target.endpoints.count(ip_of(1)));
  EXPECT_TRUE(r.target.endpoints.count(ip_of(0)));
}

TEST(Plan, QuarantinedTapIsEmptiedBeforeItBecomesDropAll) {
  auto p0 = plan(state(2, {{1, {0, 1}}}));
  DesiredState s = state(1, {{1, {0}}});
  s.quarantined.push_back({tap_of(1), "left the view"});
  auto p = plan(s, p0.target);
  ASSERT_TRUE(quarantined(p, 101));
  // No guest: a row of its own, never the old guest's reach (the row it left is emptied).
  EXPECT_NE(p.target.taps.at(101).counter_row, p0.target.taps.at(101).counter_row);
  std::vector<uint32_t> order;
  for (auto& [k, v] : p.put_taps)
    if (k == 101) order.push_back(v.ip == 0 && v.flags == 0 ? 0 : 1);
  EXPECT_EQ(order, (std::vector<uint32_t>{0, 1})) << "an empty slot first, then the drop-all one";
  EXPECT_TRUE(std::find(p.del_taps.begin(), p.del_taps.end(), 101u) == p.del_taps.end());
  // Placed again: a normal entry.
  auto back = plan(state(2, {{1, {0, 1}}}), p.target);
  EXPECT_TRUE(back.quarantined.empty());
  EXPECT_TRUE(allowed(back.target, 0, 1));
}

TEST(Plan, HeldTapsNothingPlacesGetADropAllEntry) {
  // Taps found carrying the programs (ifindexes 100 and 105) with an empty state.
  auto p = plan_update(DesiredState{}, {}, fake_taps(), big(), {}, HeldTaps{100, 105});
  EXPECT_TRUE(quarantined(p, 100));
  EXPECT_TRUE(quarantined(p, 105));
  EXPECT_TRUE(p.target.endpoints.empty());
  // Placed by the state, a held tap gets its real entry.
  auto q = plan_update(state(1, {}), p.target, fake_taps(), big(), {}, HeldTaps{100, 105});
  EXPECT_EQ(q.target.taps.at(100).ip, ip_of(0));
  EXPECT_TRUE(quarantined(q, 105));
}

TEST(Plan, ATapClaimedTwiceIsQuarantined) {
  auto s = state(3, {{1, {0, 1, 2}}});
  s.endpoints[2].tap = tap_of(1);
  auto p = plan(s);
  EXPECT_TRUE(quarantined(p, 101));
  EXPECT_FALSE(p.target.endpoints.count(ip_of(1)));
  EXPECT_FALSE(p.target.endpoints.count(ip_of(2)));
  EXPECT_TRUE(p.target.endpoints.count(ip_of(0)));
}

TEST(Plan, OverCapacityIsRefusedWithTheKnobName) {
  Capacity cap;
  cap.max_endpoints = 10;
  try {
    plan(state(11, {}), {}, cap);
    FAIL() << "accepted";
  } catch (const CapacityError& e) {
    EXPECT_NE(std::string(e.what()).find("max_endpoints"), std::string::npos);
  }
  cap = Capacity{};
  cap.max_networks = 2;
  EXPECT_THROW(plan(state(3, {{1, {0}}, {2, {1}}, {3, {2}}}), {}, cap), CapacityError);
}

TEST(Plan, EveryTapEntryNamesItsIfindex) {
  // Where an entry lives (slot or overflow) is MapSet's business (loader/tap_slots.h); the
  // entry itself says whose it is, so that a slot never serves another ifindex.
  auto p = plan_update(state(3, {{1, {0, 1, 2}}}), {}, fake_taps(), big(), {}, HeldTaps{7'000'001});
  ASSERT_EQ(p.target.taps.size(), 4u);
  for (auto& [ifindex, t] : p.target.taps) EXPECT_EQ(t.ifindex, ifindex);
  EXPECT_EQ(p.target.taps.at(7'000'001).flags, SN_TAP_QUARANTINED);
}

TEST(Plan, TransitionPeakIsCheckedToo) {
  Capacity cap;
  cap.max_endpoints = 10;
  auto p0 = plan(state(10, {}), {}, cap);
  DesiredState other;  // 10 different endpoints: 20 at the peak
  for (int i = 10; i < 20; ++i) other.endpoints.push_back(endpoint(i));
  try {
    plan(other, p0.target, cap);
    FAIL() << "accepted";
  } catch (const CapacityError& e) {
    EXPECT_NE(std::string(e.what()).find("peak"), std::string::npos);
  }
}

}  // namespace
}  // namespace sandnet::dp
