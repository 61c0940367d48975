// `dp why` logic on a planned image, no kernel.
#include <gtest/gtest.h>

#include "loader/datapath.h"
#include "loader/verdict_explain.h"
#include "plan_fixtures.h"

namespace sandnet::dp {
namespace {

using namespace planfx;

sn_config cfg() {
  AgentConfig c = default_agent_config();
  sn_config b{};
  b.version = SN_LAYOUT_VERSION;
  b.overlay_net = c.overlay.net_be;
  b.overlay_mask = c.overlay.mask_be;
  b.host_ll = c.host_link_local_be;
  return b;
}

TEST(Explain, EveryOutcome) {
  auto s = state(4, {{1, {0, 1}}, {2, {2}}});
  s.endpoints.push_back(endpoint(5, false));
  s.networks[0].members.push_back(sb(5));
  auto img = plan_update(s, {}, fake_taps(), Capacity{}).target;
  auto v = explain_verdict(img, cfg(), ip_of(0), ip_of(1));
  EXPECT_TRUE(v.allowed);
  EXPECT_EQ(v.network, net(1));
  EXPECT_EQ(explain_verdict(img, cfg(), ip_of(0), ip_of(2)).reason, unsigned(SN_DROP_NO_SHARED_NETWORK));
  EXPECT_EQ(explain_verdict(img, cfg(), ip_of(0), ip_of(3)).reason, unsigned(SN_DROP_NO_NETWORK));
  EXPECT_EQ(explain_verdict(img, cfg(), ip_of(3), ip_of(0)).reason, unsigned(SN_DROP_NO_NETWORK));
  EXPECT_EQ(explain_verdict(img, cfg(), ip_of(0), ip_of(9)).reason, unsigned(SN_DROP_NO_ENDPOINT));
  EXPECT_EQ(explain_verdict(img, cfg(), ip_of(0), ip_of(5)).reason, unsigned(SN_DROP_REMOTE_HOST));
  EXPECT_EQ(explain_verdict(img, cfg(), ip_of(0), *parse_ipv4("1.1.1.1")).reason,
            unsigned(SN_DROP_OVERLAY_TO_OUTSIDE));
  EXPECT_EQ(explain_verdict(img, cfg(), ip_of(5), ip_of(0)).reason, unsigned(SN_DROP_SPOOF_IP));
}

}  // namespace
}  // namespace sandnet::dp
