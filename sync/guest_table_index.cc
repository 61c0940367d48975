#include "sync/guest_table_index.h"

#include <algorithm>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace sandnet::sync {

namespace {

bool contains(const SharedList<std::string>& members, const std::string& id) {
  return std::find(members.begin(), members.end(), id) != members.end();
}

bool entry_less(const TableEntry& a, const TableEntry& b) {
  return a.name < b.name || (a.name == b.name && a.ip < b.ip);
}

}  // namespace

uint32_t GuestTableIndex::net_number(const std::string& net_id) {
  auto [it, added] = net_numbers_.try_emplace(net_id, static_cast<uint32_t>(net_ids_.size()));
  if (added) net_ids_.push_back(net_id);
  return it->second;
}

void GuestTableIndex::note_change(const HostView& before, const FeedAnswer& change, const std::string& host_id) {
  std::set<std::string> changed_hosts = before.hosts_changed_by(change.hosts);
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
    // The first mark of a peer keeps the key of its entry in the last table: shown while it
    // shares a network with self and has an address, in the view before this change.
    auto mark = [&](const std::string& peer) {
      if (g.dirty.count(peer)) return;
      OldKey key;
      if (g.shared.count(peer))
        if (auto sb = before.sandboxes().find(peer); sb != before.sandboxes().end() && !sb->second.ip.empty() &&
                                                     named_peer(before, sb->second, host_id))
          key.emplace(sb->second.name, sb->second.ip);
      g.dirty.emplace(peer, std::move(key));
    };
    auto add = [&](const std::string& peer, const std::string& net) {
      mark(peer);
      uint32_t n = net_number(net);
      auto& nets = g.shared[peer];
      auto at = std::lower_bound(nets.begin(), nets.end(), n);
      if (at == nets.end() || *at != n) nets.insert(at, n);
    };
    auto drop = [&](const std::string& peer, const std::string& net) {
      mark(peer);
      if (auto it = g.shared.find(peer); it != g.shared.end()) {
        if (auto n = net_numbers_.find(net); n != net_numbers_.end())
          if (auto at = std::lower_bound(it->second.begin(), it->second.end(), n->second);
              at != it->second.end() && *at == n->second)
            it->second.erase(at);
        if (it->second.empty() && peer != self) g.shared.erase(it);
      }
    };
    for (auto& n : change.networks) {
      auto old = before.networks().find(n.id);
      const SharedList<std::string>* was = old == before.networks().end() ? nullptr : &old->second.members;
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
      if (g.shared.count(id)) mark(id);  // its name or address shows in the entry
    // Peers on a host whose record changed may appear or vanish: whichever side is smaller.
    for (auto& host : changed_hosts) {
      auto& placed = before.placed_on(host);
      if (placed.size() <= g.shared.size()) {
        for (auto id : placed)
          if (std::string peer(id); g.shared.count(peer)) mark(peer);
      } else {
        std::vector<std::string> on_host;
        for (auto& [peer, _] : g.shared)
          if (auto sb = before.sandboxes().find(peer); sb != before.sandboxes().end() && sb->second.host == host)
            on_host.push_back(peer);
        for (auto& peer : on_host) mark(peer);
      }
    }
  }
}

std::optional<bool> GuestTableIndex::shares_network(const std::string& guest, const std::string& peer) const {
  auto it = guests_.find(guest);
  if (it == guests_.end() || it->second.whole) return std::nullopt;
  auto shared = it->second.shared.find(peer);
  return shared != it->second.shared.end() && (!shared->second.empty() || peer == guest);
}

void GuestTableIndex::seed(Guest& g, const HostView& view, const std::string& self) {
  g.shared.clear();
  g.dirty.clear();
  g.shared[self];
  for (auto& [net_id, net] : view.networks())
    if (contains(net.members, self)) {
      uint32_t n = net_number(net_id);
      g.shared.reserve(g.shared.size() + net.members.size());
      for (auto& m : net.members) {
        auto& nets = g.shared[m];
        if (nets.empty() || nets.back() != n) nets.push_back(n);  // networks in id order, not numbered so
      }
    }
  for (auto& [_, nets] : g.shared) std::sort(nets.begin(), nets.end());
}

std::optional<TableEntry> GuestTableIndex::entry_of(const Guest& g, const HostView& view, const std::string& host_id,
                                                    const std::string& peer) const {
  auto shared = g.shared.find(peer);
  if (shared == g.shared.end()) return std::nullopt;
  auto sb = view.sandboxes().find(peer);
  if (sb == view.sandboxes().end() || sb->second.ip.empty() || !named_peer(view, sb->second, host_id))
    return std::nullopt;
  TableEntry e{sb->second.name, sb->second.ip, {}};
  for (uint32_t n : shared->second)
    if (auto net = view.networks().find(net_ids_[n]); net != view.networks().end()) e.networks.push_back(net->second.name);
  std::sort(e.networks.begin(), e.networks.end());
  e.networks.erase(std::unique(e.networks.begin(), e.networks.end()), e.networks.end());
  return e;
}

std::optional<TableUpdate> GuestTableIndex::table(const HostView& view, const LocalPlugs& plugs,
                                                  const std::string& host_id, const std::string& sandbox_id) {
  auto plug = plugs.find(sandbox_id);
  auto self = view.sandboxes().find(sandbox_id);
  if (plug == plugs.end() || plug->second.unbound || self == view.sandboxes().end() ||
      (self->second.host && *self->second.host != host_id)) {
    guests_.erase(sandbox_id);
    return std::nullopt;
  }
  Guest& g = guests_[sandbox_id];
  if (g.tap != plug->second.tap || g.guest_ip != self->second.ip) g.whole = true;
  TableUpdate u{self->second.ip, plug->second.tap, g.whole, {}, {}};
  if (g.whole) {
    seed(g, view, sandbox_id);
    u.upserted.reserve(g.shared.size());
    for (auto& [peer, _] : g.shared)
      if (auto e = entry_of(g, view, host_id, peer)) u.upserted.push_back(std::move(*e));
    std::sort(u.upserted.begin(), u.upserted.end(), entry_less);
  } else {
    // The dirty peers' entries in the last table out, their new ones in.
    for (auto& [peer, old_key] : g.dirty) {
      if (old_key) u.removed.push_back(std::move(*old_key));
      if (auto e = entry_of(g, view, host_id, peer)) u.upserted.push_back(std::move(*e));
    }
  }
  g.dirty.clear();
  g.whole = false;
  g.tap = plug->second.tap;
  g.guest_ip = self->second.ip;
  return u;
}

}  // namespace sandnet::sync
