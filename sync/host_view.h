// The agent's model of its host view (docs/host-feed.md): every sandbox placed on this host,
// every network with a member here, and every peer of those. A sandbox record is kept without
// its `networks` list (see kept()): the views' JSON and the checkpoint show it empty. Built from a feed snapshot and
// kept current by applying feed changes; serialised whole for the on-disk checkpoint.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sandnet::sync {

struct SandboxRecord {
  std::string id;
  std::string name;
  std::string ip;
  std::optional<std::string> host;
  std::optional<std::string> mac;
  std::string status;
  std::vector<std::string> networks;
  bool operator==(const SandboxRecord&) const = default;
};

struct NetworkRecord {
  std::string id;
  std::string name;
  std::vector<std::string> members;
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

class HostView {
 public:
  uint64_t revision() const { return revision_; }
  const std::map<std::string, SandboxRecord, std::less<>>& sandboxes() const { return sandboxes_; }
  const std::map<std::string, NetworkRecord, std::less<>>& networks() const { return networks_; }

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
  // A record as the view keeps it: without its `networks`, which the feed sends for
  // information only (memberships come from the networks' member lists, docs/host-feed.md).
  static SandboxRecord kept(SandboxRecord s);

  uint64_t revision_ = 0;
  std::map<std::string, SandboxRecord, std::less<>> sandboxes_;
  std::map<std::string, NetworkRecord, std::less<>> networks_;
};

}  // namespace sandnet::sync
