// The plan/diff logic, without a kernel: ids, reach rows, idempotence, adoption, the order
// of the ops (make-before-break, references before entries, deletions after), a write
// failing at any op, and per-entry quarantine for every capacity.
#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <random>
#include <set>

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
  EXPECT_EQ(ops_of<FillReachRow>(p).size(), p.target.taps.size());
  EXPECT_EQ(p.writes(), p.target.endpoints.size() + p.target.taps.size() + p.target.networks.size() +
                            p.target.set_nets.size() + p.target.taps.size());
  EXPECT_TRUE(ops_of<DelEndpoint>(p).empty() && ops_of<PutReachWord>(p).empty());
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
    for (auto& n : shuffled.networks) {
      auto members = n.members.vec();
      std::shuffle(members.begin(), members.end(), rng);
      n.members = std::move(members);
    }
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
  EXPECT_EQ(ops_of<PutEndpoint>(p).size(), 1u);
  EXPECT_EQ(ops_of<PutTap>(p).size(), 1u);
  EXPECT_TRUE(ops_of<FillReachRow>(p).empty());
  MapImage img = before.target;
  for (auto& op : p.ops) {  // nothing grows: every reach word written only loses bits
    if (auto* w = std::get_if<PutReachWord>(&op)) {
      auto row = img.reach.find(w->index / p.reach_words);
      uint64_t was = row == img.reach.end() ? 0 : row->second[w->index % p.reach_words];
      EXPECT_EQ(w->bits & ~was, 0u) << "word " << w->index << " gains a bit";
    }
    apply_op(img, op, p.reach_words);
  }
  EXPECT_TRUE(ops_of<PutSet>(p).empty());
}

TEST(Plan, IdsOfDeletedEntriesAreNotReusedInTheSameUpdate) {
  auto before = plan(state(2, {{1, {0}}, {2, {1}}}));
  auto p = plan(state(2, {{3, {0}}, {4, {1}}}), before.target);
  for (auto& o : ops_of<PutNetwork>(p)) EXPECT_FALSE(before.target.networks.count(o.index));
  for (auto& o : ops_of<PutSet>(p)) EXPECT_FALSE(before.target.set_nets.count(o.set_id));
}

// The networks a sandbox is in, by desired state (for the "nothing revoked passes" bound).
std::set<std::string> nets_of(const DesiredState& s, int i) {
  std::set<std::string> out;
  for (auto& n : s.networks)
    if (std::find(n.members.begin(), n.members.end(), sb(i)) != n.members.end()) out.insert(n.id);
  return out;
}
bool share(const std::set<std::string>& a, const std::set<std::string>& b) {
  return std::any_of(a.begin(), a.end(), [&](auto& n) { return b.count(n) != 0; });
}

// Every reference an entry holds resolves in the maps: its set exists, the set's networks
// exist, and a placed tap's row is filled. Checked after every op: sets and networks are put
// before any entry points at them and deleted only after the last entry left them.
void expect_references_resolve(const MapImage& img, const char* when) {
  auto set_ok = [&](uint32_t set_id) {
    if (set_id == 0) return true;
    auto s = img.set_nets.find(set_id);
    if (s == img.set_nets.end()) return false;
    return std::all_of(s->second.begin(), s->second.end(), [&](uint32_t n) { return img.networks.count(n) != 0; });
  };
  for (auto& [ip, e] : img.endpoints) EXPECT_TRUE(set_ok(e.set_id)) << "endpoint's set " << e.set_id << " " << when;
  for (auto& [ifindex, t] : img.taps) EXPECT_TRUE(set_ok(t.set_id)) << "tap's set " << t.set_id << " " << when;
}

// Make-before-break, op by op: from `from`'s maps, apply `to`'s plan one op at a time (what
// the kernel sees, and where a failing write would leave it) and check after each:
// - every pair allowed before AND after stays allowed;
// - nothing passes between two sandboxes that share no network in either state (a write
//   failing there leaves nothing revoked passing beyond that bound);
// - every reference resolves;
// - planning `to` again from there converges (the next apply after a failed write).
void check_transition(const DesiredState& from, const DesiredState& to, int n) {
  auto p0 = plan(from);
  auto p = plan(to, p0.target);
  MapImage img = p0.target;
  auto check = [&](const std::string& when) {
    for (int a = 0; a < n; ++a)
      for (int b = 0; b < n; ++b) {
        if (allowed(p0.target, a, b) && allowed(p.target, a, b))
          EXPECT_TRUE(allowed(img, a, b)) << a << "->" << b << " dropped " << when;
        std::set<std::string> na = nets_of(from, a), nb = nets_of(from, b);
        for (auto& x : nets_of(to, a)) na.insert(x);
        for (auto& x : nets_of(to, b)) nb.insert(x);
        if (!share(na, nb)) EXPECT_FALSE(allowed(img, a, b)) << a << "->" << b << " passes " << when;
      }
    expect_references_resolve(img, when.c_str());
  };
  for (size_t i = 0; i < p.ops.size(); ++i) {
    apply_op(img, p.ops[i], p.reach_words);
    auto when = fmt::format("after op {} of {}", i + 1, p.ops.size());
    check(when);
    // A write failing right after this op: the next apply starts from here.
    auto again = plan(to, img);
    MapImage next = img;
    apply_ops(next, again);
    EXPECT_TRUE(next == again.target) << when;
    for (int a = 0; a < n; ++a)
      for (int b = 0; b < n; ++b) EXPECT_EQ(allowed(next, a, b), allowed(p.target, a, b)) << a << "->" << b << " " << when;
    EXPECT_EQ(plan(to, next).writes(), 0u) << "not converged " << when;
  }
  EXPECT_TRUE(img == p.target);
  for (int a = 0; a < n; ++a)
    for (int b = 0; b < n; ++b) EXPECT_EQ(allowed(img, a, b), allowed(p.target, a, b)) << a << "->" << b;
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
  auto eps = ops_of<PutEndpoint>(p);
  for (uint32_t ip : {ip_of(1), ip_of(2)}) {
    std::vector<sn_endpoint> writes;
    for (auto& e : eps)
      if (e.ip_be == ip) writes.push_back(e.value);
    ASSERT_GE(writes.size(), 2u);
    EXPECT_TRUE(same_bytes(writes.front(), sn_endpoint{})) << "endpoint not emptied first";
    EXPECT_TRUE(same_bytes(writes.back(), p.target.endpoints.at(ip)));
  }
  for (uint32_t ifindex : {101u, 102u}) {
    std::vector<sn_tap> writes;
    for (auto& t : ops_of<PutTap>(p))
      if (t.ifindex == ifindex) writes.push_back(t.value);
    ASSERT_GE(writes.size(), 2u);
    EXPECT_TRUE(same_bytes(writes.front(), sn_tap{})) << "tap not emptied first";
  }
  // An entry that stays in place is rewritten in one write.
  auto s2 = state(3, {{1, {0, 1, 2}}});
  Plan grow = plan(s2, first.target);
  for (auto& e : ops_of<PutEndpoint>(grow)) EXPECT_NE(e.value.flags, 0u);
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
  apply_ops(img, p);
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
  for (auto& op : p.ops) {
    apply_op(img, op, p.reach_words);
    check("during the update");
  }
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
  // It keeps its row (a drop-all entry reads no reach, so quarantining needs no new row), and
  // the old guest's bits are cleared.
  const uint32_t row = p0.target.taps.at(101).counter_row;
  EXPECT_EQ(p.target.taps.at(101).counter_row, row);
  EXPECT_FALSE(p.target.reach.count(row));
  std::vector<uint32_t> order;
  for (auto& t : ops_of<PutTap>(p))
    if (t.ifindex == 101) order.push_back(t.value.ip == 0 && t.value.flags == 0 ? 0 : 1);
  EXPECT_EQ(order, (std::vector<uint32_t>{0, 1})) << "an empty slot first, then the drop-all one";
  for (auto& d : ops_of<DelTap>(p)) EXPECT_NE(d.ifindex, 101u);
  // Placed again: a normal entry; the row is written whole and its counters reset before the
  // guest's entry points at it.
  auto back = plan(state(2, {{1, {0, 1}}}), p.target);
  EXPECT_TRUE(back.quarantined.empty());
  EXPECT_TRUE(allowed(back.target, 0, 1));
  size_t fill = SIZE_MAX, reset = SIZE_MAX, placed = SIZE_MAX;
  for (size_t i = 0; i < back.ops.size(); ++i) {
    if (auto* f = std::get_if<FillReachRow>(&back.ops[i]); f && f->row == row) fill = i;
    if (auto* r = std::get_if<ResetCounterRow>(&back.ops[i]); r && r->row == row) reset = i;
    if (auto* t = std::get_if<PutTap>(&back.ops[i]); t && t->ifindex == 101 && t->value.ip != 0) placed = std::min(placed, i);
  }
  ASSERT_NE(placed, SIZE_MAX);
  EXPECT_LT(fill, placed);
  EXPECT_LT(reset, placed);
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

TEST(Plan, EveryTapEntryNamesItsIfindex) {
  // Where an entry lives (slot or overflow) is MapSet's business (loader/tap_slots.h); the
  // entry itself says whose it is, so that a slot never serves another ifindex.
  auto p = plan_update(state(3, {{1, {0, 1, 2}}}), {}, fake_taps(), big(), {}, HeldTaps{7'000'001});
  ASSERT_EQ(p.target.taps.size(), 4u);
  for (auto& [ifindex, t] : p.target.taps) EXPECT_EQ(t.ifindex, ifindex);
  EXPECT_EQ(p.target.taps.at(7'000'001).flags, SN_TAP_QUARANTINED);
}

// A tap whose set changes both ways (neither only grows nor only shrinks) is written on a
// superset of old and new before its final set, and every set it is written on exists then.
TEST(Plan, ATapChangingSetsBothWaysPassesThroughASuperset) {
  auto p0 = plan(state(3, {{1, {0, 1}}, {2, {2}}}));
  auto p = plan(state(3, {{1, {1}}, {2, {0, 2}}}), p0.target);
  MapImage img = p0.target;
  std::vector<NetIndexList> seen;  // tap 100's set contents at each write
  for (auto& op : p.ops) {
    apply_op(img, op, p.reach_words);
    if (auto* t = std::get_if<PutTap>(&op); t && t->ifindex == 100) seen.push_back(img.set_nets.at(t->value.set_id));
  }
  NetIndexList old_nets = p0.target.set_nets.at(p0.target.taps.at(100).set_id);
  NetIndexList new_nets = p.target.set_nets.at(p.target.taps.at(100).set_id);
  ASSERT_EQ(seen.size(), 2u);
  NetIndexList both;
  std::set_union(old_nets.begin(), old_nets.end(), new_nets.begin(), new_nets.end(), std::back_inserter(both));
  EXPECT_EQ(seen[0], both) << "first write: the transit set old + new";
  EXPECT_EQ(seen[1], new_nets);
  check_transition(state(3, {{1, {0, 1}}, {2, {2}}}), state(3, {{1, {1}}, {2, {0, 2}}}), 3);
}

}  // namespace
}  // namespace sandnet::dp
