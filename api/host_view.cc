#include "api/host_view.h"

#include <algorithm>
#include <unordered_map>

namespace sandnet::api {

using nlohmann::json;

namespace {

// Memoized "is this network in the host's view now".
class ViewMembership {
 public:
  ViewMembership(ViewRecords& records, const std::string& host)
      : records_(records), host_(host) {}

  bool network(const std::string& id) {
    auto it = memo_.find(id);
    if (it != memo_.end()) return it->second;
    return memo_[id] = records_.network_in_view(host_, id);
  }

  // The sandbox restricted to the view, or nullopt when it is not (or no longer) in it.
  std::optional<ViewSandbox> sandbox(const std::string& id) {
    std::optional<ViewSandbox> sb = records_.view_sandbox(id);
    if (!sb) return std::nullopt;
    std::erase_if(sb->networks, [&](const std::string& n) { return !network(n); });
    if (sb->host != host_ && sb->networks.empty()) return std::nullopt;
    return sb;
  }

 private:
  ViewRecords& records_;
  const std::string& host_;
  std::unordered_map<std::string, bool> memo_;
};

// The transaction's current records.
class TxRecords final : public ViewRecords {
 public:
  explicit TxRecords(ReadTx& tx) : tx_(tx) {}
  bool network_in_view(const std::string& host, const std::string& network_id) override {
    return tx_.network_in_view(host, network_id);
  }
  std::optional<ViewSandbox> view_sandbox(const std::string& id) override {
    return tx_.view_sandbox(id);
  }
  std::optional<ViewNetwork> view_network(const std::string& id) override {
    return tx_.view_network(id);
  }
  std::vector<ViewHost> view_hosts(const std::set<std::string>& ids) override {
    return sorted_view_hosts(tx_, ids);
  }

 private:
  ReadTx& tx_;
};

}  // namespace

std::vector<ViewHost> sorted_view_hosts(ReadTx& tx, const std::set<std::string>& ids) {
  if (ids.empty()) return {};
  std::vector<ViewHost> out = tx.view_hosts({ids.begin(), ids.end()});
  std::sort(out.begin(), out.end(),
            [](const ViewHost& a, const ViewHost& b) { return a.id < b.id; });
  return out;
}

std::set<std::string> listed_host_ids(const std::set<std::string>& changed,
                                      const std::vector<ViewSandbox>& sandboxes) {
  std::set<std::string> ids = changed;
  for (const ViewSandbox& sb : sandboxes) {
    if (!sb.host.empty()) ids.insert(sb.host);
  }
  return ids;
}

HostView snapshot_view(ReadTx& tx, const std::string& host) {
  HostView view = tx.host_view(host);
  view.hosts = sorted_view_hosts(tx, listed_host_ids({host}, view.sandboxes));
  return view;
}

void ViewCandidates::add(const Change& c) {
  if (!c.sandbox_id.empty()) sandboxes.insert(c.sandbox_id);
  if (!c.network_id.empty()) networks.insert(c.network_id);
  if (!c.host_id.empty()) hosts.insert(c.host_id);
}

ViewChanges assemble_view_changes(ViewRecords& records, const std::string& host,
                                  int64_t revision, ViewCandidates candidates) {
  ViewChanges out;
  out.revision = revision;
  // A network that entered the view brings all its members; one that left may take members
  // with it, or shorten the networks list of members that stay.
  for (const std::string& id : candidates.crossed) {
    candidates.networks.insert(id);
    if (std::optional<ViewNetwork> n = records.view_network(id)) {
      candidates.sandboxes.insert(n->members.begin(), n->members.end());
    }
  }
  ViewMembership view(records, host);
  for (const std::string& id : candidates.networks) {
    std::optional<ViewNetwork> n = view.network(id) ? records.view_network(id) : std::nullopt;
    if (n) {
      out.networks.push_back(std::move(*n));
    } else {
      out.removed_networks.push_back(id);
    }
  }
  for (const std::string& id : candidates.sandboxes) {
    if (std::optional<ViewSandbox> sb = view.sandbox(id)) {
      out.sandboxes.push_back(std::move(*sb));
    } else {
      out.removed_sandboxes.push_back(id);
    }
  }
  out.changed_hosts = std::move(candidates.hosts);
  out.hosts = records.view_hosts(listed_host_ids(out.changed_hosts, out.sandboxes));
  return out;
}

ViewChanges compute_view_changes(ReadTx& tx, const std::string& host, int64_t since) {
  int64_t revision = tx.current_revision();
  ViewCandidates candidates;
  for (const Change& c : tx.host_changes_since(host, since)) candidates.add(c);
  for (const ViewEdge& e : tx.host_edges_since(host, since)) candidates.crossed.insert(e.network_id);
  TxRecords records(tx);
  return assemble_view_changes(records, host, revision, std::move(candidates));
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

json view_host_json(const ViewHost& h) {
  return {{"id", h.id},
          {"number", h.number},
          {"underlay", h.underlay.empty() ? json(nullptr) : json(h.underlay)},
          {"live", h.live}};
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
          {"networks", array_of(view.networks, view_network_json)},
          {"hosts", array_of(view.hosts, view_host_json)}};
}

json changes_json(const ViewChanges& c) {
  return {{"type", "changes"},
          {"revision", c.revision},
          {"sandboxes", array_of(c.sandboxes, view_sandbox_json)},
          {"networks", array_of(c.networks, view_network_json)},
          {"removed_sandboxes", c.removed_sandboxes},
          {"removed_networks", c.removed_networks},
          {"hosts", array_of(c.hosts, view_host_json)}};
}

}  // namespace sandnet::api
