// Each plugged guest's hosts table kept between changes (issue 19): instead of rebuilding a
// touched guest's table from the view (a scan of every network for the guest, a hash of every
// peer it sees, a sort), the index keeps, per guest, which networks it shares with each peer,
// and a change marks only the peers whose entry it can alter: members that joined or left a
// network the guest is in, and peers whose record changed. The guest's new table is its last
// one with those entries replaced (a filtered copy and a merge: no sort, no view scan).
// table() always equals guest_table() on the same view (tests/sync/guest_table_index_test.cc).
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>

#include "sync/guest_tables.h"
#include "sync/host_view.h"
#include "sync/local_plugs.h"

namespace sandnet::sync {

class GuestTableIndex {
 public:
  // Before `change` is applied to `before`: what it does to each kept guest's shared networks,
  // and which of its peers' entries it may alter. A guest whose own record changes is rebuilt.
  void note_change(const HostView& before, const FeedAnswer& change);
  // The table of `sandbox_id` in `view` now (nullptr: it has none, as guest_table()); shared
  // with the index, which keeps it as the base of the next one.
  std::shared_ptr<const GuestTable> table(const HostView& view, const LocalPlugs& plugs, const std::string& host_id,
                                  const std::string& sandbox_id);
  // Forgets every guest: their next table is built whole.
  void clear() { guests_.clear(); }

 private:
  struct Guest {
    std::unordered_map<std::string, std::set<std::string>> shared;  // peer -> network ids shared (self: maybe none)
    std::unordered_map<std::string, std::pair<std::string, std::string>> key_of;  // peer -> its entry's (name, ip)
    std::set<std::string> dirty;  // peers whose entry may have changed since `last`
    std::shared_ptr<const GuestTable> last;
    bool whole = true;  // rebuild from the view
  };
  void seed(Guest& g, const HostView& view, const std::string& self);
  std::optional<TableEntry> entry_of(const Guest& g, const HostView& view, const std::string& peer) const;

  std::map<std::string, Guest> guests_;
};

}  // namespace sandnet::sync
