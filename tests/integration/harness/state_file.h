// The agent's desired-state file (docs/state-file.md): built from a Topology's sandboxes,
// written the way the contract asks writers to (temp file + rename), identified by the
// sha256 the agent reports back in status.json once it is live.
#pragma once
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/integration/harness/topology.h"

namespace sandnet::testing {

class DesiredState {
 public:
  DesiredState& add_endpoint(const Sandbox& sb);
  // A sandbox of another host's topology, as a remote endpoint on host `host_id`.
  DesiredState& add_remote(const Sandbox& sb, const std::string& host_id);
  // The other host `host_id` (docs/state-file.md, "hosts").
  DesiredState& add_host(const std::string& host_id, uint32_t number, const std::string& underlay);
  // Sets (or replaces) a network's members, in order.
  DesiredState& set_network(const std::string& network_id, const std::vector<const Sandbox*>& members);
  DesiredState& remove_network(const std::string& network_id);
  std::string to_json() const;

 private:
  std::vector<std::pair<const Sandbox*, std::string>> endpoints_;  // host id: empty = local
  nlohmann::json hosts_ = nlohmann::json::array();
  std::vector<std::pair<std::string, std::vector<std::string>>> networks_;
};

// Computed here, apart from the agent's (agent/status_file.h): the tests check the agent's
// status.json against it.
std::string sha256_hex(std::string_view bytes);

// Writes path atomically (common/atomic_file.h); returns the sha256 of content.
std::string write_file_atomically(const std::string& path, const std::string& content);

}  // namespace sandnet::testing
