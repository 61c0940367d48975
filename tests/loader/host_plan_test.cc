// The planner's hosts (layout v7), without a kernel: which hosts the hosts/underlay_hosts maps
// hold, the host id each remote endpoint carries, and the order of their writes (a host before
// any endpoint that names it, gone only after the last such endpoint).
#include <gtest/gtest.h>

#include <algorithm>

#include "plan_fixtures.h"

namespace sandnet::dp {
namespace {

using namespace planfx;

HostSpec host(const std::string& id, uint32_t number, const char* underlay) {
  return {id, number, *parse_ipv4(underlay)};
}

// Local sandboxes 0 and 1, remote 2 on h2 and 3 on h3; one network of all four.
DesiredState two_remote_hosts() {
  DesiredState s = state(2, {});
  EndpointSpec r2 = endpoint(2, false), r3 = endpoint(3, false);
  r2.host = "h2";
  r3.host = "h3";
  s.endpoints.push_back(r2);
  s.endpoints.push_back(r3);
  s.networks.push_back({net(1), {sb(0), sb(1), sb(2), sb(3)}});
  s.hosts = {host("h2", 2, "192.0.2.2"), host("h3", 3, "192.0.2.3")};
  return s;
}

template <typename T>
size_t first_index(const Plan& p) {
  for (size_t i = 0; i < p.ops.size(); ++i)
    if (std::holds_alternative<T>(p.ops[i])) return i;
  return SIZE_MAX;
}
template <typename T>
size_t last_index(const Plan& p) {
  size_t last = SIZE_MAX;
  for (size_t i = 0; i < p.ops.size(); ++i)
    if (std::holds_alternative<T>(p.ops[i])) last = i;
  return last;
}

TEST(HostPlan, RemoteEndpointsCarryTheirHostsNumberAndTheHostsComeFirst) {
  Plan p = plan_update(two_remote_hosts(), {}, fake_taps(), Capacity{});
  EXPECT_EQ(p.target.endpoints.at(ip_of(0)).host_id, 0u);
  EXPECT_EQ(p.target.endpoints.at(ip_of(2)).host_id, 2u);
  EXPECT_EQ(p.target.endpoints.at(ip_of(3)).host_id, 3u);
  ASSERT_EQ(p.target.hosts.size(), 2u);
  EXPECT_EQ(p.target.hosts.at(2).underlay_ip, *parse_ipv4("192.0.2.2"));
  EXPECT_EQ(p.target.underlay_hosts.at(*parse_ipv4("192.0.2.3")), 3u);
  EXPECT_LT(last_index<PutHost>(p), first_index<PutEndpoint>(p));
  EXPECT_LT(last_index<PutUnderlayHost>(p), first_index<PutEndpoint>(p));
  MapImage img;
  apply_ops(img, p);
  EXPECT_EQ(img, p.target);
  // Planning again from there writes nothing.
  EXPECT_TRUE(plan_update(two_remote_hosts(), p.target, fake_taps(), Capacity{}).ops.empty());
}

TEST(HostPlan, AnEndpointOfAnUnlistedHostGetsNoTunnel) {
  DesiredState s = two_remote_hosts();
  s.hosts.pop_back();  // h3 has no number nor underlay here
  Plan p = plan_update(s, {}, fake_taps(), Capacity{});
  uint32_t id = p.target.endpoints.at(ip_of(3)).host_id;
  EXPECT_NE(id, 0u);
  EXPECT_GT(id, kMaxHostNumber) << "an unlisted host's id must never equal a host number";
  EXPECT_FALSE(p.target.hosts.count(id));
  EXPECT_EQ(p.target.hosts.size(), 1u);
}

TEST(HostPlan, AHostWithoutEndpointsLeavesAfterItsLastEndpoint) {
  Plan first = plan_update(two_remote_hosts(), {}, fake_taps(), Capacity{});
  DesiredState s = two_remote_hosts();
  s.endpoints.pop_back();  // sandbox 3 (h3's only one) leaves
  s.networks[0].members.pop_back();
  Plan p = plan_update(s, first.target, fake_taps(), Capacity{});
  EXPECT_FALSE(p.target.hosts.count(3));
  EXPECT_FALSE(p.target.underlay_hosts.count(*parse_ipv4("192.0.2.3")));
  EXPECT_GT(first_index<DelUnderlayHost>(p), last_index<DelEndpoint>(p));
  EXPECT_GT(first_index<DelHost>(p), last_index<DelEndpoint>(p));
  MapImage img = first.target;
  apply_ops(img, p);
  EXPECT_EQ(img, p.target);
}

TEST(HostPlan, AHostThatMovesItsUnderlayIsRewrittenAndItsOldAddressForgotten) {
  Plan first = plan_update(two_remote_hosts(), {}, fake_taps(), Capacity{});
  DesiredState s = two_remote_hosts();
  s.hosts[0].underlay_be = *parse_ipv4("192.0.2.22");
  Plan p = plan_update(s, first.target, fake_taps(), Capacity{});
  EXPECT_EQ(p.target.hosts.at(2).underlay_ip, *parse_ipv4("192.0.2.22"));
  EXPECT_EQ(p.target.underlay_hosts.count(*parse_ipv4("192.0.2.2")), 0u);
  EXPECT_EQ(ops_of<PutEndpoint>(p).size(), 0u) << "the endpoints name the number, which did not change";
  MapImage img = first.target;
  apply_ops(img, p);
  EXPECT_EQ(img, p.target);
}

TEST(HostPlan, OverMaxHostsTheLowestNumbersGetTheirPlaceAndTheRestIsNamed) {
  Capacity cap;
  cap.max_hosts = 1;
  Plan p = plan_update(two_remote_hosts(), {}, fake_taps(), cap);
  EXPECT_EQ(p.target.hosts.size(), 1u);
  EXPECT_TRUE(p.target.hosts.count(2));
  EXPECT_GT(p.target.endpoints.at(ip_of(3)).host_id, kMaxHostNumber);
  EXPECT_TRUE(std::any_of(p.warnings.begin(), p.warnings.end(),
                          [](auto& w) { return w.find("max_hosts") != std::string::npos; }));
}

TEST(HostPlan, TheStateFileListsHostsStrictly) {
  AgentConfig config = default_agent_config();
  std::string head = R"({"version":1,"endpoints":[{"sandbox_id":")" + sb(2) +
                     R"(","host":"h2","ip":"10.42.0.3","mac":"02:00:00:00:00:02"}],"networks":[],"hosts":)";
  DesiredState s = parse_desired_state(head + R"([{"id":"h2","number":2,"underlay":"192.0.2.2"}]})", config);
  ASSERT_EQ(s.hosts.size(), 1u);
  EXPECT_EQ(s.hosts[0].number, 2u);
  for (const char* bad : {R"([{"id":"h2","number":0,"underlay":"192.0.2.2"}])",
                          R"([{"id":"h2","number":16777216,"underlay":"192.0.2.2"}])",
                          R"([{"id":"h2","number":2,"underlay":"nope"}])",
                          R"([{"id":"h2","number":2,"underlay":"192.0.2.2","vni":5}])",
                          R"([{"id":"h2","number":2,"underlay":"192.0.2.2"},{"id":"h3","number":2,"underlay":"192.0.2.3"}])",
                          R"([{"id":"h2","number":2,"underlay":"192.0.2.2"},{"id":"h3","number":3,"underlay":"192.0.2.2"}])"})
    EXPECT_THROW(parse_desired_state(head + bad + "}", config), StateError) << bad;
}

TEST(HostPlan, TheAgentConfigNamesTheOverlayWhole) {
  AgentConfig c = parse_agent_config(R"({"underlay_device":"eth0","host_number":5})");
  EXPECT_EQ(c.overlay_setup.underlay_device, "eth0");
  EXPECT_EQ(c.overlay_setup.vxlan_device, "sn-vxlan");
  EXPECT_EQ(c.overlay_setup.host_number, 5u);
  EXPECT_TRUE(parse_agent_config("{}").overlay_setup.underlay_device.empty()) << "no overlay by default";
  for (const char* bad : {R"({"underlay_device":"eth0"})", R"({"underlay_device":"eth0","host_number":0})",
                          R"({"underlay_device":"eth0","host_number":16777216})",
                          R"({"underlay_device":"a b","host_number":1})", R"({"vxlan_device":"","host_number":1})"})
    EXPECT_THROW(parse_agent_config(bad), std::runtime_error) << bad;
}

}  // namespace
}  // namespace sandnet::dp
