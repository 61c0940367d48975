#include "loader/map_plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <set>
#include <string_view>
#include <unordered_map>

#include "loader/capacity_budget.h"
#include "loader/host_plan.h"
#include "loader/plan_builder.h"

namespace sandnet::dp {

bool operator==(const MapImage& a, const MapImage& b) {
  auto same_map = [](const auto& x, const auto& y) {
    return x.size() == y.size() && std::equal(x.begin(), x.end(), y.begin(), [](auto& p, auto& q) {
             return p.first == q.first && same_bytes(p.second, q.second);
           });
  };
  return same_map(a.endpoints, b.endpoints) && same_map(a.taps, b.taps) && a.reach == b.reach &&
         a.set_nets == b.set_nets && a.networks == b.networks && same_map(a.hosts, b.hosts) &&
         a.underlay_hosts == b.underlay_hosts;
}

bool reaches(const MapImage& img, const sn_tap& tap, uint32_t dst_set) {
  auto row = img.reach.find(tap.counter_row);
  if (row == img.reach.end()) return false;
  auto word = row->second.find(dst_set / SN_REACH_BITS);
  return word != row->second.end() && (word->second >> (dst_set % SN_REACH_BITS)) & 1;
}

namespace {

// For every src set with a local member: the reach row of the sets sharing a
// network with it (the bits its taps' rows hold).
std::unordered_map<uint32_t, ReachRow> reach_of_sets(const std::map<uint32_t, NetIndexList>& sets,
                                                    const std::set<uint32_t>& src_sets) {
  std::unordered_map<uint32_t, std::vector<uint32_t>> sets_of_net;
  for (auto& [set_id, nets] : sets)
    for (uint32_t n : nets) sets_of_net[n].push_back(set_id);
  std::unordered_map<uint32_t, ReachRow> rows;
  for (uint32_t src : src_sets) {
    auto it = sets.find(src);
    if (it == sets.end()) continue;
    ReachRow& row = rows[src];
    for (uint32_t n : it->second)
      for (uint32_t dst : sets_of_net[n]) row[dst / SN_REACH_BITS] |= uint64_t{1} << (dst % SN_REACH_BITS);
  }
  return rows;
}

void merge_row(ReachRow& into, const ReachRow& from) {
  for (auto& [w, bits] : from) into[w] |= bits;
}

uint64_t word_of(const ReachRow* row, uint32_t w) {
  if (!row) return 0;
  auto it = row->find(w);
  return it == row->end() ? 0 : it->second;
}

// Keys of `from` that `to` lacks, in order (a merge walk).
template <typename K, typename V>
std::vector<K> keys_missing(const std::map<K, V>& from, const std::map<K, V>& to) {
  std::vector<K> out;
  auto it = to.begin();
  for (auto& [k, _] : from) {
    while (it != to.end() && it->first < k) ++it;
    if (it == to.end() || k < it->first) out.push_back(k);
  }
  return out;
}

// A tap keeps its drop_counts/reach row while it keeps its guest, and across a drop-all entry
// (ip 0, which reads no reach): so quarantining a running tap needs no new row. A tap given
// to another guest takes a new row, so the new guest never holds the old guest's reach bits
// or counters, not even mid-update.
std::optional<uint32_t> kept_row(const MapImage& current, uint32_t ifindex, uint32_t ip) {
  auto it = current.taps.find(ifindex);
  if (it == current.taps.end() || it->second.counter_row == 0) return std::nullopt;
  if (it->second.ip == ip || it->second.ip == 0 || ip == 0) return it->second.counter_row;
  return std::nullopt;
}

// A tap entry for guest `ip` (0: quarantined, no guest) on reach/counter row `row`: the tap's
// MAC and the config copies.
sn_tap tap_entry(const TapInfo& tap, uint32_t ip, const TapForwarding& fwd, uint32_t words, uint32_t row) {
  sn_tap t{};
  t.ifindex = tap.ifindex;
  t.ip = ip;
  std::copy(tap.mac.begin(), tap.mac.end(), t.tap_mac);
  t.counter_row = row;
  t.reach_base = row * words;
  t.overlay_net = fwd.overlay_net_be;
  t.overlay_mask = fwd.overlay_mask_be;
  t.host_ll = fwd.host_ll_be;
  std::copy(fwd.gateway_mac.begin(), fwd.gateway_mac.end(), t.gw_mac);
  t.host_number = fwd.overlay_link.host_number;
  t.vxlan_ifindex = fwd.overlay_link.vxlan_ifindex;
  t.overlay_mtu = fwd.overlay_link.mtu;
  return t;
}

}  // namespace

namespace detail {

PlanBuilder::PlanBuilder(Plan& plan, MapImage& target, const MapImage& current, const TapResolver& resolve,
                         const Capacity& cap, const TapForwarding& fwd, const HostPlan& hosts,
                         std::map<NetIndexList, uint32_t>& set_id_of,
                         const std::unordered_map<uint32_t, std::string_view>& net_id_at)
    : plan_(plan),
      target_(target),
      current_(current),
      resolve_(resolve),
      cap_(cap),
      fwd_(fwd),
      hosts_(hosts),
      words_(reach_words_per_row(cap)),
      set_id_of_(set_id_of),
      net_id_at_(net_id_at),
      // Room counted at the peak: whatever the maps hold now stays until phase 3.
      budget_(cap, current.endpoints.size(), current.taps.size(), current.networks.size(), current.set_nets.size()),
      set_ids_(current.set_nets),
      rows_(rows_in_use_) {
  plan_.reach_words = words_;
  // drop_counts/reach rows (kept_row): a new one is the smallest no current tap holds (row 0
  // counts devices without a tap entry), so a row is never reused while an entry points at it.
  for (auto& [ifindex, t] : current.taps) rows_in_use_[t.counter_row] = ifindex;
}

// A drop-all entry needs a row (a new one unless the tap has an entry now), no set, no reach bit.
void PlanBuilder::hold(uint32_t ifindex, std::string tap, std::string why, std::string sandbox) {
  auto [it, fresh] = quarantine_.emplace(ifindex, Quarantined{ifindex, tap, why, std::move(sandbox)});
  if (!fresh) return;
  if (kept_row(current_, ifindex, 0)) return;
  if (auto knob = budget_.exceeded({.rows = 1})) {
    it->second.has_entry = false;
    it->second.why += "; no room for its drop-all entry: " + budget_.why(knob);
    capacity_limited_ = true;
  } else {
    budget_.take({.rows = 1});
  }
}

void PlanBuilder::remote_not_installed(const EndpointSpec& ep, const std::string& why) {
  plan_.warnings.push_back(fmt::format("remote endpoint {} not installed (its packets drop): {}", ep.sandbox_id, why));
  plan_.quarantined.push_back({0, "", why, ep.sandbox_id, false});
}

void PlanBuilder::missing_tap(const EndpointSpec& ep) {
  plan_.warnings.push_back(fmt::format("endpoint {}: tap {} does not exist; not installed", ep.sandbox_id, ep.tap));
}

void PlanBuilder::consider(const EndpointSpec& ep, const std::optional<TapInfo>& tap, NetIndexList nets, int claims,
                           std::vector<Candidate>& out) {
  std::sort(nets.begin(), nets.end());
  if (nets.size() > cap_.max_nets_per_sandbox) {
    auto why = fmt::format("sandbox {} is in {} networks (config max_nets_per_sandbox = {})", ep.sandbox_id,
                           nets.size(), cap_.max_nets_per_sandbox);
    if (tap) hold(tap->ifindex, ep.tap, why, ep.sandbox_id);
    else remote_not_installed(ep, why);
    return;
  }
  if (tap && claims > 1) {
    hold(tap->ifindex, ep.tap, fmt::format("tap {} is claimed by {} sandboxes", ep.tap, claims));
    return;
  }
  out.push_back({&ep, tap, std::move(nets), current_.endpoints.count(ep.ip_be) != 0});
  if (tap) candidate_taps_.insert(tap->ifindex);
}

void PlanBuilder::hold_unplaced(const std::vector<QuarantineSpec>& quarantined, const HeldTaps& held) {
  // Taps the desired state cannot place, and taps that carry the programs with nothing
  // placing them: drop-all entries (never a detach), their rows reserved before newcomers'.
  for (auto& q : quarantined)
    if (auto tap = resolve_(q.tap); tap && !candidate_taps_.count(tap->ifindex)) hold(tap->ifindex, q.tap, q.why);
  for (uint32_t ifindex : held)
    if (!candidate_taps_.count(ifindex)) hold(ifindex, "", "carries sandnet's programs but no plug places it");
}

namespace {

NetIndexList contents(uint32_t set_id, const std::map<uint32_t, NetIndexList>& sets) {
  auto it = sets.find(set_id);
  return it == sets.end() ? NetIndexList{} : it->second;
}
bool includes(const NetIndexList& big, const NetIndexList& small) {
  return std::includes(big.begin(), big.end(), small.begin(), small.end());
}
// The set an entry passes through when it moves from `old_nets` to `nets` neither by only
// growing nor by only shrinking (see step in emit()); empty when it needs none.
NetIndexList transit_of(const NetIndexList& old_nets, const NetIndexList& nets) {
  NetIndexList u;
  if (includes(nets, old_nets) || includes(old_nets, nets)) return u;
  std::set_union(old_nets.begin(), old_nets.end(), nets.begin(), nets.end(), std::back_inserter(u));
  return u;
}

}  // namespace

void PlanBuilder::admit(std::vector<Candidate>& candidates) {
  // Admission, in a stable order: entries already in the maps first, then by sandbox id.
  // The desired state usually lists endpoints by sandbox id already: a partition and a check
  // then replace a sort of string keys (a large part of a plan's cost at 10k sandboxes).
  auto newcomers = std::stable_partition(candidates.begin(), candidates.end(), [](auto& c) { return c.in_maps; });
  auto by_id = [](const Candidate& a, const Candidate& b) { return a.ep->sandbox_id < b.ep->sandbox_id; };
  for (auto [from, to] : {std::pair{candidates.begin(), newcomers}, std::pair{newcomers, candidates.end()}})
    if (!std::is_sorted(from, to, by_id)) std::sort(from, to, by_id);
  for (auto& c : candidates) admit_one(c);
}

void PlanBuilder::admit_one(const Candidate& c) {
  auto& ep = *c.ep;
  const auto& tap = c.tap;
  sn_endpoint e{};
  e.ifindex = tap ? tap->ifindex : 0;
  e.host_id = hosts_.host_id(ep);
  // What it adds to the maps: its endpoint key, new networks, its set and the transit sets
  // its entries pass through, and a row for a new tap or a new guest.
  CapacityNeed need;
  auto cur_ep = current_.endpoints.find(ep.ip_be);
  need.endpoints = cur_ep == current_.endpoints.end() ? 1 : 0;
  for (uint32_t n : c.nets) need.networks += !current_.networks.count(n) && !target_.networks.count(n);
  std::vector<NetIndexList> new_sets;
  auto add_set = [&](const NetIndexList& nets) {
    if (!nets.empty() && !set_id_of_.count(nets) && std::find(new_sets.begin(), new_sets.end(), nets) == new_sets.end())
      new_sets.push_back(nets);
  };
  add_set(c.nets);
  if (cur_ep != current_.endpoints.end() && cur_ep->second.ifindex == e.ifindex && cur_ep->second.host_id == e.host_id)
    add_set(transit_of(contents(cur_ep->second.set_id, current_.set_nets), c.nets));
  if (tap) {
    auto cur_tap = current_.taps.find(tap->ifindex);
    if (cur_tap != current_.taps.end() && cur_tap->second.ip == ep.ip_be)
      add_set(transit_of(contents(cur_tap->second.set_id, current_.set_nets), c.nets));
    need.rows = kept_row(current_, tap->ifindex, ep.ip_be) ? 0 : 1;
  }
  need.sets = static_cast<uint32_t>(new_sets.size());
  if (auto knob = budget_.exceeded(need)) {
    capacity_limited_ = true;
    auto why = fmt::format("sandbox {} does not fit: {}", ep.sandbox_id, budget_.why(knob));
    if (tap) hold(tap->ifindex, ep.tap, why, ep.sandbox_id);
    else remote_not_installed(ep, why);
    return;
  }
  budget_.take(need);
  for (auto& nets : new_sets) set_id_of_.emplace(nets, set_ids_.next());
  uint32_t set_id = 0;
  if (!c.nets.empty()) {
    set_id = set_id_of_.at(c.nets);
    target_.set_nets[set_id] = c.nets;
    for (uint32_t n : c.nets)
      if (auto [it, fresh] = target_.networks.try_emplace(n); fresh) it->second = net_id_at_.at(n);
  }
  std::copy(ep.mac.begin(), ep.mac.end(), e.mac);
  e.set_id = set_id;
  e.flags = SN_EP_PRESENT;
  target_.endpoints[ep.ip_be] = e;
  if (tap) {
    auto kept = kept_row(current_, tap->ifindex, ep.ip_be);
    sn_tap t = tap_entry(*tap, ep.ip_be, fwd_, words_, kept ? *kept : rows_.next());
    t.set_id = set_id;
    std::copy(ep.mac.begin(), ep.mac.end(), t.mac);
    target_.taps[tap->ifindex] = t;
    if (set_id) local_sets_.insert(set_id);
  }
}

void PlanBuilder::finish_quarantines() {
  for (auto& [ifindex, q] : quarantine_) {
    if (q.has_entry) {
      std::optional<TapInfo> info = q.tap.empty() ? std::nullopt : resolve_(q.tap);
      auto kept = kept_row(current_, ifindex, 0);
      sn_tap t = tap_entry(info ? *info : TapInfo{ifindex, {}}, 0, fwd_, words_, kept ? *kept : rows_.next());
      t.flags = SN_TAP_QUARANTINED;  // ip 0: no guest, no set, no endpoint points here
      target_.taps[ifindex] = t;
    }
    plan_.warnings.push_back(fmt::format("tap {} (ifindex {}) quarantined, drop-all: {}",
                                         q.tap.empty() ? "?" : q.tap, ifindex, q.why));
    plan_.quarantined.push_back(std::move(q));
  }
  quarantine_.clear();
}

void PlanBuilder::emit(bool partial, const std::vector<uint32_t>& gone) {
  const MapImage& current = current_;
  MapImage& target = target_;
  const uint32_t words = words_;
  const Capacity& cap = cap_;
  const auto& local_sets = local_sets_;
  auto& set_id_of = set_id_of_;
  // Phase 2 entries: for each key whose set changes neither by only growing
  // nor by only shrinking, a transit entry on the union of old and new
  // (its id handed out at admission).
  std::map<uint32_t, NetIndexList> transit_sets;
  // Returns the set id an entry moves to in phase 2a, or nullopt if it
  // moves straight to its final set in phase 2b.
  auto step = [&](uint32_t old_set, uint32_t new_set) -> std::optional<uint32_t> {
    if (old_set == new_set) return new_set;
    NetIndexList x = contents(old_set, current.set_nets), y = contents(new_set, target.set_nets);
    if (includes(y, x)) return new_set;      // only grows: final at once
    if (includes(x, y)) return std::nullopt;  // only shrinks: after the others grew
    NetIndexList u = transit_of(x, y);
    uint32_t id = set_id_of.at(u);
    if (!target.set_nets.count(id)) transit_sets[id] = u;
    return id;
  };
  std::vector<PutEndpoint> put_endpoints, settle_endpoints;
  std::vector<PutTap> put_taps, settle_taps;
  // Endpoints and taps are array slots rewritten in place, so a reader may
  // see a mix of the old and new value. An entry that changes place (tap or
  // host; for a tap, its guest IP) is emptied first, so that no mix pairs
  // the old place with the new set (docs/datapath.md, "Torn reads").
  auto walk = current.endpoints.begin();  // both sorted: a merge walk instead of a find each
  for (auto& [k, v] : target.endpoints) {
    decltype(walk) it;
    if (partial) {  // a few entries: a find each, not a walk over the whole map
      it = current.endpoints.find(k);
    } else {
      while (walk != current.endpoints.end() && walk->first < k) ++walk;
      it = walk != current.endpoints.end() && walk->first == k ? walk : current.endpoints.end();
    }
    if (it != current.endpoints.end() && same_bytes(it->second, v)) continue;
    bool moves = it != current.endpoints.end() &&
                 (it->second.ifindex != v.ifindex || it->second.host_id != v.host_id);
    if (moves) put_endpoints.push_back({k, sn_endpoint{}});
    auto via = it == current.endpoints.end() || moves ? std::optional<uint32_t>(v.set_id)
                                                      : step(it->second.set_id, v.set_id);
    if (via && *via == v.set_id) {
      put_endpoints.push_back({k, v});
      continue;
    }
    if (via) {
      sn_endpoint t = v;
      t.set_id = *via;
      put_endpoints.push_back({k, t});
    }
    settle_endpoints.push_back({k, v});
  }
  std::set<uint32_t> transit_local;
  std::map<uint32_t, uint32_t> transit_of_tap;  // ifindex -> its phase-2a set
  for (auto& [k, v] : target.taps) {
    auto it = current.taps.find(k);
    if (it != current.taps.end() && same_bytes(it->second, v)) continue;
    bool moves = it != current.taps.end() && it->second.ip != v.ip;
    if (moves) put_taps.push_back({k, sn_tap{}});
    auto via = it == current.taps.end() || moves ? std::optional<uint32_t>(v.set_id)
                                                 : step(it->second.set_id, v.set_id);
    if (via && *via == v.set_id) {
      put_taps.push_back({k, v});
      continue;
    }
    if (via) {
      sn_tap t = v;
      t.set_id = *via;
      put_taps.push_back({k, t});
      transit_local.insert(*via);
      transit_of_tap[k] = *via;
    }
    settle_taps.push_back({k, v});
  }

  // Reach for every combination of entries that can meet during the update.
  std::map<uint32_t, NetIndexList> all_sets = current.set_nets;
  all_sets.insert(target.set_nets.begin(), target.set_nets.end());
  all_sets.insert(transit_sets.begin(), transit_sets.end());
  std::set<uint32_t> all_local = local_sets;
  all_local.insert(transit_local.begin(), transit_local.end());
  for (auto& [_, t] : current.taps)
    if (t.set_id) all_local.insert(t.set_id);
  auto transition_reach = reach_of_sets(all_sets, all_local);
  auto final_reach = reach_of_sets(target.set_nets, local_sets);

  // New set ids are the smallest free ones, so admission keeps them at most max_sets. A larger
  // id an entry keeps was adopted from the maps (written under another configuration): its
  // reach bit would fall in the next row, and no single entry's quarantine can be trusted to
  // catch every such entry, so the whole state is refused and the maps stay as they are.
  // (A foreign id no entry uses is merely deleted in phase 3.)
  for (auto* sets : {&target.set_nets, &transit_sets})
    if (!sets->empty() && sets->rbegin()->first / SN_REACH_BITS >= words)
      throw CapacityError(fmt::format("over capacity: set id {} in use (config max_sets = {}); purge the maps",
                                      sets->rbegin()->first, cap.max_sets));

  auto& ops = plan_.ops;
  // Phase 1: make. The hosts first: an endpoint entry never names a host the maps lack.
  HostPlan::put_ops(current, target, ops);
  for (auto& [k, v] : target.networks) {
    auto it = current.networks.find(k);
    if (it == current.networks.end() || it->second != v) ops.push_back(PutNetwork{k, v});
  }
  for (auto& [k, v] : all_sets) {
    if (!target.set_nets.count(k) && !transit_sets.count(k)) continue;
    auto it = current.set_nets.find(k);
    if (it == current.set_nets.end() || it->second != v) ops.push_back(PutSet{k, v});
  }
  // Each tap's row: phase 1 adds the bits of every set the tap holds during
  // the update (old, transit, final) towards every set a destination holds
  // (current, transit, final); phase 3 leaves exactly the final row.
  auto set_row = [](const std::unordered_map<uint32_t, ReachRow>& rows, uint32_t set) -> const ReachRow* {
    auto it = rows.find(set);
    return it == rows.end() ? nullptr : &it->second;
  };
  std::vector<PutReachWord> settle_reach;
  std::vector<uint32_t> left_rows;  // rows of taps given to another guest: reset once left
  for (auto& [ifindex, t] : target.taps) {
    const uint32_t base = t.reach_base;
    ReachRow fin;
    if (auto* r = set_row(final_reach, t.set_id)) fin = *r;
    if (!fin.empty()) target.reach[t.counter_row] = fin;
    ReachRow grow = fin;
    if (auto* r = set_row(transition_reach, t.set_id)) merge_row(grow, *r);
    if (auto via = transit_of_tap.find(ifindex); via != transit_of_tap.end())
      if (auto* r = set_row(transition_reach, via->second)) merge_row(grow, *r);
    auto cur_tap = current.taps.find(ifindex);
    // A row is written whole when it is new to the entry: a new row, or a drop-all entry's
    // row given to a guest (a drop-all entry reads no reach, so nothing depends on it).
    bool fresh = cur_tap == current.taps.end() || cur_tap->second.counter_row != t.counter_row ||
                 (cur_tap->second.ip == 0 && t.ip != 0);
    const ReachRow* cur = nullptr;
    if (!fresh) {
      if (auto* r = set_row(transition_reach, cur_tap->second.set_id)) merge_row(grow, *r);
      auto it = current.reach.find(t.counter_row);
      cur = it == current.reach.end() ? nullptr : &it->second;
    }
    // Phase 1 value of each word: what is there now plus what grows.
    ReachRow phase1 = grow;
    if (cur) merge_row(phase1, *cur);
    if (fresh) {
      ops.push_back(FillReachRow{t.counter_row, phase1});
      if (cur_tap != current.taps.end() && cur_tap->second.counter_row == t.counter_row)
        ops.push_back(ResetCounterRow{t.counter_row});  // the guest starts at 0, not at the quarantine's drops
      else if (cur_tap != current.taps.end() && cur_tap->second.counter_row != 0)
        left_rows.push_back(cur_tap->second.counter_row);
    } else {
      for (auto& [w, bits] : phase1)
        if (bits != word_of(cur, w)) ops.push_back(PutReachWord{base + w, bits});
    }
    for (auto& [w, bits] : phase1)
      if (word_of(&fin, w) != bits) settle_reach.push_back({base + w, word_of(&fin, w)});
  }
  // Phase 2a: each changed entry on a superset of its old set (or its final entry).
  for (auto& op : put_endpoints) ops.push_back(op);
  for (auto& op : put_taps) ops.push_back(op);
  // Phase 2b: settle on the final entry.
  for (auto& op : settle_endpoints) ops.push_back(op);
  for (auto& op : settle_taps) ops.push_back(op);
  for (uint32_t row : left_rows) ops.push_back(ResetCounterRow{row});  // the next tap given it starts at 0
  // Phase 3: break.
  bool deletes = false;
  for (uint32_t k : partial ? gone : keys_missing(current.endpoints, target.endpoints)) {
    ops.push_back(DelEndpoint{k});
    deletes = true;
  }
  for (uint32_t k : keys_missing(current.taps, target.taps)) {
    ops.push_back(DelTap{k});
    if (uint32_t row = current.taps.at(k).counter_row) ops.push_back(ResetCounterRow{row});
    deletes = true;
  }
  // A row whose tap is gone is emptied after the tap entry (a new tap is
  // never given a row freed in the same update).
  for (auto& [ifindex, t] : current.taps) {
    auto it = target.taps.find(ifindex);
    if (it != target.taps.end() && it->second.counter_row == t.counter_row) continue;
    if (auto row = current.reach.find(t.counter_row); row != current.reach.end())
      for (auto& [w, bits] : row->second)
        if (bits) settle_reach.push_back({t.reach_base + w, 0});
  }
  for (auto& op : settle_reach) ops.push_back(op);
  for (auto& [k, _] : all_sets)
    if (!target.set_nets.count(k)) {
      ops.push_back(DelSet{k});
      deletes = true;
    }
  for (auto& [k, _] : current.networks)
    if (!target.networks.count(k)) {
      ops.push_back(DelNetwork{k});
      deletes = true;
    }
  HostPlan::delete_ops(current, target, ops);
  plan_.replan = capacity_limited_ && deletes;
}

}  // namespace detail

Plan plan_update(const DesiredState& desired, const MapImage& current, const TapResolver& resolve,
                 const Capacity& cap, const TapForwarding& fwd, const HeldTaps& held) {
  Plan plan;
  const HostPlan hosts(desired, cap, plan.warnings);
  hosts.fill(plan.target);

  // Adopt network indexes and set ids from what the maps hold.
  // Hash maps over views of strings that outlive this call: per-member work is most of a plan.
  std::unordered_map<std::string_view, uint32_t> net_index_of;
  net_index_of.reserve(current.networks.size() + desired.networks.size());
  for (auto& [index, id] : current.networks) net_index_of.emplace(id, index);
  std::map<NetIndexList, uint32_t> set_id_of;  // what the maps hold, plus what this update admits
  for (auto& [set_id, nets] : current.set_nets) set_id_of.emplace(nets, set_id);
  detail::IdAllocator net_ids(current.networks);

  // Every desired network gets its index now; it enters the target only with an admitted member.
  std::unordered_map<uint32_t, std::string_view> net_id_at;
  std::unordered_map<std::string_view, NetIndexList> nets_of_sandbox;
  nets_of_sandbox.reserve(desired.endpoints.size());
  for (auto& net : desired.networks) {
    auto [it, fresh] = net_index_of.emplace(net.id, 0);
    if (fresh) it->second = net_ids.next();
    net_id_at[it->second] = net.id;
    for (auto& member : net.members) nets_of_sandbox[member].push_back(it->second);
  }
  detail::PlanBuilder b(plan, plan.target, current, resolve, cap, fwd, hosts, set_id_of, net_id_at);

  // Local taps first: a tap claimed by two endpoints places neither (which guest is behind it?).
  std::vector<std::optional<TapInfo>> tap_of(desired.endpoints.size());
  std::unordered_map<uint32_t, int> claims;
  for (size_t i = 0; i < desired.endpoints.size(); ++i) {
    auto& ep = desired.endpoints[i];
    if (!ep.local()) continue;
    tap_of[i] = resolve(ep.tap);
    if (!tap_of[i]) {
      b.missing_tap(ep);
      continue;
    }
    ++claims[tap_of[i]->ifindex];
  }

  // Per-entry problems first; what is left competes for room.
  std::vector<detail::Candidate> candidates;
  for (size_t i = 0; i < desired.endpoints.size(); ++i) {
    auto& ep = desired.endpoints[i];
    const auto& tap = tap_of[i];
    if (ep.local() && !tap) continue;
    auto found = nets_of_sandbox.find(ep.sandbox_id);
    b.consider(ep, tap, found == nets_of_sandbox.end() ? NetIndexList{} : found->second,
               tap ? claims[tap->ifindex] : 0, candidates);
  }
  b.hold_unplaced(desired.quarantined, held);
  b.admit(candidates);
  b.finish_quarantines();
  b.emit(/*partial=*/false);
  return plan;
}

}  // namespace sandnet::dp
