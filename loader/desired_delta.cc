#include "loader/desired_delta.h"

#include <algorithm>

namespace sandnet::dp {

namespace {

// Removes the entries whose key is in `gone`, then inserts or replaces each of `put`, in a list
// sorted by key (as view_to_state lists them): a binary search per item, so a change costs
// O(change x log n) comparisons (plus the vector's memmove when an item comes or goes), not a
// scan of the whole state.
template <typename T, typename Key>
void patch(std::vector<T>& list, const std::vector<std::string>& gone, const std::vector<T>& put, Key key) {
  auto at = [&](const std::string& k) {
    return std::lower_bound(list.begin(), list.end(), k, [&](const T& x, const std::string& k) { return key(x) < k; });
  };
  for (auto& k : gone)
    if (auto it = at(k); it != list.end() && key(*it) == k) list.erase(it);
  for (auto& x : put) {
    auto it = at(key(x));
    if (it != list.end() && key(*it) == key(x)) *it = x;
    else list.insert(it, x);
  }
}

}  // namespace

void apply_delta(DesiredState& state, const DesiredDelta& delta) {
  patch(state.endpoints, delta.removed_endpoints, delta.upsert_endpoints,
        [](const EndpointSpec& e) -> const std::string& { return e.sandbox_id; });
  patch(state.networks, delta.removed_networks, delta.upsert_networks,
        [](const NetworkSpec& n) -> const std::string& { return n.id; });
  if (delta.quarantine_changed) state.quarantined = delta.quarantined;
  if (delta.hosts_changed) state.hosts = delta.hosts;
}

}  // namespace sandnet::dp
