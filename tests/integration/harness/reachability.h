// The reachability matrix: every ordered pair of sandboxes probed with ICMP and TCP at once,
// compared with what a policy says. Expected-blocked pairs get one short probe each;
// expected-allowed pairs are retried until they pass or a generous deadline, so a slow
// machine costs time, never a false failure.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tests/integration/harness/topology.h"

namespace sandnet::testing {

struct MatrixOptions {
  std::chrono::milliseconds allowed_deadline{15000};
  std::chrono::milliseconds blocked_timeout{400};
  uint16_t tcp_port = 7000;  // an echo server listens here in every sandbox during the check
  bool icmp = true;
  bool tcp = true;
};

using Policy = std::function<bool(const Sandbox& from, const Sandbox& to)>;

// One line per pair whose observed reachability differs from the policy; empty when all match.
std::vector<std::string> matrix_mismatches(const Topology& topo, const Policy& allowed,
                                           const MatrixOptions& options = {});

// Renders mismatches for a test failure message.
std::string describe_mismatches(const std::vector<std::string>& mismatches);

}  // namespace sandnet::testing
