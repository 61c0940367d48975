// The isolation verdict through the real stack: every ordered pair of the five sandboxes,
// ICMP and TCP, matches the policy exactly, and ARP leaks no peer that is not one.
#include <nlohmann/json.hpp>

#include "tests/integration/datapath_fixture.h"
#include "tests/integration/harness/probes.h"
#include "tests/integration/harness/process.h"

namespace sandnet::testing {
namespace {

TEST_F(DatapathTest, FullMatrixMatchesThePolicyExactly) {
  expect_matrix(standard_policy, "standard state");
}

// The neighbour entry A's kernel holds for an address, or "" if it has none that resolved.
std::string resolved_mac(const std::string& netns, const std::string& ip) {
  auto entries = nlohmann::json::parse(run_checked({"ip", "-j", "neigh", "show", "to", ip}, {.netns = netns}));
  for (const auto& e : entries)
    if (e.contains("lladdr") && e.value("state", nlohmann::json::array()).dump().find("FAILED") == std::string::npos &&
        e.value("state", nlohmann::json::array()).dump().find("INCOMPLETE") == std::string::npos)
      return e["lladdr"].get<std::string>();
  return "";
}

TEST_F(DatapathTest, ArpResolvesPeersToOneGatewayAndNonPeersToNothing) {
  ASSERT_TRUE(ping_eventually(sb("B").netns, sb("A").ip, std::chrono::milliseconds(15000)));
  ASSERT_TRUE(ping_eventually(sb("B").netns, sb("C").ip, std::chrono::milliseconds(15000)));
  for (const char* other : {"D", "E"}) EXPECT_FALSE(ping_once(sb("B").netns, sb(other).ip, std::chrono::milliseconds(1500)));

  const std::string gw_a = resolved_mac(sb("B").netns, sb("A").ip);
  const std::string gw_c = resolved_mac(sb("B").netns, sb("C").ip);
  EXPECT_FALSE(gw_a.empty());
  EXPECT_EQ(gw_a, gw_c) << "peers should resolve to the same gateway MAC";
  EXPECT_NE(gw_a, sb("A").mac) << "a guest's MAC must not leak to its peers";
  EXPECT_EQ(resolved_mac(sb("B").netns, sb("D").ip), "") << "ARP answered for a non-peer";
  EXPECT_EQ(resolved_mac(sb("B").netns, sb("E").ip), "") << "ARP answered for a non-peer";
}

}  // namespace
}  // namespace sandnet::testing
