// Taps found through the overflow hash (layout v6): O's ifindex shares A's
// slot of the taps array, so its entry lives in taps_overflow. It works like
// any tap (allowed traffic forwarded, isolation and anti-spoofing held, drops
// on its own row), and a slot that holds another ifindex is never read as
// this device's entry.
#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <linux/pkt_cls.h>

#include "loader/tap_slots.h"
#include "prog_runner.h"
#include "verdict_world.h"

namespace sandnet::dp::testkit {
namespace {

Frame icmp(const MacAddr& src_mac, uint32_t from, uint32_t to) {
  Ipv4Spec s;
  s.src_be = from;
  s.dst_be = to;
  return ipv4_frame(VerdictWorld::get().config.gateway_mac, src_mac, s);
}

uint64_t ingress_drops(uint32_t ifindex, int reason) {
  return VerdictWorld::get().drops(ifindex, SN_HOOK_INGRESS, reason);
}

TEST(TapOverflow, TheEntryIsInOverflowAndTheSlotIsTheOwners) {
  VerdictWorld& w = VerdictWorld::get();
  uint32_t slots = tap_slots(w.config.capacity);
  ASSERT_EQ(tap_slot_of(w.o.ifindex, slots), tap_slot_of(w.a.ifindex, slots));
  sn_tap t{};
  uint32_t slot = tap_slot_of(w.o.ifindex, slots);
  ASSERT_EQ(bpf_map_lookup_elem(w.dp->maps().fds().taps.get(), &slot, &t), 0);
  EXPECT_EQ(t.ifindex, w.a.ifindex);
  ASSERT_EQ(bpf_map_lookup_elem(w.dp->maps().fds().taps_overflow.get(), &w.o.ifindex, &t), 0);
  EXPECT_EQ(t.ifindex, w.o.ifindex);
  EXPECT_EQ(t.ip, w.o.ip_be);
}

TEST(TapOverflow, AllowedTrafficIsForwarded) {
  VerdictWorld& w = VerdictWorld::get();
  RunResult r = run_prog(w.ingress(), w.o.ifindex, icmp(w.o.mac, w.o.ip_be, w.b.ip_be));
  ASSERT_EQ(r.rc, 0);
  EXPECT_EQ(r.retval, static_cast<uint32_t>(TC_ACT_REDIRECT));
  ASSERT_GE(r.out.size(), 6u);
  EXPECT_TRUE(std::equal(w.b.mac.begin(), w.b.mac.end(), r.out.begin())) << "rewritten to B's MAC";
  // And the way back, from the slot owner's peer: B reaches O.
  r = run_prog(w.ingress(), w.b.ifindex, icmp(w.b.mac, w.b.ip_be, w.o.ip_be));
  EXPECT_EQ(r.retval, static_cast<uint32_t>(TC_ACT_REDIRECT));
}

TEST(TapOverflow, IsolationHolds) {
  VerdictWorld& w = VerdictWorld::get();
  uint64_t before = ingress_drops(w.o.ifindex, SN_DROP_NO_SHARED_NETWORK);
  RunResult r = run_prog(w.ingress(), w.o.ifindex, icmp(w.o.mac, w.o.ip_be, w.c.ip_be));
  EXPECT_EQ(r.retval, static_cast<uint32_t>(TC_ACT_SHOT));
  EXPECT_EQ(ingress_drops(w.o.ifindex, SN_DROP_NO_SHARED_NETWORK), before + 1) << "on O's own row";
}

TEST(TapOverflow, SpoofingIsDropped) {
  VerdictWorld& w = VerdictWorld::get();
  uint64_t before = ingress_drops(w.o.ifindex, SN_DROP_SPOOF_IP);
  RunResult r = run_prog(w.ingress(), w.o.ifindex, icmp(w.o.mac, w.c.ip_be, w.b.ip_be));
  EXPECT_EQ(r.retval, static_cast<uint32_t>(TC_ACT_SHOT));
  EXPECT_EQ(ingress_drops(w.o.ifindex, SN_DROP_SPOOF_IP), before + 1);
}

TEST(TapOverflow, TheSlotOwnersEntryIsNeverUsedForAnotherIfindex) {
  VerdictWorld& w = VerdictWorld::get();
  // A's own frame, allowed on A's device, is a spoof on O's: O is judged by O's entry.
  Frame as_a = icmp(w.a.mac, w.a.ip_be, w.b.ip_be);
  ASSERT_EQ(run_prog(w.ingress(), w.a.ifindex, as_a).retval, static_cast<uint32_t>(TC_ACT_REDIRECT));
  uint64_t before = ingress_drops(w.o.ifindex, SN_DROP_SPOOF_MAC);
  EXPECT_EQ(run_prog(w.ingress(), w.o.ifindex, as_a).retval, static_cast<uint32_t>(TC_ACT_SHOT));
  EXPECT_EQ(ingress_drops(w.o.ifindex, SN_DROP_SPOOF_MAC), before + 1);
  // Z has no entry: C's frame, allowed on C's device, is dropped on Z's as an unknown tap,
  // both ways, though Z's slot holds C's entry.
  Frame as_c = icmp(w.c.mac, w.c.ip_be, w.b.ip_be);
  ASSERT_EQ(run_prog(w.ingress(), w.c.ifindex, as_c).retval, static_cast<uint32_t>(TC_ACT_REDIRECT));
  uint64_t unknown = ingress_drops(0, SN_DROP_UNKNOWN_TAP);
  EXPECT_EQ(run_prog(w.ingress(), w.z_ifindex, as_c).retval, static_cast<uint32_t>(TC_ACT_SHOT));
  EXPECT_EQ(ingress_drops(0, SN_DROP_UNKNOWN_TAP), unknown + 1);
  uint64_t unknown_egress = w.drops(0, SN_HOOK_EGRESS, SN_DROP_UNKNOWN_TAP);
  Frame to_c = icmp(w.c.mac, w.b.ip_be, w.c.ip_be);
  EXPECT_EQ(run_prog(w.egress(), w.z_ifindex, to_c).retval, static_cast<uint32_t>(TC_ACT_SHOT));
  EXPECT_EQ(w.drops(0, SN_HOOK_EGRESS, SN_DROP_UNKNOWN_TAP), unknown_egress + 1);
}

TEST(TapOverflow, EgressFindsTheEntryToo) {
  VerdictWorld& w = VerdictWorld::get();
  Frame from_b = icmp(w.config.gateway_mac, w.b.ip_be, w.o.ip_be);
  EXPECT_EQ(run_prog(w.egress(), w.o.ifindex, from_b, 1, SN_MARK_FORWARDED).retval,
            static_cast<uint32_t>(TC_ACT_OK));
  uint64_t before = w.drops(w.o.ifindex, SN_HOOK_EGRESS, SN_DROP_OUTSIDE_TO_OVERLAY);
  Frame from_host = icmp(w.o.tap_mac, ip("192.168.7.1"), w.o.ip_be);
  EXPECT_EQ(run_prog(w.egress(), w.o.ifindex, from_host).retval, static_cast<uint32_t>(TC_ACT_SHOT));
  EXPECT_EQ(w.drops(w.o.ifindex, SN_HOOK_EGRESS, SN_DROP_OUTSIDE_TO_OVERLAY), before + 1) << "on O's own row";
}

}  // namespace
}  // namespace sandnet::dp::testkit
