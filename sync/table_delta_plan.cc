#include "sync/table_delta_plan.h"

#include <arpa/inet.h>

#include <array>
#include <iterator>

#include "common/hosts_table/hosts_table.h"

namespace sandnet::sync {
namespace {

// The whole table stores the key exactly: its name as given (normalised), its address.
bool stored_as_is(const EntryKey& key, std::array<unsigned char, 4>& addr) {
  char norm[SANDNET_HOSTS_TABLE_MAX_NAME];
  size_t n = sandnet_hosts_normalize_name(key.first.data(), key.first.size(), norm);
  return n != 0 && n == key.first.size() && key.first.compare(0, n, norm, n) == 0 &&
         inet_pton(AF_INET, key.second.c_str(), addr.data()) == 1;
}

}  // namespace

std::optional<table_push::TableDelta> delta_since(const TableEntries& now, const ChangedEntries& changed,
                                                  uint64_t base_generation) {
  table_push::TableDelta d;
  d.base_generation = base_generation;
  for (auto& [key, was] : changed) {
    auto it = now.find(key);
    bool present = it != now.end();
    if (present ? (was && *was == it->second) : !was) continue;  // back as it was
    std::array<unsigned char, 4> addr{};
    if (!stored_as_is(key, addr)) return std::nullopt;
    if (was && !present) d.removed.push_back(key.first);  // an upsert replaces the peer whole
    if (present) {
      auto first = now.lower_bound({key.first, std::string()});
      if (std::next(first) != now.end() && std::next(first)->first.first == key.first) return std::nullopt;
      d.upserted.push_back({key.first, addr, it->second});
    }
    if (d.removed.size() + d.upserted.size() > now.size()) return std::nullopt;
  }
  return d;
}

}  // namespace sandnet::sync
