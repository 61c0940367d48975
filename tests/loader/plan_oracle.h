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

// The world the churn changes: which sandboxes exist (local on their tap, or remote on one of
// kHosts hosts), their MACs, the networks' members, the quarantined taps, and the overlay's
// host list (layout v7: some of those hosts listed, with a number and an underlay address).
// Sandbox i is planfx::sb(i) on tap t<i>; host j is "host-<j>".
class ChurnModel {
 public:
  static constexpr int kHosts = 4;
  ChurnModel(int sandboxes, int networks, uint64_t seed) : n_(sandboxes), k_(networks), rng_(seed) {
    for (int j = 0; j < kHosts - 1; ++j) listed_[j] = {static_cast<uint32_t>(j + 1), underlay(j + 1)};
  }

  // One random change (attach, detach, endpoint added/removed/moved/re-MACed, a remote
  // endpoint moved to another host, network removed/emptied, a quarantine toggled, the host
  // list changed), applied to the model and returned as a delta.
  DesiredDelta step() {
    DesiredDelta d;
    if (!hosts_announced_) {  // the planners start from an empty state: the first change lists the hosts
      hosts_announced_ = true;
      d.hosts_changed = true;
      d.hosts = host_list();
    }
    switch (pick(12)) {
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
        host_of_[s] = pick(kHosts);
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
      case 10: {  // a remote endpoint moves to another host
        int s = pick(n_);
        auto it = where_.find(s);
        if (it == where_.end() || it->second != Where::remote) break;
        host_of_[s] = pick(kHosts);
        d.upsert_endpoints.push_back(endpoint_of(s));
        break;
      }
      case 11: {  // now and then, the host list: a host added, removed, renumbered, its underlay moved
        if (pick(4) != 0) break;
        int j = pick(kHosts);
        auto it = listed_.find(j);
        switch (pick(4)) {
          case 0:  // listed afresh, or removed
            if (it == listed_.end()) listed_[j] = {free_number(), underlay(free_underlay())};
            else listed_.erase(it);
            break;
          case 1:
            if (it == listed_.end()) return d;
            it->second.first = free_number();
            break;
          case 2:
            if (it == listed_.end()) return d;
            it->second.second = underlay(free_underlay());
            break;
          case 3:  // two hosts swap numbers
            if (auto other = listed_.find(pick(kHosts)); it != listed_.end() && other != listed_.end())
              std::swap(it->second.first, other->second.first);
            else
              return d;
            break;
        }
        d.hosts_changed = true;
        d.hosts = host_list();
        ++host_list_changes;
        break;
      }
    }
    return d;
  }

  int host_list_changes = 0;

  // The whole desired state, built afresh from the model (listed by id, as view_to_state does).
  DesiredState state() const {
    DesiredState s;
    for (auto& [i, _] : where_) s.endpoints.push_back(endpoint_of(i));
    for (auto& [net, _] : members_) s.networks.push_back(network(net));
    s.quarantined = quarantine_list();
    s.hosts = host_list();
    return s;
  }

 private:
  enum class Where { local, remote };
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  static uint32_t underlay(int octet) { return *parse_ipv4(fmt::format("192.0.2.{}", octet)); }
  // A number (1..8) or an underlay octet (1..8) no listed host has: an old one comes back too.
  uint32_t free_number() {
    for (;;) {
      uint32_t n = static_cast<uint32_t>(pick(8) + 1);
      bool used = false;
      for (auto& [_, h] : listed_) used |= h.first == n;
      if (!used) return n;
    }
  }
  int free_underlay() {
    for (;;) {
      int o = pick(8) + 1;
      bool used = false;
      for (auto& [_, h] : listed_) used |= h.second == underlay(o);
      if (!used) return o;
    }
  }
  std::vector<HostSpec> host_list() const {
    std::vector<HostSpec> hosts;
    for (auto& [j, h] : listed_) hosts.push_back({fmt::format("host-{}", j), h.first, h.second});
    return hosts;
  }
  EndpointSpec endpoint_of(int s) const {
    EndpointSpec e = endpoint(s, where_.at(s) == Where::local);
    if (!e.local()) e.host = fmt::format("host-{}", host_of_.count(s) ? host_of_.at(s) : 0);
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
  bool hosts_announced_ = false;
  std::map<int, int> host_of_;                              // sandbox -> host j, when remote
  std::map<int, std::pair<uint32_t, uint32_t>> listed_;  // host j -> number, underlay
  std::map<int, std::set<int>> members_;
  std::set<int> quarantined_;
};

// What the churn exercised, so a test can check it reached the paths it means to compare.
struct ChurnCoverage {
  int plans_with_ops = 0, quarantines = 0, replans = 0, deletes = 0, moves = 0;
  int host_puts = 0, host_deletes = 0, host_list_changes = 0;  // plans writing/deleting hosts; list changes
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
    seen.host_puts += !ops_of<PutHost>(want).empty() || !ops_of<PutUnderlayHost>(want).empty();
    seen.host_deletes += !ops_of<DelHost>(want).empty() || !ops_of<DelUnderlayHost>(want).empty();
    replan = want.replan;
    current = std::move(want.target);
  }
  seen.host_list_changes = model.host_list_changes;
  return seen;
}

}  // namespace sandnet::dp::planfx
