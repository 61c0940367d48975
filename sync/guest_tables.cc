#include "sync/guest_tables.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <set>

#include "common/hosts_table/hosts_table.hpp"

namespace sandnet::sync {
namespace {

GuestTable table_for(const SandboxRecord& self, const std::string& tap, const HostView& view) {
  // peer id → names of the networks it shares with self
  std::map<std::string, std::set<std::string>> shared;
  shared[self.id];
  for (auto& [net_id, net] : view.networks()) {
    if (std::find(net.members.begin(), net.members.end(), self.id) == net.members.end()) continue;
    for (auto& member : net.members) shared[member].insert(net.name);
  }
  GuestTable t{self.id, self.ip, tap, {}};
  for (auto& [peer_id, nets] : shared) {
    auto it = view.sandboxes().find(peer_id);
    if (it == view.sandboxes().end() || it->second.ip.empty()) continue;
    t.entries.push_back({it->second.name, it->second.ip, {nets.begin(), nets.end()}});
  }
  std::sort(t.entries.begin(), t.entries.end(),
            [](const TableEntry& a, const TableEntry& b) { return a.name < b.name || (a.name == b.name && a.ip < b.ip); });
  return t;
}

}  // namespace

std::map<std::string, GuestTable> guest_tables(const HostView& view, const LocalPlugs& plugs,
                                               const std::string& host_id) {
  std::map<std::string, GuestTable> out;
  for (auto& [id, plug] : plugs) {
    auto it = view.sandboxes().find(id);
    if (it == view.sandboxes().end()) continue;
    if (it->second.host && *it->second.host != host_id) continue;  // moved to another host
    out.emplace(id, table_for(it->second, plug.tap, view));
  }
  return out;
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
