// tap_xdp and tap_ingress must agree on every frame: XDP drops exactly what
// TC would drop, with the same reason, and passes the rest. Checked on
// thousands of randomly corrupted and truncated variants of valid frames
// (a fixed seed: a failure is reproducible).
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include <random>
#include <vector>

#include "prog_runner.h"
#include "xdp_world.h"

namespace sandnet::dp::testkit {
namespace {

std::vector<Frame> seeds(VerdictWorld& w) {
  std::vector<Frame> out;
  for (uint8_t proto : {1, 6, 17}) {
    for (uint32_t dst : {w.b.ip_be, w.c.ip_be, w.d.ip_be, w.remote_ip_be, w.config.host_link_local_be}) {
      Ipv4Spec s;
      s.src_be = w.a.ip_be;
      s.dst_be = dst;
      s.proto = proto;
      s.tcp_flags = 0x12;
      s.icmp_type = 0;
      out.push_back(ipv4_frame(w.config.gateway_mac, w.a.mac, s));
    }
  }
  for (uint16_t op : {1, 2})
    for (uint32_t target : {w.b.ip_be, w.c.ip_be, w.config.host_link_local_be})
      out.push_back(arp_frame(kBroadcast, w.a.mac, op, w.a.mac, w.a.ip_be, MacAddr{}, target));
  return out;
}

// Runs tc_vs_xdp(frame index, ifindex, frame) on 3000 corrupted frames.
template <class Check>
void corrupted_frames(Check tc_vs_xdp) {
  VerdictWorld& w = VerdictWorld::get();
  std::mt19937 rng(20261129);
  auto base = seeds(w);
  for (int i = 0; i < 3000; ++i) {
    Frame f = base[rng() % base.size()];
    int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      size_t at = rng() % std::min<size_t>(f.size(), 56);  // the headers the rules read
      f[at] = rng() % 4 ? static_cast<uint8_t>(rng()) : static_cast<uint8_t>(f[at] ^ (1u << (rng() % 8)));
    }
    if (rng() % 8 == 0) f.resize(14 + rng() % (f.size() - 13));
    uint32_t ifindex = rng() % 16 ? w.a.ifindex : w.d.ifindex;
    tc_vs_xdp(i, ifindex, f);
  }
}

TEST(XdpAgreement, SameDecisionAsTapIngressOnCorruptedFrames) {
  VerdictWorld& w = VerdictWorld::get();
  size_t compared = 0, dropped = 0;
  corrupted_frames([&](int i, uint32_t ifindex, const Frame& f) {
    RunResult t;
    int tc = counted_reason(w, ifindex, SN_HOOK_INGRESS, [&] { t = run_prog(w.ingress(), ifindex, f); });
    if (t.rc != 0) return;  // test_run refuses some short frames for skbs, not for XDP
    XdpRunResult x;
    int xdp = counted_reason(w, ifindex, SN_HOOK_XDP, [&] { x = run_xdp(xdp_prog(), ifindex, f); });
    ASSERT_EQ(x.rc, 0);
    ASSERT_EQ(xdp, tc) << "frame " << i << " on ifindex " << ifindex << " (TC verdict " << t.retval << ")";
    ASSERT_EQ(x.retval == XDP_DROP, t.retval == TC_ACT_SHOT) << "frame " << i;
    ++compared;
    dropped += tc >= 0;
  });
  EXPECT_GT(compared, 2000u);
  EXPECT_GT(dropped, compared / 4);          // the corruption reaches the drop rules...
  EXPECT_LT(dropped, compared - compared / 20);  // ...and some frames still pass
}

// Spoofing-only scope: whatever XDP drops, TC drops for the same reason;
// what XDP passes, TC may still drop (the verdict is TC's), never a spoof.
TEST(XdpAgreement, SpoofingOnlyDropsASubsetOfTapIngress) {
  VerdictWorld& w = VerdictWorld::get();
  size_t xdp_drops = 0, left_to_tc = 0;
  corrupted_frames([&](int i, uint32_t ifindex, const Frame& f) {
    RunResult t;
    int tc = counted_reason(w, ifindex, SN_HOOK_INGRESS, [&] { t = run_prog(w.ingress(), ifindex, f); });
    if (t.rc != 0) return;
    XdpRunResult x;
    int xdp = counted_reason(w, ifindex, SN_HOOK_XDP, [&] { x = run_xdp(xdp_spoofing_only_prog(), ifindex, f); });
    ASSERT_EQ(x.rc, 0);
    if (xdp >= 0) {
      ASSERT_EQ(xdp, tc) << "frame " << i;
      ++xdp_drops;
    } else if (tc >= 0) {
      ASSERT_NE(tc, SN_DROP_SPOOF_IP) << "frame " << i;
      ASSERT_NE(tc, SN_DROP_SPOOF_MAC) << "frame " << i;
      ++left_to_tc;
    }
  });
  EXPECT_GT(xdp_drops, 500u);
  EXPECT_GT(left_to_tc, 20u);
}

}  // namespace
}  // namespace sandnet::dp::testkit
