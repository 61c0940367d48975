// A guest's hosts table as the agent keeps it between changes (issue 19), and the update one
// change makes to it: the guest table index (guest_table_index.h) emits updates, the pusher
// (table_pusher.h) applies them to the table it keeps per guest, in place, and sends the guest
// only what changed when it can (an "SNT3" delta).
#pragma once
#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "sync/guest_tables.h"

namespace sandnet::sync {

using EntryKey = std::pair<std::string, std::string>;  // (name, ip): the order of GuestTable::entries
using Networks = std::vector<std::string>;
// Entries by key. Two peers with the same name and address (the API gives each its own
// address) would be one entry here.
using TableEntries = std::map<EntryKey, Networks>;

struct TableUpdate {
  std::string guest_ip;
  std::string tap;
  bool whole = false;                // `upserted` is the whole table (sorted); `removed` is empty
  std::vector<EntryKey> removed;     // a patch: these go first,
  std::vector<TableEntry> upserted;  // then these are set
};

// Applies `u` to `t` (removals, then upserts; a whole update replaces it). `before(key, value)`
// is called before each change of a key with the value it had (nullopt: absent); a key can be
// reported twice (its first report holds the value before the call), and a key whose value
// ends as it was may be reported too. Returns whether anything changed.
template <class Before>
bool apply_update(TableEntries& t, const TableUpdate& u, Before&& before) {
  bool changed = false;
  auto remove = [&](const EntryKey& key) {
    auto it = t.find(key);
    if (it == t.end()) return;
    before(key, std::optional<Networks>(std::move(it->second)));
    t.erase(it);
    changed = true;
  };
  if (u.whole) {
    // A walk of the kept table beside the wanted entries in key order (pointers sorted, not a
    // second map of the whole table: at 100k entries that map was ~19 MB of a restart's peak).
    // Of entries with one key the last wins, as assignments in order would have it.
    std::vector<const TableEntry*> want;
    want.reserve(u.upserted.size());
    for (auto& e : u.upserted) want.push_back(&e);
    auto key_of = [](const TableEntry* e) { return std::tie(e->name, e->ip); };
    std::stable_sort(want.begin(), want.end(), [&](auto* a, auto* b) { return key_of(a) < key_of(b); });
    auto it = t.begin();
    for (size_t i = 0; i < want.size(); ++i) {
      if (i + 1 < want.size() && key_of(want[i]) == key_of(want[i + 1])) continue;
      const TableEntry& e = *want[i];
      while (it != t.end() && std::tie(it->first.first, it->first.second) < key_of(&e)) remove((it++)->first);
      if (it != t.end() && std::tie(it->first.first, it->first.second) == key_of(&e)) {
        if (it->second != e.networks) {
          before(it->first, std::optional<Networks>(it->second));
          it->second = e.networks;
          changed = true;
        }
        ++it;
        continue;
      }
      EntryKey key{e.name, e.ip};
      before(key, std::optional<Networks>());
      t.emplace_hint(it, std::move(key), e.networks);
      changed = true;
    }
    while (it != t.end()) remove((it++)->first);
    return changed;
  }
  for (auto& key : u.removed) remove(key);
  for (auto& e : u.upserted) {
    EntryKey key{e.name, e.ip};
    auto it = t.find(key);
    if (it != t.end() && it->second == e.networks) continue;
    before(key, it == t.end() ? std::optional<Networks>() : std::optional<Networks>(it->second));
    t[std::move(key)] = e.networks;
    changed = true;
  }
  return changed;
}

inline bool apply_update(TableEntries& t, const TableUpdate& u) {
  return apply_update(t, u, [](const EntryKey&, const std::optional<Networks>&) {});
}

// The entries as GuestTable lists them (sorted by name, then ip).
std::vector<TableEntry> entries_of(const TableEntries& t);

}  // namespace sandnet::sync
