#include "loader/desired_delta.h"

#include <algorithm>
#include <unordered_set>

namespace sandnet::dp {

namespace {

// Removes the entries whose key is in `gone`, then inserts or replaces each of `put` in key order.
template <typename T, typename Key>
void patch(std::vector<T>& list, const std::vector<std::string>& gone, const std::vector<T>& put, Key key) {
  if (!gone.empty()) {
    std::unordered_set<std::string> drop(gone.begin(), gone.end());
    list.erase(std::remove_if(list.begin(), list.end(), [&](const T& x) { return drop.count(key(x)); }), list.end());
  }
  for (auto& x : put) {
    auto it = std::find_if(list.begin(), list.end(), [&](const T& y) { return key(y) == key(x); });
    if (it != list.end()) {
      *it = x;
      continue;
    }
    auto at = std::find_if(list.begin(), list.end(), [&](const T& y) { return key(x) < key(y); });
    list.insert(at, x);
  }
}

}  // namespace

void apply_delta(DesiredState& state, const DesiredDelta& delta) {
  patch(state.endpoints, delta.removed_endpoints, delta.upsert_endpoints,
        [](const EndpointSpec& e) -> const std::string& { return e.sandbox_id; });
  patch(state.networks, delta.removed_networks, delta.upsert_networks,
        [](const NetworkSpec& n) -> const std::string& { return n.id; });
  if (delta.quarantine_changed) state.quarantined = delta.quarantined;
}

}  // namespace sandnet::dp
