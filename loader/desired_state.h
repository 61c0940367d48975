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

#include "common/shared_list.h"
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
  sandnet::SharedList<std::string> members;  // sandbox ids; shared with the view it was derived from
};

// A local tap that carries the programs but whose guest cannot be placed (its sandbox left
// the view, or its plug is invalid): it gets a drop-all entry, never a detach.
struct QuarantineSpec {
  std::string tap;  // the device's name
  std::string why;
};

// Another host that owns remote endpoints (v7): its number (1 .. 2^24 - 1, the VNI it sends)
// and its underlay address. A remote endpoint whose host is not listed here gets no tunnel:
// traffic to it drops as NO_REMOTE_HOST, and nothing is accepted from it.
struct HostSpec {
  std::string id;
  uint32_t number = 0;
  uint32_t underlay_be = 0;
};
inline constexpr uint32_t kMaxHostNumber = (1u << 24) - 1;  // VXLAN's 24-bit VNI

struct DesiredState {
  std::vector<EndpointSpec> endpoints;
  std::vector<NetworkSpec> networks;
  std::vector<QuarantineSpec> quarantined;
  std::vector<HostSpec> hosts;
};

struct StateError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Throws StateError naming the offending item.
DesiredState parse_desired_state(std::string_view json_text, const AgentConfig& config);

}  // namespace sandnet::dp
