#include "guestd/peer_table.h"

#include <cstring>
#include <string_view>

#include "common/hosts_table/hosts_table.hpp"

namespace sandnet::guestd {
namespace {

std::optional<std::string> normalized(const std::string& name) {
  char out[SANDNET_HOSTS_TABLE_MAX_NAME];
  size_t n = sandnet_hosts_normalize_name(name.data(), name.size(), out);
  if (n == 0) return std::nullopt;
  return std::string(out, n);
}

}  // namespace

std::optional<PeerTable> peers_of(const sandnet_hosts_table& table) {
  PeerTable peers;
  for (uint32_t i = 0; i < table.name_count; ++i) {
    sandnet_hosts_entry e;
    if (!sandnet_hosts_table_name_at(&table, i, &e)) return std::nullopt;
    std::string_view name(e.name, e.name_len), bare(e.canonical, e.canonical_len);
    auto& peer = peers[std::string(bare)];
    std::memcpy(peer.ipv4.data(), e.ipv4, 4);
    if (name == bare) continue;
    // Every other name of the address must be bare.<network>.
    if (name.size() <= bare.size() + 1 || name.substr(0, bare.size()) != bare || name[bare.size()] != '.')
      return std::nullopt;
    peer.networks.emplace(name.substr(bare.size() + 1));
  }
  return peers;
}

bool apply_delta(PeerTable& peers, const table_push::TableDelta& delta) {
  for (auto& name : delta.removed) {
    auto key = normalized(name);
    if (!key || peers.erase(*key) == 0) return false;
  }
  for (auto& p : delta.upserted) {
    auto key = normalized(p.name);
    if (!key) return false;
    Peer peer{p.ipv4, {}};
    for (auto& n : p.networks) {
      auto net = normalized(n);
      if (!net) return false;
      peer.networks.insert(std::move(*net));
    }
    peers[std::move(*key)] = std::move(peer);
  }
  return true;
}

std::vector<unsigned char> image_of(const PeerTable& peers, uint64_t generation) {
  hosts_table::Builder b;
  b.set_generation(generation);
  for (auto& [name, peer] : peers) b.add_peer(name, peer.ipv4, {peer.networks.begin(), peer.networks.end()});
  return b.finish();
}

}  // namespace sandnet::guestd
