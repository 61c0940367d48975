#include "api/feed_delta.h"

#include <map>
#include <set>
#include <utility>

namespace sandnet::api {
namespace {

std::vector<std::string> as_vector(const std::set<std::string>& ids) {
  return {ids.begin(), ids.end()};
}

// The records read in batches, answering the same questions the transaction would.
class BatchRecords final : public ViewRecords {
 public:
  bool network_in_view(const std::string& host, const std::string& network_id) override {
    return in_view_.count({network_id, host}) > 0;
  }
  std::optional<ViewSandbox> view_sandbox(const std::string& id) override {
    auto it = sandboxes_.find(id);
    if (it == sandboxes_.end()) return std::nullopt;
    return it->second;
  }
  std::optional<ViewNetwork> view_network(const std::string& id) override {
    auto it = networks_.find(id);
    if (it == networks_.end()) return std::nullopt;
    return it->second;
  }
  std::vector<ViewHost> view_hosts(const std::set<std::string>& ids) override {
    std::vector<ViewHost> out;  // sorted, as `ids` is
    for (const std::string& id : ids) {
      auto it = hosts_.find(id);
      if (it != hosts_.end()) out.push_back(it->second);
    }
    return out;
  }

  // Networks first (their members are candidates when they crossed a view's edge), then the
  // sandboxes, then where every network involved is placed, then the hosts named by changes
  // or holding one of those sandboxes.
  void read(ReadTx& tx, const std::set<std::string>& network_ids,
            std::set<std::string> sandbox_ids, const std::set<std::string>& crossed,
            std::set<std::string> host_ids) {
    for (ViewNetwork& n : tx.view_networks(as_vector(network_ids))) {
      if (crossed.count(n.id)) sandbox_ids.insert(n.members.begin(), n.members.end());
      std::string id = n.id;
      networks_.emplace(std::move(id), std::move(n));
    }
    std::set<std::string> placed_networks = network_ids;
    for (ViewSandbox& sb : tx.view_sandboxes(as_vector(sandbox_ids))) {
      placed_networks.insert(sb.networks.begin(), sb.networks.end());
      if (!sb.host.empty()) host_ids.insert(sb.host);
      std::string id = sb.id;
      sandboxes_.emplace(std::move(id), std::move(sb));
    }
    for (auto& pair : tx.network_hosts_of(as_vector(placed_networks))) {
      in_view_.insert(std::move(pair));
    }
    for (ViewHost& h : sorted_view_hosts(tx, host_ids)) {
      std::string id = h.id;
      hosts_.emplace(std::move(id), std::move(h));
    }
  }

 private:
  std::unordered_map<std::string, ViewNetwork> networks_;
  std::unordered_map<std::string, ViewSandbox> sandboxes_;
  std::set<std::pair<std::string, std::string>> in_view_;  // (network id, host)
  std::unordered_map<std::string, ViewHost> hosts_;
};

}  // namespace

FeedDelta read_feed_delta(ReadTx& tx, int64_t from) {
  FeedDelta delta;
  delta.from = from;
  delta.to = tx.current_revision();
  if (delta.to <= from) return delta;
  if (tx.feed_log_floor() > from) {
    delta.log_lost = true;
    return delta;
  }
  std::map<std::string, ViewCandidates> candidates;  // per touched host
  std::set<std::string> network_ids, sandbox_ids, crossed, host_ids;
  for (const HostChange& hc : tx.host_changes_after(from)) {
    candidates[hc.host].add(hc.change);
    if (!hc.change.network_id.empty()) network_ids.insert(hc.change.network_id);
    if (!hc.change.sandbox_id.empty()) sandbox_ids.insert(hc.change.sandbox_id);
    if (!hc.change.host_id.empty()) host_ids.insert(hc.change.host_id);
  }
  for (const HostEdge& he : tx.host_edges_after(from)) {
    candidates[he.host].crossed.insert(he.edge.network_id);
    network_ids.insert(he.edge.network_id);
    crossed.insert(he.edge.network_id);
  }
  BatchRecords records;
  records.read(tx, network_ids, std::move(sandbox_ids), crossed, std::move(host_ids));
  for (auto& [host, c] : candidates) {
    delta.hosts.emplace(host, assemble_view_changes(records, host, delta.to, std::move(c)));
  }
  return delta;
}

}  // namespace sandnet::api
