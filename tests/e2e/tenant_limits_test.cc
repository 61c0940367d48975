// One tenant cannot freeze another's enforcement, end to end with the real API and agent at
// their default limits: tenant X asks for more networks on one sandbox than the datapath
// holds (SN_MAX_NETS_PER_SET) and gets a 4xx from the API before any host sees it; the host
// keeps applying, so tenant Y's `?wait=applied` detach is applied and cuts Y's traffic.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "sandnet/dp_abi.h"
#include "tests/e2e/e2e_world.h"
#include "tests/integration/harness/probes.h"
#include "tests/integration/harness/require_root.h"

namespace sandnet::e2e {
namespace {

using testing::TcpOutcome;
const milliseconds kBlocked{800};
const milliseconds kAllowed{10000};
constexpr uint16_t kPeerPort = 7000;

TEST(TenantLimits, AnAttachBeyondTheDatapathIsRefusedAndOtherTenantsStillApply) {
  SANDNET_REQUIRE_ROOT();
  World w;
  w.start_api();
  w.start_agent();

  // Tenant Y (the world's first tenant): A and B share `backend` and talk.
  w.ok("POST", "/v1/networks", {{"name", "backend"}});
  Guest& a = w.create_sandbox("A", "brave-otter");
  Guest& b = w.create_sandbox("B", "calm-heron");
  for (Guest* g : {&a, &b}) ASSERT_EQ(w.plug(*g).value("ok", false), true);
  ASSERT_EQ(w.attach(a, "backend")["applied"], true);
  ASSERT_EQ(w.attach(b, "backend")["applied"], true);
  testing::TcpEchoServer server(b.netns, b.ip, kPeerPort);
  ASSERT_EQ(testing::tcp_probe(a.netns, b.ip, kPeerPort, kAllowed), TcpOutcome::kEchoed);

  // Tenant X: a sandbox on the same host, attached to as many networks as the datapath holds,
  // then one more.
  const std::string x_key = w.add_tenant("mallory");
  Guest& m = w.create_sandbox("M", "sly-fox", nullptr, x_key);
  ASSERT_EQ(w.plug(m).value("ok", false), true);
  constexpr int kHeld = SN_MAX_NETS_PER_SET;
  for (int i = 0; i <= kHeld; ++i) w.ok("POST", "/v1/networks", {{"name", fmt::format("x-{}", i)}}, x_key);
  for (int i = 0; i < kHeld; ++i) w.attach(m, fmt::format("x-{}", i), /*wait=*/i + 1 == kHeld);
  auto refused = w.call("POST", fmt::format("/v1/sandboxes/{}/networks", m.id), {{"id", fmt::format("x-{}", kHeld)}},
                        x_key);
  EXPECT_GE(refused.status, 400) << refused.raw;
  EXPECT_LT(refused.status, 500) << refused.raw;
  EXPECT_EQ(refused.body.value("status", ""), "fail") << refused.raw;
  EXPECT_EQ(w.member(fmt::format("x-{}", kHeld), m), nullptr) << "the refused attach left a member behind";

  // The host never saw X's excess: it applies everything, Y's detach included, and that
  // detach cuts A from B once `?wait=applied` answers.
  auto s = w.agent_status();
  EXPECT_EQ(s.value("last_apply_error", ""), "") << s.dump();
  EXPECT_EQ(w.detach(b, "backend")["applied"], true);
  EXPECT_NE(testing::tcp_probe(a.netns, b.ip, kPeerPort, kBlocked), TcpOutcome::kEchoed)
      << "Y's detach was reported applied, yet A still reaches B";
  s = w.agent_status();
  EXPECT_EQ(s["applied_revision"], s["revision"]) << s.dump();
  EXPECT_EQ(s["quarantined"].dump().find(m.tap), std::string::npos)
      << "X's sandbox within the limit must be placed, not quarantined: " << s.dump();
}

}  // namespace
}  // namespace sandnet::e2e
