#include "sync/table_update.h"

namespace sandnet::sync {

std::vector<TableEntry> entries_of(const TableEntries& t) {
  std::vector<TableEntry> out;
  out.reserve(t.size());
  for (auto& [key, nets] : t) out.push_back({key.first, key.second, nets});
  return out;
}

}  // namespace sandnet::sync
