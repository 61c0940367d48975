#include "tests/integration/harness/reachability.h"

#include <future>
#include <memory>

#include <fmt/format.h>

#include "tests/integration/harness/probes.h"

namespace sandnet::testing {
namespace {

std::string probe_pair(const Sandbox& from, const Sandbox& to, bool expect_allowed, const MatrixOptions& o) {
  std::string problems;
  if (o.icmp) {
    bool reached = expect_allowed ? ping_eventually(from.netns, to.ip, o.allowed_deadline)
                                  : ping_once(from.netns, to.ip, o.blocked_timeout);
    if (reached != expect_allowed) problems += fmt::format(" icmp {}", reached ? "passed" : "blocked");
  }
  if (o.tcp) {
    TcpOutcome outcome = expect_allowed ? tcp_probe_eventually(from.netns, to.ip, o.tcp_port, o.allowed_deadline)
                                        : tcp_probe(from.netns, to.ip, o.tcp_port, o.blocked_timeout);
    // A refused connection still means the SYN reached a stack.
    bool reached = outcome == TcpOutcome::kEchoed || outcome == TcpOutcome::kRefused;
    if (reached != expect_allowed || (expect_allowed && outcome != TcpOutcome::kEchoed))
      problems += fmt::format(" tcp {}", to_string(outcome));
  }
  if (problems.empty()) return "";
  return fmt::format("{} -> {} expected {}, got{}", from.label, to.label, expect_allowed ? "allowed" : "blocked",
                     problems);
}

}  // namespace

std::vector<std::string> matrix_mismatches(const Topology& topo, const Policy& allowed, const MatrixOptions& options) {
  std::vector<std::unique_ptr<TcpEchoServer>> servers;
  if (options.tcp)
    for (const auto& sb : topo.sandboxes())
      if (!sb->tap_deleted) servers.push_back(std::make_unique<TcpEchoServer>(sb->netns, sb->ip, options.tcp_port));

  std::vector<std::future<std::string>> results;
  for (const auto& from : topo.sandboxes())
    for (const auto& to : topo.sandboxes()) {
      if (from == to) continue;
      const bool expect = allowed(*from, *to);
      results.push_back(std::async(std::launch::async, [&, expect, f = from.get(), t = to.get()] {
        return probe_pair(*f, *t, expect, options);
      }));
    }
  std::vector<std::string> mismatches;
  for (auto& r : results) {
    std::string m = r.get();
    if (!m.empty()) mismatches.push_back(std::move(m));
  }
  return mismatches;
}

std::string describe_mismatches(const std::vector<std::string>& mismatches) {
  std::string out = fmt::format("{} pair(s) differ from the policy:\n", mismatches.size());
  for (const auto& m : mismatches) out += "  " + m + "\n";
  return out;
}

}  // namespace sandnet::testing
