#include "loader/map_plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <set>
#include <string_view>
#include <unordered_map>

namespace sandnet::dp {

bool operator==(const MapImage& a, const MapImage& b) {
  auto same_map = [](const auto& x, const auto& y) {
    return x.size() == y.size() && std::equal(x.begin(), x.end(), y.begin(), [](auto& p, auto& q) {
             return p.first == q.first && same_bytes(p.second, q.second);
           });
  };
  return same_map(a.endpoints, b.endpoints) && same_map(a.taps, b.taps) && a.reach == b.reach &&
         a.set_nets == b.set_nets && a.networks == b.networks;
}

bool reaches(const MapImage& img, const sn_tap& tap, uint32_t dst_set) {
  auto row = img.reach.find(tap.counter_row);
  if (row == img.reach.end()) return false;
  auto word = row->second.find(dst_set / SN_REACH_BITS);
  return word != row->second.end() && (word->second >> (dst_set % SN_REACH_BITS)) & 1;
}

size_t Plan::writes() const {
  // A row filled whole is one batch write.
  return put_networks.size() + put_sets.size() + fill_rows.size() + put_reach.size() +
         put_endpoints.size() + put_taps.size() + settle_endpoints.size() + settle_taps.size() +
         del_endpoints.size() + del_taps.size() + settle_reach.size() + del_sets.size() +
         del_networks.size();
}

namespace {

// Hands out the smallest id >= 1 that is neither in use now nor taken in
// this update, so that ids of entries deleted in phase 3 are never reused
// while old entries still point at them.
class IdAllocator {
 public:
  template <typename Map>
  explicit IdAllocator(const Map& in_use) {
    for (auto& [id, _] : in_use) taken_.insert(id);
  }
  uint32_t next() {
    while (taken_.count(cursor_)) ++cursor_;
    taken_.insert(cursor_);
    return cursor_;
  }

 private:
  std::set<uint32_t> taken_;
  uint32_t cursor_ = 1;
};

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

void check_capacity(size_t target, size_t peak, uint32_t cap, const char* what, const char* knob) {
  if (target > cap)
    throw CapacityError(fmt::format("over capacity: {} {} (config {} = {})", target, what, knob, cap));
  if (peak > cap)
    throw CapacityError(fmt::format(
        "over capacity: the update needs {} {} at its peak, old and new side by side "
        "(config {} = {}); apply it in smaller steps",
        peak, what, knob, cap));
}

// Both maps are sorted: one merge walk, no lookups (these run over every endpoint).
template <typename K, typename V>
size_t union_size(const std::map<K, V>& a, const std::map<K, V>& b) {
  size_t n = a.size();
  auto ia = a.begin();
  for (auto& [k, _] : b) {
    while (ia != a.end() && ia->first < k) ++ia;
    n += (ia != a.end() && !(k < ia->first)) ? 0 : 1;
  }
  return n;
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

using RowOfTap = std::map<std::pair<uint32_t, uint32_t>, uint32_t>;  // {ifindex, guest ip} -> row

// A tap entry for guest `ip` (0: quarantined, no guest): the tap's MAC, its counter/reach row
// (kept while the tap keeps its guest) and the config copies.
sn_tap tap_entry(const TapInfo& tap, uint32_t ip, const TapForwarding& fwd, uint32_t words,
                 const RowOfTap& row_of_tap, IdAllocator& rows) {
  sn_tap t{};
  t.ifindex = tap.ifindex;
  t.ip = ip;
  std::copy(tap.mac.begin(), tap.mac.end(), t.tap_mac);
  auto row = row_of_tap.find({tap.ifindex, ip});
  t.counter_row = row != row_of_tap.end() && row->second != 0 ? row->second : rows.next();
  t.reach_base = t.counter_row * words;
  t.overlay_net = fwd.overlay_net_be;
  t.overlay_mask = fwd.overlay_mask_be;
  t.host_ll = fwd.host_ll_be;
  std::copy(fwd.gateway_mac.begin(), fwd.gateway_mac.end(), t.gw_mac);
  return t;
}

}  // namespace

Plan plan_update(const DesiredState& desired, const MapImage& current, const TapResolver& resolve,
                 const Capacity& cap, const TapForwarding& fwd, const HeldTaps& held) {
  Plan plan;
  MapImage& target = plan.target;
  const uint32_t words = reach_words_per_row(cap);
  plan.reach_words = words;

  // Adopt network indexes and set ids from what the maps hold.
  // Hash maps over views of strings that outlive this call: per-member work is most of a plan.
  std::unordered_map<std::string_view, uint32_t> net_index_of;
  net_index_of.reserve(current.networks.size() + desired.networks.size());
  for (auto& [index, id] : current.networks) net_index_of.emplace(id, index);
  std::map<NetIndexList, uint32_t> set_id_of;
  for (auto& [set_id, nets] : current.set_nets) set_id_of.emplace(nets, set_id);
  IdAllocator net_ids(current.networks), set_ids(current.set_nets);

  std::unordered_map<std::string_view, NetIndexList> nets_of_sandbox;
  nets_of_sandbox.reserve(desired.endpoints.size());
  for (auto& net : desired.networks) {
    auto [it, fresh] = net_index_of.emplace(net.id, 0);
    if (fresh) it->second = net_ids.next();
    target.networks[it->second] = net.id;
    for (auto& member : net.members) nets_of_sandbox[member].push_back(it->second);
  }

  // drop_counts rows: a tap keeps its row while it keeps its guest; a new tap,
  // or a tap given to another guest IP, takes the smallest row no current tap
  // holds (row 0 counts devices without a tap entry), so that the new guest
  // never holds the old guest's reach bits or counters, not even mid-update.
  std::map<uint32_t, uint32_t> rows_in_use;
  RowOfTap row_of_tap;
  for (auto& [ifindex, t] : current.taps) {
    row_of_tap[{ifindex, t.ip}] = t.counter_row;
    rows_in_use[t.counter_row] = ifindex;
  }
  IdAllocator rows(rows_in_use);

  // Local taps first: a tap claimed by two endpoints places neither (which guest is behind it?).
  std::vector<std::optional<TapInfo>> tap_of(desired.endpoints.size());
  std::unordered_map<uint32_t, int> claims;
  for (size_t i = 0; i < desired.endpoints.size(); ++i) {
    auto& ep = desired.endpoints[i];
    if (!ep.local()) continue;
    tap_of[i] = resolve(ep.tap);
    if (!tap_of[i]) {
      plan.warnings.push_back(fmt::format("endpoint {}: tap {} does not exist; not installed",
                                          ep.sandbox_id, ep.tap));
      continue;
    }
    ++claims[tap_of[i]->ifindex];
  }

  std::map<uint32_t, Quarantined> quarantine;  // by ifindex
  auto hold = [&](uint32_t ifindex, std::string tap, std::string why) {
    auto [it, fresh] = quarantine.emplace(ifindex, Quarantined{ifindex, tap, why});
    if (!fresh) return;
    plan.warnings.push_back(fmt::format("tap {} (ifindex {}) quarantined, drop-all: {}",
                                        tap.empty() ? "?" : tap, ifindex, why));
  };

  std::set<uint32_t> local_sets;
  for (size_t i = 0; i < desired.endpoints.size(); ++i) {
    auto& ep = desired.endpoints[i];
    const auto& tap = tap_of[i];
    if (ep.local() && !tap) continue;
    auto found = nets_of_sandbox.find(ep.sandbox_id);
    NetIndexList nets = found == nets_of_sandbox.end() ? NetIndexList{} : found->second;
    std::sort(nets.begin(), nets.end());
    if (nets.size() > cap.max_nets_per_sandbox) {
      auto why = fmt::format("sandbox {} is in {} networks (config max_nets_per_sandbox = {})", ep.sandbox_id,
                             nets.size(), cap.max_nets_per_sandbox);
      if (tap) hold(tap->ifindex, ep.tap, why);
      else plan.warnings.push_back(fmt::format("remote endpoint not installed (its packets drop): {}", why));
      continue;
    }
    if (tap && claims[tap->ifindex] > 1) {
      hold(tap->ifindex, ep.tap, fmt::format("tap {} is claimed by {} sandboxes", ep.tap, claims[tap->ifindex]));
      continue;
    }
    uint32_t set_id = 0;
    if (!nets.empty()) {
      auto [it, fresh] = set_id_of.emplace(nets, 0);
      if (fresh) it->second = set_ids.next();
      set_id = it->second;
      target.set_nets[set_id] = nets;
    }
    sn_endpoint e{};
    e.ifindex = tap ? tap->ifindex : 0;
    e.host_id = 0;
    if (!ep.local()) {  // FNV-1a of the host name; only "not local" matters for now
      uint32_t h = 2166136261u;
      for (unsigned char c : ep.host) h = (h ^ c) * 16777619u;
      e.host_id = h | 1;
    }
    std::copy(ep.mac.begin(), ep.mac.end(), e.mac);
    e.set_id = set_id;
    e.flags = SN_EP_PRESENT;
    target.endpoints[ep.ip_be] = e;
    if (tap) {
      sn_tap t = tap_entry(*tap, ep.ip_be, fwd, words, row_of_tap, rows);
      t.set_id = set_id;
      std::copy(ep.mac.begin(), ep.mac.end(), t.mac);
      target.taps[tap->ifindex] = t;
      if (set_id) local_sets.insert(set_id);
    }
  }
  // Taps the desired state cannot place, and taps that carry the programs with nothing
  // placing them: drop-all entries (never a detach).
  for (auto& q : desired.quarantined) {
    auto tap = resolve(q.tap);
    if (tap && !target.taps.count(tap->ifindex)) hold(tap->ifindex, q.tap, q.why);
  }
  for (uint32_t ifindex : held)
    if (!target.taps.count(ifindex)) hold(ifindex, "", "carries sandnet's programs but no plug places it");
  for (auto& [ifindex, q] : quarantine) {
    std::optional<TapInfo> info = q.tap.empty() ? std::nullopt : resolve(q.tap);
    sn_tap t = tap_entry(info ? *info : TapInfo{ifindex, {}}, 0, fwd, words, row_of_tap, rows);
    t.flags = SN_TAP_QUARANTINED;  // ip 0: no guest, no set, no endpoint points here
    target.taps[ifindex] = t;
    plan.quarantined.push_back(std::move(q));
  }

  // Phase 2 entries: for each key whose set changes neither by only growing
  // nor by only shrinking, a transit entry on the union of old and new.
  auto contents = [&](uint32_t set_id, const std::map<uint32_t, NetIndexList>& sets) {
    auto it = sets.find(set_id);
    return it == sets.end() ? NetIndexList{} : it->second;
  };
  auto includes = [](const NetIndexList& big, const NetIndexList& small) {
    return std::includes(big.begin(), big.end(), small.begin(), small.end());
  };
  std::map<uint32_t, NetIndexList> transit_sets;
  // Returns the set id an entry moves to in phase 2a, or nullopt if it
  // moves straight to its final set in phase 2b.
  auto step = [&](uint32_t old_set, uint32_t new_set) -> std::optional<uint32_t> {
    if (old_set == new_set) return new_set;
    NetIndexList x = contents(old_set, current.set_nets), y = contents(new_set, target.set_nets);
    if (includes(y, x)) return new_set;      // only grows: final at once
    if (includes(x, y)) return std::nullopt;  // only shrinks: after the others grew
    NetIndexList u;
    std::set_union(x.begin(), x.end(), y.begin(), y.end(), std::back_inserter(u));
    auto [it, fresh] = set_id_of.emplace(u, 0);
    if (fresh) it->second = set_ids.next();
    if (!target.set_nets.count(it->second)) transit_sets[it->second] = u;
    return it->second;
  };
  // Endpoints and taps are array slots rewritten in place, so a reader may
  // see a mix of the old and new value. An entry that changes place (tap or
  // host; for a tap, its guest IP) is emptied first, so that no mix pairs
  // the old place with the new set (docs/datapath.md, "Torn reads").
  auto walk = current.endpoints.begin();  // both sorted: a merge walk instead of a find each
  for (auto& [k, v] : target.endpoints) {
    while (walk != current.endpoints.end() && walk->first < k) ++walk;
    auto it = walk != current.endpoints.end() && walk->first == k ? walk : current.endpoints.end();
    if (it != current.endpoints.end() && same_bytes(it->second, v)) continue;
    bool moves = it != current.endpoints.end() &&
                 (it->second.ifindex != v.ifindex || it->second.host_id != v.host_id);
    if (moves) plan.put_endpoints.emplace_back(k, sn_endpoint{});
    auto via = it == current.endpoints.end() || moves ? std::optional<uint32_t>(v.set_id)
                                                      : step(it->second.set_id, v.set_id);
    if (via && *via == v.set_id) {
      plan.put_endpoints.emplace_back(k, v);
      continue;
    }
    if (via) {
      sn_endpoint t = v;
      t.set_id = *via;
      plan.put_endpoints.emplace_back(k, t);
    }
    plan.settle_endpoints.emplace_back(k, v);
  }
  std::set<uint32_t> transit_local;
  std::map<uint32_t, uint32_t> transit_of_tap;  // ifindex -> its phase-2a set
  for (auto& [k, v] : target.taps) {
    auto it = current.taps.find(k);
    if (it != current.taps.end() && same_bytes(it->second, v)) continue;
    bool moves = it != current.taps.end() && it->second.ip != v.ip;
    if (moves) plan.put_taps.emplace_back(k, sn_tap{});
    auto via = it == current.taps.end() || moves ? std::optional<uint32_t>(v.set_id)
                                                 : step(it->second.set_id, v.set_id);
    if (via && *via == v.set_id) {
      plan.put_taps.emplace_back(k, v);
      continue;
    }
    if (via) {
      sn_tap t = v;
      t.set_id = *via;
      plan.put_taps.emplace_back(k, t);
      transit_local.insert(*via);
      transit_of_tap[k] = *via;
    }
    plan.settle_taps.emplace_back(k, v);
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

  check_capacity(target.endpoints.size(), union_size(current.endpoints, target.endpoints),
                 cap.max_endpoints, "endpoints", "max_endpoints");
  check_capacity(target.taps.size(), union_size(current.taps, target.taps), cap.max_local_taps,
                 "local taps", "max_local_taps");
  check_capacity(target.networks.size(), union_size(current.networks, target.networks),
                 cap.max_networks, "networks", "max_networks");
  check_capacity(target.set_nets.size(), union_size(current.set_nets, all_sets), cap.max_sets,
                 "network sets", "max_sets");
  // Set ids are the smallest free ones, so at most max_sets; a row has a bit for each.
  if (!all_sets.empty() && all_sets.rbegin()->first / SN_REACH_BITS >= words)
    throw CapacityError(fmt::format("over capacity: set id {} (config max_sets = {})",
                                    all_sets.rbegin()->first, cap.max_sets));

  // Phase 1: make.
  for (auto& [k, v] : target.networks) {
    auto it = current.networks.find(k);
    if (it == current.networks.end() || it->second != v) plan.put_networks.emplace_back(k, v);
  }
  for (auto& [k, v] : all_sets) {
    if (!target.set_nets.count(k) && !transit_sets.count(k)) continue;
    auto it = current.set_nets.find(k);
    if (it == current.set_nets.end() || it->second != v) plan.put_sets.emplace_back(k, v);
  }
  // Each tap's row: phase 1 adds the bits of every set the tap holds during
  // the update (old, transit, final) towards every set a destination holds
  // (current, transit, final); phase 3 leaves exactly the final row.
  auto set_row = [](const std::unordered_map<uint32_t, ReachRow>& rows, uint32_t set) -> const ReachRow* {
    auto it = rows.find(set);
    return it == rows.end() ? nullptr : &it->second;
  };
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
    bool fresh = cur_tap == current.taps.end() || cur_tap->second.counter_row != t.counter_row;
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
      plan.fill_rows.emplace_back(t.counter_row, phase1);
    } else {
      for (auto& [w, bits] : phase1)
        if (bits != word_of(cur, w)) plan.put_reach.emplace_back(base + w, bits);
    }
    for (auto& [w, bits] : phase1)
      if (word_of(&fin, w) != bits) plan.settle_reach.emplace_back(base + w, word_of(&fin, w));
  }
  // Phase 3: break.
  plan.del_endpoints = keys_missing(current.endpoints, target.endpoints);
  plan.del_taps = keys_missing(current.taps, target.taps);
  // A row whose tap is gone is emptied after the tap entry (a new tap is
  // never given a row freed in the same update).
  for (auto& [ifindex, t] : current.taps) {
    auto it = target.taps.find(ifindex);
    if (it != target.taps.end() && it->second.counter_row == t.counter_row) continue;
    if (auto row = current.reach.find(t.counter_row); row != current.reach.end())
      for (auto& [w, bits] : row->second)
        if (bits) plan.settle_reach.emplace_back(t.reach_base + w, 0);
  }
  for (auto& [k, _] : all_sets)
    if (!target.set_nets.count(k)) plan.del_sets.push_back(k);
  for (auto& [k, _] : current.networks)
    if (!target.networks.count(k)) plan.del_networks.push_back(k);
  return plan;
}

}  // namespace sandnet::dp
