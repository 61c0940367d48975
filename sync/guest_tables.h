// The hosts table each local plugged sandbox must see: every sandbox sharing a
// network with it, itself included, under its bare name and as name.network for each network
// they share (reverse entries come from the format). A guest never gets names of networks it is
// not in, nor sandboxes it shares nothing with, nor peers placed on a host the overlay does not
// reach (lost, or without an underlay address: HostView::reaches), which the datapath purges.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sync/host_view.h"
#include "sync/local_plugs.h"

namespace sandnet::sync {

struct TableEntry {
  std::string name;
  std::string ip;
  std::vector<std::string> networks;  // network names, sorted
  bool operator==(const TableEntry&) const = default;
};

struct GuestTable {
  std::string sandbox_id;
  std::string guest_ip;
  std::string tap;
  std::vector<TableEntry> entries;  // sorted by name: equal content compares equal
};

// One table per plugged sandbox of the view placed on this host.
std::map<std::string, GuestTable> guest_tables(const HostView& view, const LocalPlugs& plugs,
                                               const std::string& host_id);
// The table of one sandbox; nullopt when it is not plugged here (or has moved away).
std::optional<GuestTable> guest_table(const HostView& view, const LocalPlugs& plugs, const std::string& host_id,
                                      const std::string& sandbox_id);
// The plugged guests whose table `change` can alter, given the view before it is applied:
// guests that are a changed or removed sandbox, members of a changed or removed network
// (before or after), and guests sharing a network with a changed or removed sandbox or with a
// sandbox placed on a host whose record changes. Every other guest's table stays as it was,
// so only these need rebuilding.
// `shares`, when given, says whether a guest shares a network with a peer in `before`
// (nullopt: it does not know that guest), so a changed record costs a lookup per plugged guest
// instead of a pass over every network's members; the pass remains for the guests it does not
// know. Either way the answer is the same.
using SharesNetwork = std::function<std::optional<bool>(const std::string& guest, const std::string& peer)>;
std::set<std::string> guests_touched(const HostView& before, const FeedAnswer& change, const LocalPlugs& plugs,
                                     const SharesNetwork& shares = nullptr);

// A peer shows in guests' tables: placed nowhere yet, here, or on a host the overlay reaches.
bool named_peer(const HostView& view, const SandboxRecord& peer, const std::string& host_id);

// The table image for sandnet-guestd (common/hosts_table). Throws hosts_table::Error.
std::vector<unsigned char> encode_table(const GuestTable& table, uint64_t generation);

}  // namespace sandnet::sync
