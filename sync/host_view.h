// The agent's model of its host view (docs/host-feed.md): every sandbox placed on this host,
// every network with a member here, every peer of those, and the records of the hosts they
// are placed on (kept once seen: upserted, never removed). A sandbox record has no `networks`
// list (parse_sandbox drops it): the views' JSON and the checkpoint show it empty. Built from a feed snapshot and
// kept current by applying feed changes; serialised whole for the on-disk checkpoint.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/shared_list.h"
#include "sync/host_record.h"

namespace sandnet::sync {

struct SandboxRecord {
  std::string id;
  std::string name;
  std::string ip;
  std::optional<std::string> host;
  std::optional<std::string> mac;
  std::string status;
  // No `networks`: the feed sends a sandbox's networks for information only (memberships come
  // from the networks' member lists, docs/host-feed.md); parse_sandbox validates and drops them.
  bool operator==(const SandboxRecord&) const = default;
};

struct NetworkRecord {
  std::string id;
  std::string name;
  sandnet::SharedList<std::string> members;
  bool operator==(const NetworkRecord&) const = default;
};

// A feed answer that does not have the contract's shape.
struct FeedFormatError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// One feed answer's `data`, parsed and validated whole (a malformed answer never half-applies).
struct FeedAnswer {
  bool snapshot = false;
  uint64_t revision = 0;
  std::vector<SandboxRecord> sandboxes;
  std::vector<NetworkRecord> networks;
  std::vector<HostRecord> hosts;  // upserted in order (a later record of an id wins)
  std::vector<std::string> removed_sandboxes;
  std::vector<std::string> removed_networks;
};

SandboxRecord parse_sandbox(const nlohmann::json& j);  // throws FeedFormatError
NetworkRecord parse_network(const nlohmann::json& j);
// The answer's fields other than the record lists, which the caller may have parsed already
// (sync/feed_parse.h streams them); the lists left in `data` are parsed and appended.
FeedAnswer parse_feed(const nlohmann::json& data, FeedAnswer records = {});
nlohmann::json to_json(const SandboxRecord& s);
nlohmann::json to_json(const NetworkRecord& n);

using HostRecords = std::map<std::string, HostRecord, std::less<>>;

class HostView {
 public:
  HostView() = default;
  // The placement index points into the sandbox map's keys: a copy builds its own.
  HostView(const HostView& other);
  HostView& operator=(const HostView& other);
  HostView(HostView&&) = default;
  HostView& operator=(HostView&&) = default;

  uint64_t revision() const { return revision_; }
  // The content stays, its revision becomes unknown (0): the feed is then asked from 0, a
  // snapshot, which replaces the content.
  void forget_revision() { revision_ = 0; }
  const std::map<std::string, SandboxRecord, std::less<>>& sandboxes() const { return sandboxes_; }
  const std::map<std::string, NetworkRecord, std::less<>>& networks() const { return networks_; }
  const HostRecords& hosts() const { return hosts_; }

  // The sandboxes of the view placed on `host` (their `host` field), by id: what a change of
  // that host's record touches, found without a scan of the view.
  const std::set<std::string_view>& placed_on(std::string_view host) const;
  // A peer placed on `host` can be installed: `host` is this host (`host_id`), or its record is
  // listed, live and has an underlay address.
  bool reaches(const std::string& host, const std::string& host_id) const;
  // The hosts whose record applying `records` would change (added, altered, or knocked out by
  // another host taking its number or underlay address), before it is applied.
  std::set<std::string> hosts_changed_by(const std::vector<HostRecord>& records) const;

  // Applies one feed answer's `data` (snapshot or changes). Validates the whole answer before
  // touching the view, so a malformed answer changes nothing. Returns true when the view's
  // content (not just the revision) changed.
  bool apply_feed(const nlohmann::json& data);
  bool apply(FeedAnswer answer);

  // An upsert from a runtime report (the plug answer carries the sandbox record).
  bool upsert(const SandboxRecord& s);

  nlohmann::json to_json() const;
  static HostView from_json(const nlohmann::json& j);  // throws FeedFormatError

 private:
  void place(const std::string& id, const SandboxRecord& s);
  void unplace(const std::string& id, const SandboxRecord& s);
  void rebuild_placement();

  uint64_t revision_ = 0;
  std::map<std::string, SandboxRecord, std::less<>> sandboxes_;
  std::map<std::string, NetworkRecord, std::less<>> networks_;
  HostRecords hosts_;
  // host -> the ids of the sandboxes placed there (views of sandboxes_'s keys)
  std::map<std::string, std::set<std::string_view>, std::less<>> placed_;
};

// Upserts `records` into `hosts` in order; a live record with an underlay address knocks out
// (marks not live) any other such record that claims its number or its address: a number and
// an address name one host (the newest word wins; the API keeps them unique). Returns the ids
// whose record changed.
std::set<std::string> merge_hosts(HostRecords& hosts, const std::vector<HostRecord>& records);

}  // namespace sandnet::sync
