#include "sync/guest_tables.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <set>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "common/hosts_table/hosts_table.hpp"

namespace sandnet::sync {
namespace {

GuestTable table_for(const SandboxRecord& self, const std::string& tap, const HostView& view,
                     const std::string& host_id) {
  // peer id → names of the networks it shares with self (views into the view: no copies)
  std::unordered_map<std::string_view, std::vector<std::string_view>> shared;
  shared[self.id];
  for (auto& [net_id, net] : view.networks()) {
    if (std::find(net.members.begin(), net.members.end(), self.id) == net.members.end()) continue;
    shared.reserve(shared.size() + net.members.size());
    for (auto& member : net.members) {
      auto& names = shared[member];
      if (std::find(names.begin(), names.end(), net.name) == names.end()) names.push_back(net.name);
    }
  }
  GuestTable t{self.id, self.ip, tap, {}};
  t.entries.reserve(shared.size());
  auto add = [&](const SandboxRecord& peer, std::vector<std::string_view>& nets) {
    if (peer.ip.empty() || !named_peer(view, peer, host_id)) return;
    std::sort(nets.begin(), nets.end());
    t.entries.push_back({peer.name, peer.ip, {nets.begin(), nets.end()}});
  };
  if (shared.size() * 8 > view.sandboxes().size()) {
    // Most of the view: one pass over it beats a tree lookup (a cache miss each) per peer.
    for (auto& [id, peer] : view.sandboxes())
      if (auto it = shared.find(id); it != shared.end()) add(peer, it->second);
  } else {
    for (auto& [peer_id, nets] : shared)
      if (auto it = view.sandboxes().find(peer_id); it != view.sandboxes().end()) add(it->second, nets);
  }
  std::sort(t.entries.begin(), t.entries.end(),
            [](const TableEntry& a, const TableEntry& b) { return a.name < b.name || (a.name == b.name && a.ip < b.ip); });
  return t;
}

}  // namespace

std::optional<GuestTable> guest_table(const HostView& view, const LocalPlugs& plugs, const std::string& host_id,
                                      const std::string& sandbox_id) {
  auto plug = plugs.find(sandbox_id);
  if (plug == plugs.end() || plug->second.unbound) return std::nullopt;  // never to another device
  auto it = view.sandboxes().find(sandbox_id);
  if (it == view.sandboxes().end()) return std::nullopt;
  if (it->second.host && *it->second.host != host_id) return std::nullopt;  // moved to another host
  return table_for(it->second, plug->second.tap, view, host_id);
}

std::map<std::string, GuestTable> guest_tables(const HostView& view, const LocalPlugs& plugs,
                                               const std::string& host_id) {
  std::map<std::string, GuestTable> out;
  for (auto& [id, _] : plugs)
    if (auto t = guest_table(view, plugs, host_id, id)) out.emplace(id, std::move(*t));
  return out;
}

bool named_peer(const HostView& view, const SandboxRecord& peer, const std::string& host_id) {
  return !peer.host || view.reaches(*peer.host, host_id);
}

std::set<std::string> guests_touched(const HostView& before, const FeedAnswer& change, const LocalPlugs& plugs,
                                     const SharesNetwork& shares) {
  std::set<std::string> touched;
  auto note = [&](const std::string& id) {
    if (plugs.count(id)) touched.insert(id);
  };
  std::unordered_set<std::string_view> changed_sandboxes;
  for (auto& s : change.sandboxes) changed_sandboxes.insert(s.id);
  for (auto& id : change.removed_sandboxes) changed_sandboxes.insert(id);
  // A host's record change shows (or hides) every sandbox placed there.
  for (auto& host : before.hosts_changed_by(change.hosts))
    for (auto id : before.placed_on(host)) changed_sandboxes.insert(id);
  for (auto id : changed_sandboxes) note(std::string(id));
  auto note_members = [&](const std::string& net_id) {
    auto it = before.networks().find(net_id);
    if (it != before.networks().end())
      for (auto& m : it->second.members) note(m);
  };
  for (auto& n : change.networks) {
    for (auto& m : n.members) note(m);
    note_members(n.id);
  }
  for (auto& id : change.removed_networks) note_members(id);
  // A changed record (name, address) shows in the table of every guest sharing a network
  // with it; membership changes are covered above, so the view before the change suffices.
  if (changed_sandboxes.empty()) return touched;
  std::set<std::string_view> unknown;  // guests `shares` cannot answer for
  for (auto& [guest, _] : plugs) {
    if (touched.count(guest)) continue;
    std::optional<bool> any = shares ? std::optional<bool>(false) : std::nullopt;
    for (auto peer = changed_sandboxes.begin(); any && !*any && peer != changed_sandboxes.end(); ++peer)
      any = shares(guest, std::string(*peer));
    if (!any) unknown.insert(guest);
    else if (*any) touched.insert(guest);
  }
  if (unknown.empty()) return touched;
  for (auto& [_, net] : before.networks()) {
    bool has_changed = false, has_guest = false;
    for (auto& m : net.members) {
      has_changed = has_changed || changed_sandboxes.count(m);
      has_guest = has_guest || unknown.count(m);
      if (has_changed && has_guest) break;
    }
    if (has_changed && has_guest)
      for (auto& m : net.members)
        if (unknown.count(m)) note(m);
  }
  return touched;
}

std::vector<unsigned char> encode_table(const GuestTable& table, uint64_t generation) {
  hosts_table::Builder builder;
  builder.set_generation(generation);
  for (auto& e : table.entries) {
    std::array<unsigned char, 4> addr{};
    if (inet_pton(AF_INET, e.ip.c_str(), addr.data()) != 1) continue;
    builder.add_peer(e.name, addr, e.networks);
  }
  return builder.finish();
}

}  // namespace sandnet::sync
