#include "sync/view_to_state.h"

#include <gtest/gtest.h>

#include "loader/net_addr.h"
#include "tests/sync/view_fixtures.h"

namespace sandnet::sync {
namespace {

using namespace testing;

const dp::EndpointSpec* find(const dp::DesiredState& s, const std::string& id) {
  for (auto& e : s.endpoints)
    if (e.sandbox_id == id) return &e;
  return nullptr;
}

TEST(ViewToState, OnlyPluggedLocalSandboxesGetTaps) {
  HostView v;
  v.apply_feed(snapshot());
  LocalPlugs plugs{{kA, {"tapA", "02:00:0a:2a:00:05"}}};
  auto build = view_to_state(v, plugs, "h1", dp::default_agent_config());
  auto* a = find(build.state, kA);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->tap, "tapA");
  EXPECT_TRUE(a->local());
  EXPECT_EQ(dp::format_ipv4(a->ip_be), "10.42.0.5");
  EXPECT_EQ(find(build.state, kB), nullptr) << "placed here but not plugged: no endpoint";
  auto* c = find(build.state, kC);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->host, "h2");
  EXPECT_EQ(dp::format_mac(c->mac), "02:00:0a:2a:00:07") << "derived from the IP";
  EXPECT_EQ(build.state.networks.size(), 2u);
}

TEST(ViewToState, MovedSandboxIsNoLongerLocal) {
  HostView v;
  v.apply_feed(snapshot());
  LocalPlugs plugs{{kC, {"tapC", "02:00:0a:2a:00:07"}}};  // plugged here once, now placed on h2
  auto build = view_to_state(v, plugs, "h1", dp::default_agent_config());
  ASSERT_TRUE(find(build.state, kC));
  EXPECT_FALSE(find(build.state, kC)->local());
  // Its tap is still ours until the runtime unplugs it: drop-all, never bare.
  ASSERT_EQ(build.state.quarantined.size(), 1u);
  EXPECT_EQ(build.state.quarantined[0].tap, "tapC");
}

TEST(ViewToState, APluggedSandboxAbsentFromTheViewIsQuarantinedNeverDropped) {
  HostView v;
  v.apply_feed(snapshot());
  const std::string gone = "sb_01J00000000000000000000099";
  LocalPlugs plugs{{kA, {"tapA", "02:00:0a:2a:00:05"}}, {gone, {"tapGone", "02:00:0a:2a:00:63"}}};
  auto build = view_to_state(v, plugs, "h1", dp::default_agent_config());
  EXPECT_TRUE(find(build.state, kA));
  EXPECT_EQ(find(build.state, gone), nullptr);
  ASSERT_EQ(build.state.quarantined.size(), 1u);
  EXPECT_EQ(build.state.quarantined[0].tap, "tapGone");
  EXPECT_NE(build.state.quarantined[0].why.find("not in the view"), std::string::npos);
  // An empty view (checkpoint lost, feed not yet answered): every plugged tap is held.
  auto empty = view_to_state(HostView{}, plugs, "h1", dp::default_agent_config());
  EXPECT_TRUE(empty.state.endpoints.empty());
  EXPECT_EQ(empty.state.quarantined.size(), 2u);
}

TEST(ViewToState, HostileRecordsAreSkippedNotInstalled) {
  HostView v;
  v.apply_feed({{"type", "snapshot"},
                {"revision", 1},
                {"hosts", {host("h2", 2, "192.0.2.2")}},
                {"sandboxes",
                 {sandbox(kA, "a", "192.168.1.1", "h1", {}), sandbox(kB, "b", "not-an-ip", "h2", {}),
                  sandbox(kC, "c", "10.42.0.9", "h2", {}, "zz:zz")}},
                {"networks", nlohmann::json::array()}});
  LocalPlugs plugs{{kA, {"tapA", "02:00:0a:2a:00:05"}}};
  auto build = view_to_state(v, plugs, "h1", dp::default_agent_config());
  EXPECT_TRUE(build.state.endpoints.empty());
  EXPECT_EQ(build.skipped.size(), 3u);
  ASSERT_EQ(build.state.quarantined.size(), 1u) << "A is plugged: its tap is held drop-all";
  EXPECT_EQ(build.state.quarantined[0].tap, "tapA");
}

}  // namespace
}  // namespace sandnet::sync
