#include "loader/incremental_planner.h"

#include <algorithm>
#include <string_view>
#include <unordered_set>

#include "loader/host_plan.h"
#include "loader/plan_builder.h"

namespace sandnet::dp {

namespace {

const EndpointSpec* find_endpoint(const DesiredState& s, const std::string& id) {
  auto it = std::lower_bound(s.endpoints.begin(), s.endpoints.end(), id,
                             [](const EndpointSpec& e, const std::string& k) { return e.sandbox_id < k; });
  return it != s.endpoints.end() && it->sandbox_id == id ? &*it : nullptr;
}

bool same_hosts(const std::vector<HostSpec>& a, const std::vector<HostSpec>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const HostSpec& x, const HostSpec& y) {
    return x.id == y.id && x.number == y.number && x.underlay_be == y.underlay_be;
  });
}

}  // namespace

const IncrementalPlanner::Known* IncrementalPlanner::known(const std::string& id) const {
  auto it = known_.find(id);
  return it == known_.end() ? nullptr : &it->second;
}

void IncrementalPlanner::forget_if_unused(std::unordered_map<std::string, Known>::iterator it) {
  if (it != known_.end() && it->second.unused()) known_.erase(it);
}

void IncrementalPlanner::join_host(const EndpointSpec& remote) {
  auto on = remote_on_.try_emplace(remote.host).first;
  auto k = known_.try_emplace(remote.sandbox_id).first;
  k->second.host = &on->first;
  k->second.host_slot = static_cast<uint32_t>(on->second.size());
  on->second.push_back(&k->first);
}

// Out of its host's list by swapping the last one into its place: O(1).
void IncrementalPlanner::leave_host(const std::string& sandbox) {
  auto it = known_.find(sandbox);
  if (it == known_.end() || !it->second.host) return;
  auto on = remote_on_.find(*it->second.host);
  auto& list = on->second;
  const uint32_t slot = it->second.host_slot;
  list[slot] = list.back();
  known_.find(*list[slot])->second.host_slot = slot;
  list.pop_back();
  if (list.empty()) remote_on_.erase(on);
  it->second.host = nullptr;
  forget_if_unused(it);
}

void IncrementalPlanner::note_hosts_in_maps(const HostPlan& hosts) {
  host_number_.clear();
  for (auto& [id, h] : hosts.in_maps()) host_number_.emplace(id, h->number);
}

Plan IncrementalPlanner::plan_whole(const DesiredState& desired, MapImage& current, const TapResolver& resolve,
                                    const HeldTaps& held) {
  valid_ = false;
  ++whole_plans_;
  Plan plan = plan_update(desired, current, resolve, cap_, fwd_, held);
  current = std::move(plan.target);
  plan.target = {};
  reindex(desired, current, plan);
  return plan;
}

void IncrementalPlanner::reindex(const DesiredState& desired, const MapImage& current, const Plan& plan) {
  valid_ = false;
  net_members_.clear();
  known_.clear();
  local_.clear();
  left_out_.clear();
  owner_of_ip_.clear();
  net_index_of_.clear();
  pending_.clear();
  set_id_of_.clear();
  set_refs_.clear();
  hosts_.clear();
  remote_on_.clear();
  host_number_.clear();
  auto by_id = [](auto& a, auto& b) { return a.id < b.id; };
  auto by_sandbox = [](auto& a, auto& b) { return a.sandbox_id < b.sandbox_id; };
  // Lookups by id need the lists sorted; a state that is not is planned whole every time.
  if (!std::is_sorted(desired.networks.begin(), desired.networks.end(), by_id) ||
      !std::is_sorted(desired.endpoints.begin(), desired.endpoints.end(), by_sandbox))
    return;
  for (auto& [index, id] : current.networks) net_index_of_.emplace(id, index);
  for (auto& net : desired.networks) {
    std::unordered_set<std::string_view> seen(net.members.begin(), net.members.end());
    if (seen.size() != net.members.size()) return;  // a member twice: plan_update lists its index twice
    auto [slot, added] = net_members_.try_emplace(net.id);
    if (!added) return;  // a network listed twice: planned whole every time
    auto& members = slot->second;
    const std::string* key = &slot->first;
    members.reserve(net.members.size());
    for (auto& m : net.members) {
      auto k = known_.try_emplace(m).first;
      k->second.nets.push_back(key);
      members.push_back(&k->first);
    }
    if (!net_index_of_.count(net.id)) pending_.insert(net.id);
  }
  for (auto& q : plan.quarantined)
    if (q.ifindex == 0 && !q.sandbox_id.empty()) left_out_.insert(q.sandbox_id);
  std::unordered_set<uint32_t> ips;
  for (auto& ep : desired.endpoints) {
    if (!ips.insert(ep.ip_be).second) return;  // two endpoints on one key: which one is in the maps?
    if (ep.local()) local_.insert(ep.sandbox_id);
    if (current.endpoints.count(ep.ip_be)) {
      auto k = known_.try_emplace(ep.sandbox_id).first;
      k->second.in_maps = true;
      k->second.ip = ep.ip_be;
      owner_of_ip_[ep.ip_be] = &k->first;
    }
  }
  for (auto& [set_id, nets] : current.set_nets) set_id_of_.emplace(nets, set_id);
  for (auto& [_, e] : current.endpoints)
    if (e.set_id) ++set_refs_[e.set_id];
  hosts_ = desired.hosts;
  for (auto& ep : desired.endpoints)
    if (!ep.local()) join_host(ep);
  std::vector<std::string> warnings;  // plan_update's, already given
  note_hosts_in_maps(HostPlan(desired.hosts, [&](std::string_view id) { return remote_on_.count(std::string(id)) != 0; },
                              cap_, warnings));
  valid_ = true;
}

Plan IncrementalPlanner::plan(const DesiredState& desired, const DesiredDelta* delta, MapImage& current,
                              const TapResolver& resolve, const HeldTaps& held) {
  if (!valid_ || !delta) return plan_whole(desired, current, resolve, held);
  valid_ = false;  // until this plan is committed

  // The delta, into the indexes; `touched` collects the sandboxes whose entry may change.
  std::set<std::string> touched;
  for (auto& id : delta->removed_endpoints) {
    touched.insert(id);
    local_.erase(id);
    leave_host(id);
  }
  for (auto& ep : delta->upsert_endpoints) {
    touched.insert(ep.sandbox_id);
    if (ep.local()) local_.insert(ep.sandbox_id);
    else local_.erase(ep.sandbox_id);
    leave_host(ep.sandbox_id);
    if (!ep.local()) join_host(ep);
  }
  // `member` may be the key of the entry it forgets: not used after.
  auto leave = [&](const std::string& member, const std::string* net) {
    auto it = known_.find(member);
    if (it == known_.end()) return;
    auto& nets = it->second.nets;
    if (auto at = std::find(nets.begin(), nets.end(), net); at != nets.end()) {
      *at = nets.back();
      nets.pop_back();
    }
    forget_if_unused(it);
  };
  for (auto& id : delta->removed_networks) {
    if (auto it = net_members_.find(id); it != net_members_.end()) {
      for (const std::string* m : it->second) {
        touched.insert(*m);
        leave(*m, &it->first);
      }
      net_members_.erase(it);
    }
    pending_.erase(id);
  }
  for (auto& net : delta->upsert_networks) {
    auto slot = net_members_.try_emplace(net.id).first;
    const std::string* key = &slot->first;
    auto& old = slot->second;
    // A network's record carries its whole member list: O(its members) to find who changed.
    // Who left is found before anyone leaves: leaving may free the id `before` points into.
    std::unordered_set<std::string_view> after(net.members.begin(), net.members.end());
    if (after.size() != net.members.size()) return plan_whole(desired, current, resolve, held);
    std::vector<const std::string*> left;
    std::vector<const std::string*> joined;
    {
      std::unordered_set<std::string_view> before;
      before.reserve(old.size());
      for (const std::string* m : old) before.insert(*m);
      for (const std::string* m : old)
        if (!after.count(*m)) left.push_back(m);
      for (auto& m : net.members)
        if (!before.count(m)) joined.push_back(&m);
    }
    for (const std::string* m : joined) {
      known_[*m].nets.push_back(key);
      touched.insert(*m);
    }
    for (const std::string* m : left) {
      touched.insert(*m);
      leave(*m, key);
    }
    old.clear();
    old.reserve(net.members.size());
    for (auto& m : net.members) old.push_back(&known_.find(m)->first);
    if (!net_index_of_.count(net.id)) pending_.insert(net.id);
  }
  const std::set<std::string> changed_ids = touched;  // named by the delta, or whose networks changed
  // The hosts as plan_update places them, from the host list and who owns a remote endpoint
  // now. A host that entered or left the maps, or took another number, changes the host id of
  // every endpoint on it, named by the change or not: those are touched (O(its endpoints)),
  // with no new set (theirs is in the maps).
  // Its underlay address alone is in no endpoint entry: the hosts maps' ops carry it.
  Plan plan;
  const HostPlan hosts(
      desired.hosts, [&](std::string_view id) { return remote_on_.count(std::string(id)) != 0; }, cap_,
      plan.warnings);
  bool hosts_moved = false;
  auto touch_host = [&](std::string_view id) {
    hosts_moved = true;
    if (auto on = remote_on_.find(std::string(id)); on != remote_on_.end())
      for (const std::string* m : on->second) touched.insert(*m);
  };
  for (auto& [id, h] : hosts.in_maps())
    if (auto was = host_number_.find(std::string(id)); was == host_number_.end() || was->second != h->number)
      touch_host(id);
  for (auto& [id, _] : host_number_)
    if (!hosts.in_maps().count(id)) touch_host(id);
  touched.insert(local_.begin(), local_.end());
  touched.insert(left_out_.begin(), left_out_.end());

  // The endpoints to plan, in the desired state's order (by id).
  std::vector<const EndpointSpec*> eps;
  std::unordered_set<uint32_t> keys;
  size_t locals = 0, new_keys = 0, may_add_sets = 0;
  for (auto& id : touched) {
    auto* ep = find_endpoint(desired, id);
    if (!ep) continue;
    // Its key held by an entry this plan does not touch, or by two of its endpoints: whole.
    auto owner = owner_of_ip_.find(ep->ip_be);
    if (owner != owner_of_ip_.end() && !touched.count(*owner->second)) return plan_whole(desired, current, resolve, held);
    if (!keys.insert(ep->ip_be).second) return plan_whole(desired, current, resolve, held);
    eps.push_back(ep);
    locals += ep->local();
    new_keys += !current.endpoints.count(ep->ip_be);
    // An entry whose record and networks did not change adds no set (its set is in the maps),
    // unless it is not in the maps.
    const Known* k = known(id);
    may_add_sets += changed_ids.count(id) || !k || !k->in_maps ? 3 : 0;
  }
  // Room: when what the change might add could reach a capacity, an entry may be refused and
  // which one depends on the whole admission order.
  if (current.endpoints.size() + new_keys > cap_.max_endpoints ||
      current.taps.size() + locals + desired.quarantined.size() + held.size() > cap_.max_local_taps ||
      current.networks.size() + pending_.size() > cap_.max_networks ||
      current.set_nets.size() + may_add_sets > cap_.max_sets)
    return plan_whole(desired, current, resolve, held);

  // Network indexes: the maps' own, then the desired networks not in the maps, in id order
  // (as plan_update hands them out, memberless ones included).
  std::unordered_map<uint32_t, std::string_view> net_id_at;
  std::unordered_map<std::string_view, uint32_t> pending_index;
  detail::IdAllocator net_ids(current.networks);
  for (auto& id : pending_) {
    uint32_t index = net_ids.next();
    pending_index[id] = index;
    net_id_at[index] = id;
  }
  auto nets_of = [&](const std::string& sandbox, NetIndexList& out) {
    const Known* k = known(sandbox);
    if (!k) return true;
    for (const std::string* net : k->nets) {
      if (auto i = net_index_of_.find(*net); i != net_index_of_.end()) out.push_back(i->second);
      else if (auto p = pending_index.find(*net); p != pending_index.end()) out.push_back(p->second);
      else return false;
    }
    return true;
  };

  MapImage scratch;  // the touched entries, plus the maps' sets, networks and hosts
  scratch.set_nets = current.set_nets;
  scratch.networks = current.networks;
  hosts.fill(scratch);
  detail::PlanBuilder b(plan, scratch, current, resolve, cap_, fwd_, hosts, set_id_of_, net_id_at);
  std::vector<std::optional<TapInfo>> tap_of(eps.size());
  std::unordered_map<uint32_t, int> claims;
  for (size_t i = 0; i < eps.size(); ++i) {
    if (!eps[i]->local()) continue;
    tap_of[i] = resolve(eps[i]->tap);
    if (!tap_of[i]) {
      b.missing_tap(*eps[i]);
      continue;
    }
    ++claims[tap_of[i]->ifindex];
  }
  std::vector<detail::Candidate> candidates;
  for (size_t i = 0; i < eps.size(); ++i) {
    if (eps[i]->local() && !tap_of[i]) continue;
    NetIndexList nets;
    if (!nets_of(eps[i]->sandbox_id, nets)) return plan_whole(desired, current, resolve, held);
    b.consider(*eps[i], tap_of[i], std::move(nets), tap_of[i] ? claims[tap_of[i]->ifindex] : 0, candidates);
  }
  b.hold_unplaced(desired.quarantined, held);
  b.admit(candidates);
  b.finish_quarantines();

  // The sets and networks the maps keep: those an entry still uses.
  std::unordered_map<uint32_t, int64_t> refs_change;
  std::vector<uint32_t> gone;
  for (auto& id : touched)
    if (const Known* k = known(id); k && k->in_maps) {
      if (uint32_t set = current.endpoints.at(k->ip).set_id) --refs_change[set];
      if (!scratch.endpoints.count(k->ip)) gone.push_back(k->ip);
    }
  std::sort(gone.begin(), gone.end());
  for (auto& [_, e] : scratch.endpoints)
    if (e.set_id) ++refs_change[e.set_id];
  for (auto& [set, change] : refs_change) {
    auto it = set_refs_.find(set);
    int64_t now = (it == set_refs_.end() ? 0 : it->second) + change;
    if (now == 0) scratch.set_nets.erase(set);
  }
  std::set<uint32_t> live_nets;
  for (auto& [_, nets] : scratch.set_nets) live_nets.insert(nets.begin(), nets.end());
  for (auto it = scratch.networks.begin(); it != scratch.networks.end();)
    it = live_nets.count(it->first) ? std::next(it) : scratch.networks.erase(it);

  b.emit(/*partial=*/true, gone);

  // Commit: the maps' image and the indexes become the target's.
  for (auto& id : touched) {
    auto it = known_.find(id);
    if (it == known_.end() || !it->second.in_maps) continue;
    owner_of_ip_.erase(it->second.ip);
    it->second.in_maps = false;
    forget_if_unused(it);
  }
  for (uint32_t key : gone) current.endpoints.erase(key);
  for (auto& [key, e] : scratch.endpoints) current.endpoints[key] = e;
  for (auto* ep : eps) {
    bool in = scratch.endpoints.count(ep->ip_be) != 0;
    if (in) {
      auto k = known_.try_emplace(ep->sandbox_id).first;
      k->second.in_maps = true;
      k->second.ip = ep->ip_be;
      owner_of_ip_[ep->ip_be] = &k->first;
    }
    if (!ep->local() && !in) left_out_.insert(ep->sandbox_id);
    else left_out_.erase(ep->sandbox_id);
  }
  for (auto& id : touched)
    if (!find_endpoint(desired, id)) left_out_.erase(id);
  for (auto& [set, change] : refs_change) {
    int64_t now = int64_t{set_refs_[set]} + change;
    if (now <= 0) set_refs_.erase(set);
    else set_refs_[set] = static_cast<uint32_t>(now);
  }
  // Networks that left the maps are pending again while desired; new ones have an index now.
  for (auto& [index, id] : current.networks)
    if (!scratch.networks.count(index)) {
      net_index_of_.erase(id);
      if (net_members_.count(id)) pending_.insert(id);
    }
  for (auto& [index, id] : scratch.networks)
    if (!current.networks.count(index)) {
      net_index_of_[id] = index;
      pending_.erase(id);
    }
  current.taps = std::move(scratch.taps);
  current.reach = std::move(scratch.reach);
  current.set_nets = std::move(scratch.set_nets);
  current.networks = std::move(scratch.networks);
  current.hosts = std::move(scratch.hosts);
  current.underlay_hosts = std::move(scratch.underlay_hosts);
  set_id_of_.clear();
  for (auto& [set_id, nets] : current.set_nets) set_id_of_.emplace(nets, set_id);
  note_hosts_in_maps(hosts);
  host_list_delta_plans_ += !same_hosts(desired.hosts, hosts_);
  host_moved_delta_plans_ += hosts_moved;
  hosts_ = desired.hosts;
  ++delta_plans_;
  valid_ = true;
  return plan;
}

}  // namespace sandnet::dp
