// A plug is bound to its device (sync/plug_binding.h): what a device found under the plug's
// name means, what a quarantined plug yields (a drop-all tap, no endpoint, no table), and
// checkpoints written before binding existed.
#include <gtest/gtest.h>

#include "sync/guest_tables.h"
#include "sync/plug_binding.h"
#include "sync/view_to_state.h"
#include "loader/agent_config.h"
#include "tests/sync/view_fixtures.h"

namespace sandnet::sync {
namespace {

using netlink::LinkIdentity;
using namespace testing;

const LocalPlug kPlug{"tapA", "02:00:0a:2a:00:05", 7, "sandnet:01HZY0000000000000000000AA"};

TEST(PlugBinding, TheSameDeviceIsBound) {
  EXPECT_EQ(check_binding(kPlug, LinkIdentity{7, kPlug.alias}), Binding::bound);
}

TEST(PlugBinding, NoDeviceUnderTheNameIsGone) { EXPECT_EQ(check_binding(kPlug, std::nullopt), Binding::gone); }

TEST(PlugBinding, ANewDeviceWithTheSameNameIsReplaced) {
  EXPECT_EQ(check_binding(kPlug, LinkIdentity{8, ""}), Binding::replaced) << "another ifindex";
  EXPECT_EQ(check_binding(kPlug, LinkIdentity{8, kPlug.alias}), Binding::replaced) << "a copied alias";
  EXPECT_EQ(check_binding(kPlug, LinkIdentity{7, ""}), Binding::replaced) << "a reused ifindex";
  EXPECT_EQ(check_binding(kPlug, LinkIdentity{7, "sandnet:01HZY0000000000000000000BB"}), Binding::replaced);
}

TEST(PlugBinding, APlugRecordedBeforeBindingIsUnverified) {
  EXPECT_EQ(check_binding({"tapA", "02:00:0a:2a:00:05"}, LinkIdentity{7, ""}), Binding::unverified);
}

TEST(PlugBinding, TheRecordRoundTripsAndAnOldCheckpointStillParses) {
  LocalPlugs plugs{{"sb_01HZY0000000000000000000AA", kPlug}};
  EXPECT_EQ(plugs_from_json(plugs_to_json(plugs)), plugs);
  auto old = nlohmann::json::parse(R"({"sb_01HZY0000000000000000000AA":{"tap":"tapA","mac":"02:00:0A:2A:00:05"}})");
  auto parsed = plugs_from_json(old);
  EXPECT_EQ(parsed.begin()->second.ifindex, 0u);
  EXPECT_EQ(parsed.begin()->second.alias, "");
  EXPECT_THROW(plugs_from_json(nlohmann::json::parse(R"({"x":{"tap":"t","mac":"02:00:0a:2a:00:05","ifindex":"7"}})")),
               std::runtime_error);
}

TEST(PlugBinding, AnUnboundPlugIsDropAllWithNoEndpointAndNoTable) {
  HostView view;
  view.apply_feed(snapshot());
  LocalPlugs plugs{{kA, {"tapA", "02:00:0a:2a:00:05"}}};
  plugs.begin()->second.unbound = true;
  auto build = view_to_state(view, plugs, "h1", dp::default_agent_config());
  ASSERT_EQ(build.state.quarantined.size(), 1u);
  EXPECT_EQ(build.state.quarantined[0].tap, "tapA");
  for (auto& ep : build.state.endpoints) EXPECT_NE(ep.tap, "tapA") << "the new device got the old plug's endpoint";
  EXPECT_FALSE(guest_table(view, plugs, "h1", kA));
  EXPECT_TRUE(guest_tables(view, plugs, "h1").empty());
}

}  // namespace
}  // namespace sandnet::sync
