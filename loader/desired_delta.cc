#include "loader/desired_delta.h"

#include <algorithm>
#include <map>
#include <string_view>

namespace sandnet::dp {

namespace {

// Removes the entries whose key is in `gone`, then inserts or replaces each of `put` (the last
// of one key wins), in a list sorted by key (as view_to_state lists them). An entry replaced
// stays in place (a binary search). When at most one entry comes or goes, it is shifted in
// place: O(change x log n) comparisons plus that one shift. When more do (a host's peers
// appearing or vanishing together), one merge pass builds the list: one shift of the list
// for the whole change, not one per entry.
template <typename T, typename Key>
void patch(std::vector<T>& list, const std::vector<std::string>& gone, const std::vector<T>& put, Key key) {
  auto at = [&](const std::string& k) {
    return std::lower_bound(list.begin(), list.end(), k, [&](const T& x, const std::string& k) { return key(x) < k; });
  };
  auto present = [&](const std::string& k) {
    auto it = at(k);
    return it != list.end() && key(*it) == k;
  };
  size_t shifts = 0;
  for (auto& k : gone) shifts += present(k) ? 1 : 0;
  for (auto& x : put) shifts += present(key(x)) ? 0 : 1;
  if (shifts <= 1) {
    for (auto& k : gone)
      if (auto it = at(k); it != list.end() && key(*it) == k) list.erase(it);
    for (auto& x : put) {
      auto it = at(key(x));
      if (it != list.end() && key(*it) == key(x)) *it = x;
      else list.insert(it, x);
    }
    return;
  }
  std::map<std::string_view, const T*> change;  // nullptr: gone
  for (auto& k : gone) change[k] = nullptr;
  for (auto& x : put) change[key(x)] = &x;
  std::vector<T> out;
  out.reserve(list.size() + put.size());
  auto c = change.begin();
  auto flush_before = [&](std::string_view k) {
    for (; c != change.end() && c->first < k; ++c)
      if (c->second) out.push_back(*c->second);
  };
  for (auto& x : list) {
    flush_before(key(x));
    if (c != change.end() && c->first == key(x)) {
      if (c->second) out.push_back(*c->second);
      ++c;
    } else {
      out.push_back(std::move(x));
    }
  }
  for (; c != change.end(); ++c)
    if (c->second) out.push_back(*c->second);
  list = std::move(out);
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
