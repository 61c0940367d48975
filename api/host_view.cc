#include "api/host_view.h"

#include <algorithm>
#include <set>
#include <unordered_map>

namespace sandnet::api {

using nlohmann::json;

namespace {

// Memoized "is this network in the host's view now".
class ViewMembership {
 public:
  ViewMembership(ReadTx& tx, const std::string& host) : tx_(tx), host_(host) {}

  bool network(const std::string& id) {
    auto it = memo_.find(id);
    if (it != memo_.end()) return it->second;
    return memo_[id] = tx_.network_in_view(host_, id);
  }

  // The sandbox restricted to the view, or nullopt when it is not (or no longer) in it.
  std::optional<ViewSandbox> sandbox(const std::string& id) {
    std::optional<ViewSandbox> sb = tx_.view_sandbox(id);
    if (!sb) return std::nullopt;
    std::erase_if(sb->networks, [&](const std::string& n) { return !network(n); });
    if (sb->host != host_ && sb->networks.empty()) return std::nullopt;
    return sb;
  }

 private:
  ReadTx& tx_;
  const std::string& host_;
  std::unordered_map<std::string, bool> memo_;
};

}  // namespace

ViewChanges compute_view_changes(ReadTx& tx, const std::string& host, int64_t since) {
  ViewChanges out;
  out.revision = tx.current_revision();
  std::set<std::string> sandbox_ids, network_ids;  // candidates: changed, entered or left
  for (const Change& c : tx.host_changes_since(host, since)) {
    if (!c.sandbox_id.empty()) sandbox_ids.insert(c.sandbox_id);
    if (!c.network_id.empty()) network_ids.insert(c.network_id);
  }
  // A network that entered the view brings all its members; one that left may take members
  // with it, or shorten the networks list of members that stay.
  std::set<std::string> crossed;
  for (const ViewEdge& e : tx.host_edges_since(host, since)) crossed.insert(e.network_id);
  for (const std::string& id : crossed) {
    network_ids.insert(id);
    if (std::optional<ViewNetwork> n = tx.view_network(id)) {
      sandbox_ids.insert(n->members.begin(), n->members.end());
    }
  }
  ViewMembership view(tx, host);
  for (const std::string& id : network_ids) {
    std::optional<ViewNetwork> n = view.network(id) ? tx.view_network(id) : std::nullopt;
    if (n) {
      out.networks.push_back(std::move(*n));
    } else {
      out.removed_networks.push_back(id);
    }
  }
  for (const std::string& id : sandbox_ids) {
    if (std::optional<ViewSandbox> sb = view.sandbox(id)) {
      out.sandboxes.push_back(std::move(*sb));
    } else {
      out.removed_sandboxes.push_back(id);
    }
  }
  return out;
}

json view_sandbox_json(const ViewSandbox& s) {
  return {{"id", s.id},
          {"name", s.name},
          {"ip", s.ip},
          {"host", s.host.empty() ? json(nullptr) : json(s.host)},
          {"mac", s.mac.empty() ? json(nullptr) : json(s.mac)},
          {"status", s.status},
          {"networks", s.networks}};
}

json view_network_json(const ViewNetwork& n) {
  return {{"id", n.id}, {"name", n.name}, {"members", n.members}};
}

namespace {

template <typename T, typename Fn>
json array_of(const std::vector<T>& items, Fn&& to_json) {
  json out = json::array();
  for (const T& item : items) out.push_back(to_json(item));
  return out;
}

}  // namespace

json snapshot_json(const HostView& view) {
  return {{"type", "snapshot"},
          {"revision", view.revision},
          {"sandboxes", array_of(view.sandboxes, view_sandbox_json)},
          {"networks", array_of(view.networks, view_network_json)}};
}

json changes_json(const ViewChanges& c) {
  return {{"type", "changes"},
          {"revision", c.revision},
          {"sandboxes", array_of(c.sandboxes, view_sandbox_json)},
          {"networks", array_of(c.networks, view_network_json)},
          {"removed_sandboxes", c.removed_sandboxes},
          {"removed_networks", c.removed_networks}};
}

}  // namespace sandnet::api
