// Hostile lengths: every truncation of an ARP and an IPv4 frame, from 0 bytes
// up to the full frame, is handled without a pass of malformed data.
#include <gtest/gtest.h>
#include <linux/pkt_cls.h>

#include <cerrno>

#include "prog_runner.h"
#include "verdict_world.h"

namespace sandnet::dp::testkit {
namespace {

// kernel_min: BPF_PROG_TEST_RUN refuses (EINVAL) frames shorter than 14
// bytes, and IPv4 frames shorter than 14 + 20; below that the program's
// own bounds checks are proven by the verifier only.
void sweep(const Frame& full, uint32_t ifindex, int prog, int malformed_reason,
           uint32_t full_verdict, size_t kernel_min, uint32_t hook = SN_HOOK_INGRESS) {
  VerdictWorld& w = VerdictWorld::get();
  for (size_t len = 0; len <= full.size(); ++len) {
    SCOPED_TRACE(::testing::Message() << "length " << len);
    Frame cut(full.begin(), full.begin() + static_cast<long>(len));
    RunResult r = run_prog(prog, ifindex, cut);
    if (len < 14) {  // the kernel refuses frames shorter than an Ethernet header
      EXPECT_EQ(r.rc, -EINVAL);
      continue;
    }
    if (len < kernel_min) {  // test_run itself pulls the L3 header of IPv4 frames
      EXPECT_EQ(r.rc, -EINVAL);
      continue;
    }
    ASSERT_EQ(r.rc, 0);
    if (len == full.size()) {
      EXPECT_EQ(r.retval, full_verdict);
    } else {
      uint64_t before = w.drops(ifindex, hook, malformed_reason);
      EXPECT_EQ(r.retval, static_cast<uint32_t>(TC_ACT_SHOT));
      EXPECT_EQ(w.drops(ifindex, hook, malformed_reason), before) << "counted late";
      RunResult again = run_prog(prog, ifindex, cut);
      EXPECT_EQ(w.drops(ifindex, hook, malformed_reason), before + 1)
          << "not counted as malformed";
      (void)again;
    }
  }
}

TEST(Truncation, EveryLengthOfAnIpv4Frame) {
  VerdictWorld& w = VerdictWorld::get();
  Ipv4Spec s;
  s.src_be = w.a.ip_be;
  s.dst_be = w.b.ip_be;
  s.payload = 4;
  sweep(ipv4_frame(w.config.gateway_mac, w.a.mac, s), w.a.ifindex, w.ingress(),
        SN_DROP_MALFORMED_IP, TC_ACT_REDIRECT, 34);
}

TEST(Truncation, EveryLengthOfAnArpRequest) {
  VerdictWorld& w = VerdictWorld::get();
  Frame f = arp_frame(kBroadcast, w.a.mac, 1, w.a.mac, w.a.ip_be, MacAddr{}, w.b.ip_be);
  sweep(f, w.a.ifindex, w.ingress(), SN_DROP_MALFORMED_ARP, TC_ACT_REDIRECT, 14);
}

// Egress drops what it cannot parse rather than passing it as "not overlay".
TEST(Truncation, EveryLengthOfAnArpRequestOnEgress) {
  VerdictWorld& w = VerdictWorld::get();
  uint32_t host_ll = w.config.host_link_local_be;
  Frame f = arp_frame(kBroadcast, w.b.tap_mac, 1, w.b.tap_mac, host_ll, MacAddr{}, w.b.ip_be);
  sweep(f, w.b.ifindex, w.egress(), SN_DROP_MALFORMED_ARP, TC_ACT_OK, 14, SN_HOOK_EGRESS);
}

TEST(Truncation, EgressNeverPassesATruncatedOverlayHeaderAsOverlay) {
  VerdictWorld& w = VerdictWorld::get();
  Ipv4Spec s;
  s.src_be = w.a.ip_be;
  s.dst_be = w.b.ip_be;
  Frame full = ipv4_frame(w.b.mac, w.b.tap_mac, s);
  // From a full IPv4 header on, the overlay addresses are readable: dropped
  // however short the rest (shorter frames are refused by test_run itself).
  for (size_t len = 34; len <= full.size(); ++len) {
    Frame cut(full.begin(), full.begin() + static_cast<long>(len));
    RunResult r = run_prog(w.egress(), w.b.ifindex, cut);
    ASSERT_EQ(r.rc, 0);
    EXPECT_EQ(r.retval, static_cast<uint32_t>(TC_ACT_SHOT)) << "length " << len;
  }
}

}  // namespace
}  // namespace sandnet::dp::testkit
