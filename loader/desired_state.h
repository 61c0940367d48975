// The desired-state file (docs/state-file.md): which endpoints exist, on
// which tap, and which sandboxes each network has. Parsing is strict: unknown
// fields, duplicates, dangling references and out-of-overlay addresses are
// errors, so a bad file can never half-apply.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "loader/agent_config.h"
#include "loader/net_addr.h"

namespace sandnet::dp {

struct EndpointSpec {
  std::string sandbox_id;
  std::string tap;   // empty for a remote endpoint
  uint32_t ip_be = 0;
  MacAddr mac{};
  std::string host;  // empty = this host
  bool local() const { return host.empty(); }
};

struct NetworkSpec {
  std::string id;
  std::vector<std::string> members;  // sandbox ids
};

// A local tap that carries the programs but whose guest cannot be placed (its sandbox left
// the view, or its plug is invalid): it gets a drop-all entry, never a detach.
struct QuarantineSpec {
  std::string tap;  // the device's name
  std::string why;
};

struct DesiredState {
  std::vector<EndpointSpec> endpoints;
  std::vector<NetworkSpec> networks;
  std::vector<QuarantineSpec> quarantined;
};

struct StateError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Throws StateError naming the offending item.
DesiredState parse_desired_state(std::string_view json_text, const AgentConfig& config);

}  // namespace sandnet::dp
