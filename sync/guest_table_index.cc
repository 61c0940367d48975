#include "sync/guest_table_index.h"

#include <algorithm>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace sandnet::sync {

namespace {

bool contains(const std::vector<std::string>& members, const std::string& id) {
  return std::find(members.begin(), members.end(), id) != members.end();
}

bool entry_less(const TableEntry& a, const TableEntry& b) {
  return a.name < b.name || (a.name == b.name && a.ip < b.ip);
}

}  // namespace

void GuestTableIndex::note_change(const HostView& before, const FeedAnswer& change) {
  std::set<std::string> changed;
  for (auto& s : change.sandboxes) changed.insert(s.id);
  changed.insert(change.removed_sandboxes.begin(), change.removed_sandboxes.end());
  std::set<std::string> removed_nets(change.removed_networks.begin(), change.removed_networks.end());
  bool reordered = false;  // a network both removed and upserted: take the view as it ends up
  for (auto& n : change.networks) reordered = reordered || removed_nets.count(n.id);
  for (auto& kv : guests_) {
    // Named, not a structured binding: the lambdas below capture them (clang 14 cannot).
    const std::string& self = kv.first;
    Guest& g = kv.second;
    if (g.whole) continue;
    if (reordered || changed.count(self)) {
      g.whole = true;
      continue;
    }
    auto add = [&](const std::string& peer, const std::string& net) {
      g.shared[peer].insert(net);
      g.dirty.insert(peer);
    };
    auto drop = [&](const std::string& peer, const std::string& net) {
      if (auto it = g.shared.find(peer); it != g.shared.end()) {
        it->second.erase(net);
        if (it->second.empty() && peer != self) g.shared.erase(it);
      }
      g.dirty.insert(peer);
    };
    for (auto& n : change.networks) {
      auto old = before.networks().find(n.id);
      const std::vector<std::string>* was = old == before.networks().end() ? nullptr : &old->second.members;
      bool in_old = was && contains(*was, self), in_new = contains(n.members, self);
      if (!in_old && !in_new) continue;
      if (in_old && in_new && old->second.name == n.name) {
        // Still in it under the same name: only the members that came or went change.
        std::unordered_set<std::string_view> a(was->begin(), was->end()), b(n.members.begin(), n.members.end());
        for (auto& m : *was)
          if (!b.count(m)) drop(m, n.id);
        for (auto& m : n.members)
          if (!a.count(m)) add(m, n.id);
        continue;
      }
      if (in_old)
        for (auto& m : *was) drop(m, n.id);
      if (in_new)
        for (auto& m : n.members) add(m, n.id);
    }
    for (auto& id : removed_nets) {
      auto old = before.networks().find(id);
      if (old != before.networks().end() && contains(old->second.members, self))
        for (auto& m : old->second.members) drop(m, id);
    }
    for (auto& id : changed)
      if (g.shared.count(id)) g.dirty.insert(id);  // its name or address shows in the entry
  }
}

void GuestTableIndex::seed(Guest& g, const HostView& view, const std::string& self) {
  g.shared.clear();
  g.key_of.clear();
  g.dirty.clear();
  g.shared[self];
  for (auto& [net_id, net] : view.networks())
    if (contains(net.members, self))
      for (auto& m : net.members) g.shared[m].insert(net_id);
}

std::optional<TableEntry> GuestTableIndex::entry_of(const Guest& g, const HostView& view, const std::string& peer) const {
  auto shared = g.shared.find(peer);
  if (shared == g.shared.end()) return std::nullopt;
  auto sb = view.sandboxes().find(peer);
  if (sb == view.sandboxes().end() || sb->second.ip.empty()) return std::nullopt;
  TableEntry e{sb->second.name, sb->second.ip, {}};
  for (auto& net_id : shared->second)
    if (auto net = view.networks().find(net_id); net != view.networks().end()) e.networks.push_back(net->second.name);
  std::sort(e.networks.begin(), e.networks.end());
  e.networks.erase(std::unique(e.networks.begin(), e.networks.end()), e.networks.end());
  return e;
}

std::shared_ptr<const GuestTable> GuestTableIndex::table(const HostView& view, const LocalPlugs& plugs,
                                                 const std::string& host_id, const std::string& sandbox_id) {
  auto plug = plugs.find(sandbox_id);
  auto self = view.sandboxes().find(sandbox_id);
  if (plug == plugs.end() || plug->second.unbound || self == view.sandboxes().end() ||
      (self->second.host && *self->second.host != host_id)) {
    guests_.erase(sandbox_id);
    return nullptr;
  }
  Guest& g = guests_[sandbox_id];
  if (!g.last || g.last->tap != plug->second.tap || g.last->guest_ip != self->second.ip) g.whole = true;
  GuestTable t{sandbox_id, self->second.ip, plug->second.tap, {}};
  if (g.whole) {
    seed(g, view, sandbox_id);
    t.entries.reserve(g.shared.size());
    for (auto& [peer, _] : g.shared)
      if (auto e = entry_of(g, view, peer)) {
        g.key_of[peer] = {e->name, e->ip};
        t.entries.push_back(std::move(*e));
      }
    std::sort(t.entries.begin(), t.entries.end(), entry_less);
  } else {
    // The last table without the dirty peers' entries, merged with their new ones.
    std::multiset<std::pair<std::string_view, std::string_view>> stale;
    std::vector<TableEntry> fresh;
    std::vector<std::pair<std::string, std::string>> old_keys;
    for (auto& peer : g.dirty) {
      if (auto k = g.key_of.find(peer); k != g.key_of.end()) {
        old_keys.push_back(std::move(k->second));
        g.key_of.erase(k);
      }
      if (auto e = entry_of(g, view, peer)) {
        g.key_of[peer] = {e->name, e->ip};
        fresh.push_back(std::move(*e));
      }
    }
    for (auto& [name, ip] : old_keys) stale.emplace(name, ip);
    std::sort(fresh.begin(), fresh.end(), entry_less);
    t.entries.reserve(g.last->entries.size() + fresh.size());
    auto f = fresh.begin();
    for (auto& e : g.last->entries) {
      if (!stale.empty())
        if (auto s = stale.find({e.name, e.ip}); s != stale.end()) {
          stale.erase(s);
          continue;
        }
      while (f != fresh.end() && entry_less(*f, e)) t.entries.push_back(std::move(*f++));
      t.entries.push_back(e);
    }
    while (f != fresh.end()) t.entries.push_back(std::move(*f++));
  }
  g.dirty.clear();
  g.whole = false;
  g.last = std::make_shared<const GuestTable>(std::move(t));
  return g.last;
}

}  // namespace sandnet::sync
