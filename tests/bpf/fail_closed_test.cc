// Frames the programs cannot judge end in drops, with their own reason:
// VLAN tags on either hook, ARP that is not Ethernet/IPv4 on egress
// (truncations: truncation_test.cc).
#include <gtest/gtest.h>
#include <linux/pkt_cls.h>

#include "prog_runner.h"
#include "verdict_world.h"

namespace sandnet::dp::testkit {
namespace {

// An IPv4 frame with a VLAN tag (tpid) between the MACs and the EtherType.
Frame tagged(const Frame& untagged, uint16_t tpid) {
  Frame f(untagged.begin(), untagged.begin() + 12);
  f.push_back(static_cast<uint8_t>(tpid >> 8));
  f.push_back(static_cast<uint8_t>(tpid));
  f.push_back(0x00);  // PCP/DEI/VID 7
  f.push_back(0x07);
  f.insert(f.end(), untagged.begin() + 12, untagged.end());
  return f;
}

void expect_drop(int prog, uint32_t ifindex, uint32_t hook, const Frame& f, int reason) {
  VerdictWorld& w = VerdictWorld::get();
  uint64_t before = w.drops(ifindex, hook, reason);
  RunResult r = run_prog(prog, ifindex, f);
  ASSERT_EQ(r.rc, 0);
  EXPECT_EQ(r.retval, static_cast<uint32_t>(TC_ACT_SHOT));
  EXPECT_EQ(w.drops(ifindex, hook, reason), before + 1) << "reason " << reason << " not counted";
}

TEST(FailClosed, IngressDropsVlanTaggedFrames) {
  VerdictWorld& w = VerdictWorld::get();
  Ipv4Spec s;
  s.src_be = w.a.ip_be;
  s.dst_be = w.b.ip_be;
  Frame f = ipv4_frame(w.config.gateway_mac, w.a.mac, s);
  for (uint16_t tpid : {0x8100, 0x88a8}) expect_drop(w.ingress(), w.a.ifindex, SN_HOOK_INGRESS, tagged(f, tpid), SN_DROP_VLAN);
}

TEST(FailClosed, EgressDropsVlanTaggedFrames) {
  VerdictWorld& w = VerdictWorld::get();
  Ipv4Spec s;
  s.src_be = ip("192.168.5.5");
  s.dst_be = w.b.ip_be;
  Frame f = ipv4_frame(w.b.mac, w.b.tap_mac, s);
  for (uint16_t tpid : {0x8100, 0x88a8}) expect_drop(w.egress(), w.b.ifindex, SN_HOOK_EGRESS, tagged(f, tpid), SN_DROP_VLAN);
}

TEST(FailClosed, EgressDropsArpItCannotParse) {
  VerdictWorld& w = VerdictWorld::get();
  Frame arp = arp_frame(kBroadcast, w.b.tap_mac, 1, w.b.tap_mac, ip("192.168.0.1"), MacAddr{}, w.b.ip_be);
  Frame odd_hlen = arp;
  odd_hlen[14 + 4] = 8;  // hardware address length
  expect_drop(w.egress(), w.b.ifindex, SN_HOOK_EGRESS, odd_hlen, SN_DROP_MALFORMED_ARP);
  Frame odd_ptype = arp;
  odd_ptype[14 + 2] = 0x86;  // protocol type IPv6
  odd_ptype[14 + 3] = 0xdd;
  expect_drop(w.egress(), w.b.ifindex, SN_HOOK_EGRESS, odd_ptype, SN_DROP_MALFORMED_ARP);
}

}  // namespace
}  // namespace sandnet::dp::testkit
