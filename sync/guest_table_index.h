// Each plugged guest's hosts table kept between changes (issue 19): instead of rebuilding a
// touched guest's table from the view (a scan of every network for the guest, a hash of every
// peer it sees, a sort), the index keeps, per guest, which networks it shares with each peer,
// and a change marks only the peers whose entry it can alter: members that joined or left a
// network the guest is in, and peers whose record changed. The guest's new table is its last
// one with those entries replaced: table() returns only that change (a TableUpdate: the old
// entries of the marked peers out, their new ones in), O(change); the table itself is kept by
// whoever applies the updates (the pusher). The last table with every update applied always
// equals guest_table() on the same view (tests/sync/guest_table_index_test.cc).
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sync/guest_tables.h"
#include "sync/host_view.h"
#include "sync/local_plugs.h"
#include "sync/table_update.h"

namespace sandnet::sync {

class GuestTableIndex {
 public:
  // Before `change` is applied to `before`: what it does to each kept guest's shared networks,
  // and which of its peers' entries it may alter (a host record's change: the peers placed
  // there). A guest whose own record changes is rebuilt.
  void note_change(const HostView& before, const FeedAnswer& change, const std::string& host_id);
  // What turns the last table of `sandbox_id` into its table in `view` now: whole the first
  // time (and after clear(), a tap or address change, the guest's own record changing), else a
  // patch. Nothing when it has no table (as guest_table()).
  std::optional<TableUpdate> table(const HostView& view, const LocalPlugs& plugs, const std::string& host_id,
                                   const std::string& sandbox_id);
  // Whether `peer` shares a network with `guest` in the view as noted so far (every change
  // before the one about to be noted); nullopt when the index does not know the guest's peers
  // (it has no table yet, or its next one is built whole). A SharesNetwork for guests_touched.
  std::optional<bool> shares_network(const std::string& guest, const std::string& peer) const;
  // Forgets every guest: their next table is built whole.
  void clear() {
    guests_.clear();
    net_numbers_.clear();
    net_ids_.clear();
  }

 private:
  // A peer's shared networks as numbers into net_ids_, sorted. A u32string holds up to three
  // inline (no allocation): a peer shares one or two networks with a guest as a rule.
  using NetNumbers = std::u32string;
  // What the last table shows of a peer: its entry's (name, ip), or nothing.
  using OldKey = std::optional<EntryKey>;
  struct Guest {
    std::unordered_map<std::string, NetNumbers> shared;  // peer -> networks shared (self: maybe none)
    // Peers whose entry may have changed since `last`, each with the key its entry had in
    // `last` (taken from the view before the first change that marked it).
    std::map<std::string, OldKey> dirty;
    std::string tap, guest_ip;  // of the last table
    bool whole = true;          // rebuild from the view
  };
  void seed(Guest& g, const HostView& view, const std::string& self);
  std::optional<TableEntry> entry_of(const Guest& g, const HostView& view, const std::string& host_id,
                                     const std::string& peer) const;
  uint32_t net_number(const std::string& net_id);

  std::map<std::string, Guest> guests_;
  // Network ids, numbered once (networks are few next to peers); kept until clear().
  std::unordered_map<std::string, uint32_t> net_numbers_;
  std::vector<std::string> net_ids_;
};

}  // namespace sandnet::sync
