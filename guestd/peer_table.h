// The peers of the table guestd holds, kept so an "SNT3" delta (common/push/table_delta.h) can
// be applied to it: each bare name with its address and networks, as the agent's table builder
// takes them (add_peer). Read back from an installed image or patched by a delta; the image it
// gives is byte for byte the one the agent would build from the same peers.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/hosts_table/hosts_table.h"
#include "common/push/table_delta.h"

namespace sandnet::guestd {

struct Peer {
  std::array<unsigned char, 4> ipv4{};
  std::set<std::string> networks;  // normalised
};
using PeerTable = std::map<std::string, Peer>;  // by normalised bare name

// The peers of a validated table, or nothing when its names are not all a bare name and
// bare.network names of one address (a table not built from peers: deltas cannot apply to it).
std::optional<PeerTable> peers_of(const sandnet_hosts_table& table);
// Removals, then upserts. False (the table half changed: discard it) when a name cannot be
// stored or a removal names no peer.
bool apply_delta(PeerTable& peers, const table_push::TableDelta& delta);
// The table image of the peers. Throws hosts_table::Error.
std::vector<unsigned char> image_of(const PeerTable& peers, uint64_t generation);

}  // namespace sandnet::guestd
