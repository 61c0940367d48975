// The delta a guest needs (common/push/table_delta.h): from the entries that changed since the
// table it acknowledged, each with its value in that table, to the table kept now. O(change);
// no sockets, so the pusher's choice between a delta and the whole table is testable alone.
#pragma once
#include <cstdint>
#include <map>
#include <optional>

#include "common/push/table_delta.h"
#include "sync/table_update.h"

namespace sandnet::sync {

// Key -> its value in the guest's table (nullopt: absent there).
using ChangedEntries = std::map<EntryKey, std::optional<Networks>>;

// The changes as a delta against `base_generation` (its `generation` is the caller's), or
// nothing when only the whole table can say them exactly: a name the table format would store
// otherwise (not normalised), an address it would skip, a name two entries share (the whole
// table is refused then), or more changes than the table has entries.
std::optional<table_push::TableDelta> delta_since(const TableEntries& now, const ChangedEntries& changed,
                                                  uint64_t base_generation);

}  // namespace sandnet::sync
