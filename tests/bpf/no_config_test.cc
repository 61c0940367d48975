// Fail closed: programs whose maps were never written drop everything. The
// ingress program reads only tap entries (which the agent writes after the
// config): it knows no tap. The egress program finds no config.
#include <gtest/gtest.h>
#include <linux/pkt_cls.h>

#include "loader/bpf_objects.h"
#include "prog_runner.h"
#include "verdict_world.h"

namespace sandnet::dp::testkit {
namespace {

TEST(FailClosed, NoConfigDropsBothDirections) {
  VerdictWorld& w = VerdictWorld::get();  // for the devices
  BpffsRoot root("noconf");
  AgentConfig cfg = default_agent_config();
  cfg.capacity.max_endpoints = cfg.capacity.max_sets = cfg.capacity.max_networks = 64;
  cfg.capacity.max_local_taps = 8;
  auto objects = BpfObjects::load(root.path(), cfg);
  Ipv4Spec s;
  s.src_be = w.a.ip_be;
  s.dst_be = w.b.ip_be;
  Frame f = ipv4_frame(w.config.gateway_mac, w.a.mac, s);
  for (int prog : {objects->ingress_prog_fd(), objects->egress_prog_fd()}) {
    RunResult r = run_prog(prog, w.a.ifindex, f);
    ASSERT_EQ(r.rc, 0);
    EXPECT_EQ(r.retval, static_cast<uint32_t>(TC_ACT_SHOT));
  }
  auto counters = objects->maps().read_counters();
  // No tap entry either: counted in row 0, shown as ifindex 0.
  EXPECT_EQ((counters[{0, SN_HOOK_INGRESS}].drops[SN_DROP_UNKNOWN_TAP]), 1u);
  EXPECT_EQ((counters[{0, SN_HOOK_EGRESS}].drops[SN_DROP_NO_CONFIG]), 1u);
}

}  // namespace
}  // namespace sandnet::dp::testkit
