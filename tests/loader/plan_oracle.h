// The oracle for an incremental planner (issue 19): random churn of a desired state, delivered
// to a candidate planner as deltas, whose every plan must equal plan_update() on the whole
// state op for op (and so by resulting map image). The candidate keeps whatever it wants
// between applies; the oracle gives it only the delta and the maps' current contents.
#pragma once
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "loader/desired_delta.h"
#include "plan_fixtures.h"

namespace sandnet::dp::planfx {

// A planner under test: fed one delta at a time, in order, from an empty desired state.
struct DeltaPlanner {
  virtual ~DeltaPlanner() = default;
  virtual Plan plan(const DesiredDelta& delta, const MapImage& current) = 0;
};

// One op as text (kind, fields, value bytes in hex): equal text is an equal write.
inline std::string op_text(const MapOp& op) {
  auto hex = [](const auto& v) {
    std::string s;
    auto* p = reinterpret_cast<const unsigned char*>(&v);
    for (size_t i = 0; i < sizeof(v); ++i) s += fmt::format("{:02x}", p[i]);
    return s;
  };
  auto row = [](const ReachRow& r) {
    std::string s;
    for (auto& [w, bits] : r) s += fmt::format(" {}:{:x}", w, bits);
    return s;
  };
  return std::visit(OpVisitor{
                        [](const PutNetwork& o) { return fmt::format("PutNetwork {} {}", o.index, o.id); },
                        [](const PutSet& o) { return fmt::format("PutSet {} [{}]", o.set_id, fmt::join(o.nets, ",")); },
                        [&](const FillReachRow& o) { return fmt::format("FillReachRow {}{}", o.row, row(o.words)); },
                        [](const PutReachWord& o) { return fmt::format("PutReachWord {} {:x}", o.index, o.bits); },
                        [&](const PutEndpoint& o) { return fmt::format("PutEndpoint {} {}", o.ip_be, hex(o.value)); },
                        [&](const PutTap& o) { return fmt::format("PutTap {} {}", o.ifindex, hex(o.value)); },
                        [](const DelEndpoint& o) { return fmt::format("DelEndpoint {}", o.ip_be); },
                        [](const DelTap& o) { return fmt::format("DelTap {}", o.ifindex); },
                        [](const ResetCounterRow& o) { return fmt::format("ResetCounterRow {}", o.row); },
                        [](const DelSet& o) { return fmt::format("DelSet {}", o.set_id); },
                        [](const DelNetwork& o) { return fmt::format("DelNetwork {}", o.index); },
                        [&](const PutHost& o) { return fmt::format("PutHost {} {}", o.number, hex(o.value)); },
                        [](const DelHost& o) { return fmt::format("DelHost {}", o.number); },
                        [](const PutUnderlayHost& o) {
                          return fmt::format("PutUnderlayHost {} {}", o.underlay_be, o.number);
                        },
                        [](const DelUnderlayHost& o) { return fmt::format("DelUnderlayHost {}", o.underlay_be); },
                    },
                    op);
}

// The world the churn changes: which sandboxes exist (local on their tap, or remote), their
// MACs, the networks' members, the quarantined taps. Sandbox i is planfx::sb(i) on tap t<i>.
class ChurnModel {
 public:
  ChurnModel(int sandboxes, int networks, uint64_t seed) : n_(sandboxes), k_(networks), rng_(seed) {}

  // One random change (attach, detach, endpoint added/removed/moved/re-MACed, network
  // removed/emptied, a quarantine toggled), applied to the model and returned as a delta.
  DesiredDelta step() {
    DesiredDelta d;
    switch (pick(10)) {
      case 0: case 1: case 2: {  // attach (members without an endpoint are kept, and ignored)
        int net = pick(k_), s = pick(n_);
        if (members_[net].insert(s).second) d.upsert_networks.push_back(network(net));
        break;
      }
      case 3: case 4: {  // detach
        auto it = members_.find(pick(k_));  // never created here: a delta would have to carry it
        if (it == members_.end() || it->second.empty()) break;
        int net = it->first;
        it->second.erase(std::next(it->second.begin(), pick(static_cast<int>(it->second.size()))));
        d.upsert_networks.push_back(network(net));
        break;
      }
      case 5: case 6: {  // an endpoint appears, or moves between here and another host
        int s = pick(n_);
        where_[s] = pick(3) == 0 ? Where::remote : Where::local;
        d.upsert_endpoints.push_back(endpoint_of(s));
        break;
      }
      case 7: {  // an endpoint goes
        int s = pick(n_);
        if (where_.erase(s)) d.removed_endpoints.push_back(sb(s));
        break;
      }
      case 8: {  // a new MAC (a re-plug)
        int s = pick(n_);
        if (!where_.count(s)) break;
        mac_[s] = static_cast<uint8_t>(pick(250) + 1);
        d.upsert_endpoints.push_back(endpoint_of(s));
        break;
      }
      case 9: {  // a network removed whole, or a quarantine toggled on a tap
        if (pick(2)) {
          int net = pick(k_);
          if (members_.erase(net)) d.removed_networks.push_back(planfx::net(net));
        } else {
          int s = pick(n_);
          if (!quarantined_.erase(s)) quarantined_.insert(s);
          d.quarantine_changed = true;
          d.quarantined = quarantine_list();
        }
        break;
      }
    }
    return d;
  }

  // The whole desired state, built afresh from the model (listed by id, as view_to_state does).
  DesiredState state() const {
    DesiredState s;
    for (auto& [i, _] : where_) s.endpoints.push_back(endpoint_of(i));
    for (auto& [net, _] : members_) s.networks.push_back(network(net));
    s.quarantined = quarantine_list();
    return s;
  }

 private:
  enum class Where { local, remote };
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  EndpointSpec endpoint_of(int s) const {
    EndpointSpec e = endpoint(s, where_.at(s) == Where::local);
    if (auto m = mac_.find(s); m != mac_.end()) e.mac[5] = m->second;
    return e;
  }
  NetworkSpec network(int net) const {
    NetworkSpec ns{planfx::net(net), {}};
    for (int m : members_.at(net)) ns.members.push_back(sb(m));
    return ns;
  }
  std::vector<QuarantineSpec> quarantine_list() const {
    std::vector<QuarantineSpec> q;
    for (int s : quarantined_) q.push_back({tap_of(s), "churn"});
    return q;
  }

  int n_, k_;
  std::mt19937_64 rng_;
  std::map<int, Where> where_;
  std::map<int, uint8_t> mac_;
  std::map<int, std::set<int>> members_;
  std::set<int> quarantined_;
};

// What the churn exercised, so a test can check it reached the paths it means to compare.
struct ChurnCoverage {
  int plans_with_ops = 0, quarantines = 0, replans = 0, deletes = 0, moves = 0;
};

// Runs `steps` random changes; at each, the candidate's plan must equal plan_update() on the
// model's whole state from the same maps, op for op, and its target image likewise. The maps
// then take the oracle's target (as Datapath does), and the next change comes.
inline ChurnCoverage expect_plans_equal_under_churn(DeltaPlanner& candidate, uint64_t seed, int steps, int sandboxes,
                                                    int networks, const Capacity& cap = {}) {
  ChurnCoverage seen;
  ChurnModel model(sandboxes, networks, seed);
  MapImage current;
  auto taps = fake_taps();
  bool replan = false;
  for (int i = 0; i < steps; ++i) {
    // After a plan that asks for it, Datapath plans again from its result with nothing new:
    // the candidate gets an empty delta then.
    DesiredDelta delta = replan ? DesiredDelta{} : model.step();
    Plan want = plan_update(model.state(), current, taps, cap);
    Plan got = candidate.plan(delta, current);
    EXPECT_EQ(got.ops.size(), want.ops.size()) << "seed " << seed << " step " << i;
    for (size_t j = 0; j < want.ops.size() && j < got.ops.size(); ++j)
      if (op_text(got.ops[j]) != op_text(want.ops[j])) {
        ADD_FAILURE() << "seed " << seed << " step " << i << " op " << j << ": got " << op_text(got.ops[j])
                      << ", want " << op_text(want.ops[j]);
        return seen;
      }
    if (got.ops.size() != want.ops.size()) return seen;
    EXPECT_TRUE(got.target == want.target) << "seed " << seed << " step " << i;
    EXPECT_EQ(got.quarantined.size(), want.quarantined.size()) << "seed " << seed << " step " << i;
    EXPECT_EQ(got.replan, want.replan) << "seed " << seed << " step " << i;
    // The ops alone lead from the maps to the target (what MapSet writes is what is planned).
    MapImage written = current;
    apply_ops(written, want);
    EXPECT_TRUE(written == want.target) << "seed " << seed << " step " << i;
    seen.plans_with_ops += !want.ops.empty();
    seen.quarantines += !want.quarantined.empty();
    seen.replans += want.replan;
    seen.deletes += !ops_of<DelEndpoint>(want).empty();
    for (auto& e : ops_of<PutEndpoint>(want)) seen.moves += !(e.value.flags & SN_EP_PRESENT);
    replan = want.replan;
    current = std::move(want.target);
  }
  return seen;
}

}  // namespace sandnet::dp::planfx
