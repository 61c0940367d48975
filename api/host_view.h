// A host's view and what changed in it (docs/host-feed.md).
// View of host H: every sandbox placed on H, every network with a member placed on H, and
// every member of those networks. A sandbox's "networks" lists only networks in the view.
#pragma once
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/store.h"

namespace sandnet::api {

struct ViewChanges {
  int64_t revision = 0;
  std::vector<ViewSandbox> sandboxes;  // full current records, sorted by id
  std::vector<ViewNetwork> networks;
  std::vector<std::string> removed_sandboxes;
  std::vector<std::string> removed_networks;
  // The registered hosts of `sandboxes` and of `changed_hosts`, sorted by id.
  std::vector<ViewHost> hosts;
  // Hosts whose record changed (host_* changes); not sent, kept so that answers merge.
  std::set<std::string> changed_hosts;

  bool empty() const {
    return sandboxes.empty() && networks.empty() && removed_sandboxes.empty() &&
           removed_networks.empty() && hosts.empty();
  }
};

// The registered ones of `ids`, sorted by id (one statement; none for no ids).
std::vector<ViewHost> sorted_view_hosts(ReadTx& tx, const std::set<std::string>& ids);
// The hosts a changes answer lists: `changed` and the hosts of `sandboxes`.
std::set<std::string> listed_host_ids(const std::set<std::string>& changed,
                                      const std::vector<ViewSandbox>& sandboxes);

// Where the view computation reads current records: a transaction (compute_view_changes),
// or the feed follower's records read in one batch for a delta (feed_delta.cc).
class ViewRecords {
 public:
  virtual ~ViewRecords() = default;
  virtual bool network_in_view(const std::string& host, const std::string& network_id) = 0;
  // With all its networks / all its members in attach order.
  virtual std::optional<ViewSandbox> view_sandbox(const std::string& id) = 0;
  virtual std::optional<ViewNetwork> view_network(const std::string& id) = 0;
  // The registered ones of `ids`, sorted by id.
  virtual std::vector<ViewHost> view_hosts(const std::set<std::string>& ids) = 0;
};

// What may have changed in one host's view since its revision: ids named by the changes that
// touched it, and networks that entered or left it (all their members are candidates too).
struct ViewCandidates {
  std::set<std::string> sandboxes, networks, crossed;
  std::set<std::string> hosts;  // whose record changed
  void add(const Change& c);
};

// The candidates judged against the records as they are at `revision`.
ViewChanges assemble_view_changes(ViewRecords& records, const std::string& host,
                                  int64_t revision, ViewCandidates candidates);

// What a host that holds its view at `since` must apply to hold it at tx's revision. Reads
// only the changes that touched the host (change_hosts), so the cost follows the change,
// not the size of the view. Upserts are over-inclusive only when a network enters or leaves
// the view (all its members are then resent or removed).
ViewChanges compute_view_changes(ReadTx& tx, const std::string& host, int64_t since);

// The host's snapshot: its view (ReadTx::host_view) with every registered host that holds a
// placed sandbox of it, the host itself included.
HostView snapshot_view(ReadTx& tx, const std::string& host);

nlohmann::json view_sandbox_json(const ViewSandbox& s);
nlohmann::json view_host_json(const ViewHost& h);
nlohmann::json view_network_json(const ViewNetwork& n);
// {"type":"snapshot","revision","sandboxes","networks","hosts"}
nlohmann::json snapshot_json(const HostView& view);
// {"type":"changes","revision","sandboxes","networks","removed_sandboxes","removed_networks",
//  "hosts"}
nlohmann::json changes_json(const ViewChanges& changes);

}  // namespace sandnet::api
