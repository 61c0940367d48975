// A quarantined tap (the agent cannot place it) is drop-all in both directions:
// guest frames of every kind (ARP to the host, replies to the host link-local address,
// traffic to a peer it would otherwise reach) and frames towards it (forwarded by sandnet,
// the host channel, plain host traffic), each counted as QUARANTINED on the tap's own row.
#include <gtest/gtest.h>
#include <linux/pkt_cls.h>

#include <functional>

#include "prog_runner.h"
#include "verdict_world.h"

namespace sandnet::dp::testkit {
namespace {

struct QCase {
  const char* name;
  bool ingress;
  std::function<Frame(VerdictWorld&)> frame;
  uint32_t mark = 0;
};

uint32_t host_ll() { return VerdictWorld::get().config.host_link_local_be; }

Frame ipv4(const MacAddr& dst, const MacAddr& src, uint32_t from, uint32_t to, uint8_t proto = 1) {
  Ipv4Spec s;
  s.src_be = from;
  s.dst_be = to;
  s.proto = proto;
  return ipv4_frame(dst, src, s);
}

const QCase kCases[] = {
    {"ingress_to_peer", true, [](auto& w) { return ipv4(w.config.gateway_mac, w.q.mac, w.q.ip_be, w.b.ip_be); }},
    {"ingress_arp_for_host", true,
     [](auto& w) { return arp_frame(kBroadcast, w.q.mac, 1, w.q.mac, w.q.ip_be, MacAddr{}, host_ll()); }},
    {"ingress_tcp_to_host_link_local", true,
     [](auto& w) { return ipv4(w.q.tap_mac, w.q.mac, w.q.ip_be, host_ll(), 6); }},
    {"ingress_to_outside", true, [](auto& w) { return ipv4(w.q.tap_mac, w.q.mac, w.q.ip_be, ip("198.18.0.1")); }},
    {"egress_forwarded_by_sandnet", false,
     [](auto& w) { return ipv4(w.q.mac, w.config.gateway_mac, w.b.ip_be, w.q.ip_be); }, SN_MARK_FORWARDED},
    {"egress_host_channel", false, [](auto& w) { return ipv4(w.q.mac, w.q.tap_mac, host_ll(), w.q.ip_be, 6); }},
    {"egress_host_arp_for_guest", false,
     [](auto& w) { return arp_frame(kBroadcast, w.q.tap_mac, 1, w.q.tap_mac, host_ll(), MacAddr{}, w.q.ip_be); }},
    {"egress_non_overlay", false,
     [](auto& w) { return ipv4(w.q.mac, w.q.tap_mac, ip("192.168.0.1"), ip("192.168.0.2")); }},
};

class Quarantine : public ::testing::TestWithParam<QCase> {};

TEST_P(Quarantine, DropsEverythingCountedOnItsOwnRow) {
  const QCase& c = GetParam();
  VerdictWorld& w = VerdictWorld::get();
  auto entry = w.dp->maps().read_image().taps.at(w.q.ifindex);
  ASSERT_EQ(entry.flags, SN_TAP_QUARANTINED);
  ASSERT_NE(entry.counter_row, 0u) << "its own row, not the unknown-device row";
  uint32_t hook = c.ingress ? SN_HOOK_INGRESS : SN_HOOK_EGRESS;
  uint64_t before = w.drops(w.q.ifindex, hook, SN_DROP_QUARANTINED);
  RunResult r = run_prog(c.ingress ? w.ingress() : w.egress(), w.q.ifindex, c.frame(w), 1, c.mark);
  ASSERT_EQ(r.rc, 0);
  EXPECT_EQ(r.retval, static_cast<uint32_t>(TC_ACT_SHOT));
  EXPECT_EQ(w.drops(w.q.ifindex, hook, SN_DROP_QUARANTINED), before + 1);
}

INSTANTIATE_TEST_SUITE_P(Datapath, Quarantine, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace sandnet::dp::testkit
