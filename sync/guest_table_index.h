// Each plugged guest's hosts table kept between changes (issue 19): instead of rebuilding a
// touched guest's table from the view (a scan of every network for the guest, a hash of every
// peer it sees, a sort), the index keeps, per guest, which networks it shares with each peer,
// and a change marks only the peers whose entry it can alter: members that joined or left a
// network the guest is in, and peers whose record changed. The guest's new table is its last
// one with those entries replaced (a filtered copy and a merge: no sort, no view scan).
// table() always equals guest_table() on the same view (tests/sync/guest_table_index_test.cc).
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

namespace sandnet::sync {

class GuestTableIndex {
 public:
  // Before `change` is applied to `before`: what it does to each kept guest's shared networks,
  // and which of its peers' entries it may alter (a host record's change: the peers placed
  // there). A guest whose own record changes is rebuilt.
  void note_change(const HostView& before, const FeedAnswer& change, const std::string& host_id);
  // The table of `sandbox_id` in `view` now (nullptr: it has none, as guest_table()); shared
  // with the index, which keeps it as the base of the next one.
  std::shared_ptr<const GuestTable> table(const HostView& view, const LocalPlugs& plugs, const std::string& host_id,
                                  const std::string& sandbox_id);
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
  using EntryKey = std::optional<std::pair<std::string, std::string>>;
  struct Guest {
    std::unordered_map<std::string, NetNumbers> shared;  // peer -> networks shared (self: maybe none)
    // Peers whose entry may have changed since `last`, each with the key its entry had in
    // `last` (taken from the view before the first change that marked it).
    std::map<std::string, EntryKey> dirty;
    std::shared_ptr<const GuestTable> last;
    bool whole = true;  // rebuild from the view
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
