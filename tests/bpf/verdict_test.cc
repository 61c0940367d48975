// Every verdict and drop reason of tap_ingress / tap_egress, on crafted
// frames through BPF_PROG_TEST_RUN (Katran BpfTester style: input frame ->
// expected verdict -> expected output frame), plus the counter each drop
// must bump.
#include <gtest/gtest.h>
#include <linux/pkt_cls.h>

#include <functional>

#include "prog_runner.h"
#include "verdict_world.h"

namespace sandnet::dp::testkit {
namespace {

constexpr int kPass = -1;  // "no drop reason"

struct Case {
  const char* name;
  enum { kIngress, kEgress } hook;
  std::function<const Guest&(VerdictWorld&)> on;  // the tap the frame meets
  std::function<Frame(VerdictWorld&)> frame;
  uint32_t verdict;      // TC_ACT_*
  int reason;            // SN_DROP_* for TC_ACT_SHOT, else kPass
  std::function<void(VerdictWorld&, const Frame& in, const RunResult&)> check = nullptr;
  uint32_t mark = 0;
};

Frame icmp(const Guest& from, uint32_t dst, uint8_t type = 8) {
  Ipv4Spec s;
  s.src_be = from.ip_be;
  s.dst_be = dst;
  s.icmp_type = type;
  return ipv4_frame(VerdictWorld::get().config.gateway_mac, from.mac, s);
}

Frame with(const Guest& from, uint32_t dst, std::function<void(Ipv4Spec&)> tweak) {
  Ipv4Spec s;
  s.src_be = from.ip_be;
  s.dst_be = dst;
  tweak(s);
  return ipv4_frame(VerdictWorld::get().config.gateway_mac, from.mac, s);
}

Frame arp_req(const Guest& from, uint32_t target) {
  return arp_frame(kBroadcast, from.mac, 1, from.mac, from.ip_be, MacAddr{}, target);
}

uint32_t host_ll() { return VerdictWorld::get().config.host_link_local_be; }

// Forwarded: MACs rewritten (gateway -> peer), payload untouched, marked.
auto forwarded_to(const Guest& (*peer)(VerdictWorld&)) {
  return [peer](VerdictWorld& w, const Frame& in, const RunResult& r) {
    ASSERT_EQ(r.out.size(), in.size());
    EXPECT_TRUE(std::equal(r.out.begin(), r.out.begin() + 6, peer(w).mac.begin())) << "dst MAC";
    EXPECT_TRUE(std::equal(r.out.begin() + 6, r.out.begin() + 12, w.config.gateway_mac.begin()))
        << "src MAC";
    EXPECT_TRUE(std::equal(in.begin() + 12, in.end(), r.out.begin() + 12)) << "payload changed";
    EXPECT_EQ(r.mark, SN_MARK_FORWARDED);
  };
}

// An ARP reply "target is at <the gateway MAC, or the tap's own MAC for
// the host link-local address>", back to the requester.
auto arp_answered(uint32_t target) {
  return [target](VerdictWorld& w, const Frame& in, const RunResult& r) {
    const Guest& req = w.a;
    MacAddr at = target == w.config.host_link_local_be ? req.tap_mac : w.config.gateway_mac;
    Frame want = arp_frame(req.mac, at, 2, at, target, req.mac, req.ip_be);
    ASSERT_EQ(r.out.size(), in.size());
    EXPECT_EQ(r.out, want);
    EXPECT_EQ(r.mark, SN_MARK_FORWARDED);
  };
}

auto to_host_stack(const Guest& (*tap)(VerdictWorld&)) {
  return [tap](VerdictWorld& w, const Frame& in, const RunResult& r) {
    ASSERT_EQ(r.out.size(), in.size());
    EXPECT_TRUE(std::equal(r.out.begin(), r.out.begin() + 6, tap(w).tap_mac.begin())) << "dst MAC";
    EXPECT_TRUE(std::equal(in.begin() + 6, in.end(), r.out.begin() + 6));
  };
}

auto untouched = [](VerdictWorld&, const Frame& in, const RunResult& r) { EXPECT_EQ(r.out, in); };

const Guest& A(VerdictWorld& w) { return w.a; }
const Guest& B(VerdictWorld& w) { return w.b; }
const Guest& C(VerdictWorld& w) { return w.c; }
const Guest& D(VerdictWorld& w) { return w.d; }
const Guest& E(VerdictWorld& w) { return w.e; }

const Case kCases[] = {
    // --- allowed, forwarded ---
    {"icmp_a_to_b_shared_net1", Case::kIngress, A, [](auto& w) { return icmp(w.a, w.b.ip_be); },
     TC_ACT_REDIRECT, kPass, forwarded_to(B)},
    {"icmp_b_to_a", Case::kIngress, B, [](auto& w) { return icmp(w.b, w.a.ip_be); },
     TC_ACT_REDIRECT, kPass, forwarded_to(A)},
    {"tcp_syn_b_to_c_shared_net2", Case::kIngress, B,
     [](auto& w) { return with(w.b, w.c.ip_be, [](Ipv4Spec& s) { s.proto = 6; }); },
     TC_ACT_REDIRECT, kPass, forwarded_to(C)},
    {"udp_c_to_b", Case::kIngress, C,
     [](auto& w) { return with(w.c, w.b.ip_be, [](Ipv4Spec& s) { s.proto = 17; }); },
     TC_ACT_REDIRECT, kPass, forwarded_to(B)},
    {"first_fragment_allowed", Case::kIngress, A,
     [](auto& w) { return with(w.a, w.b.ip_be, [](Ipv4Spec& s) { s.frag_off = 0x2000; }); },
     TC_ACT_REDIRECT, kPass, forwarded_to(B)},
    {"non_first_fragment_allowed_by_ip", Case::kIngress, A,
     [](auto& w) {
       return with(w.a, w.b.ip_be, [](Ipv4Spec& s) { s.frag_off = 185; s.proto = 17; });
     },
     TC_ACT_REDIRECT, kPass, forwarded_to(B)},
    // --- isolation ---
    {"no_shared_network_a_to_c", Case::kIngress, A, [](auto& w) { return icmp(w.a, w.c.ip_be); },
     TC_ACT_SHOT, SN_DROP_NO_SHARED_NETWORK},
    {"non_first_fragment_no_shared_network", Case::kIngress, A,
     [](auto& w) { return with(w.a, w.c.ip_be, [](Ipv4Spec& s) { s.frag_off = 185; }); },
     TC_ACT_SHOT, SN_DROP_NO_SHARED_NETWORK},
    {"alone_in_net3_to_a", Case::kIngress, E, [](auto& w) { return icmp(w.e, w.a.ip_be); },
     TC_ACT_SHOT, SN_DROP_NO_SHARED_NETWORK},
    {"no_network_source_d", Case::kIngress, D, [](auto& w) { return icmp(w.d, w.a.ip_be); },
     TC_ACT_SHOT, SN_DROP_NO_NETWORK},
    {"no_network_destination_d", Case::kIngress, A, [](auto& w) { return icmp(w.a, w.d.ip_be); },
     TC_ACT_SHOT, SN_DROP_NO_NETWORK},
    {"no_endpoint", Case::kIngress, A, [](auto& w) { return icmp(w.a, ip("10.42.7.7")); },
     TC_ACT_SHOT, SN_DROP_NO_ENDPOINT},
    {"overlay_broadcast_has_no_endpoint", Case::kIngress, A,
     [](auto& w) { return icmp(w.a, ip("10.42.255.255")); }, TC_ACT_SHOT, SN_DROP_NO_ENDPOINT},
    {"remote_peer_not_yet", Case::kIngress, A, [](auto& w) { return icmp(w.a, w.remote_ip_be); },
     TC_ACT_SHOT, SN_DROP_REMOTE_HOST},
    // --- anti-spoofing ---
    {"spoofed_source_ip", Case::kIngress, A,
     [](auto& w) { return with(w.a, w.b.ip_be, [&](Ipv4Spec& s) { s.src_be = w.c.ip_be; }); },
     TC_ACT_SHOT, SN_DROP_SPOOF_IP},
    {"non_overlay_source_is_spoofing", Case::kIngress, A,
     [](auto& w) {
       return with(w.a, ip("192.168.1.2"), [](Ipv4Spec& s) { s.src_be = ip("192.168.1.1"); });
     },
     TC_ACT_SHOT, SN_DROP_SPOOF_IP},
    {"spoofed_source_mac", Case::kIngress, A,
     [](auto& w) {
       Frame f = icmp(w.a, w.b.ip_be);
       f[11] ^= 0x01;
       return f;
     },
     TC_ACT_SHOT, SN_DROP_SPOOF_MAC},
    {"frame_on_unknown_tap", Case::kIngress,
     [](VerdictWorld& w) -> const Guest& {
       static Guest stray{"snt-stray", 0, {}};
       stray.ifindex = w.stray_ifindex;
       return stray;
     },
     [](auto& w) { return icmp(w.a, w.b.ip_be); }, TC_ACT_SHOT, SN_DROP_UNKNOWN_TAP},
    // --- ARP ---
    {"arp_for_peer_answered", Case::kIngress, A, [](auto& w) { return arp_req(w.a, w.b.ip_be); },
     TC_ACT_REDIRECT, kPass,
     [](VerdictWorld& w, const Frame& in, const RunResult& r) { arp_answered(w.b.ip_be)(w, in, r); }},
    {"arp_for_host_link_local_answered", Case::kIngress, A,
     [](auto& w) { return arp_req(w.a, host_ll()); }, TC_ACT_REDIRECT, kPass,
     [](VerdictWorld& w, const Frame& in, const RunResult& r) { arp_answered(host_ll())(w, in, r); }},
    {"arp_for_non_peer", Case::kIngress, A, [](auto& w) { return arp_req(w.a, w.c.ip_be); },
     TC_ACT_SHOT, SN_DROP_ARP_NOT_PEER},
    {"arp_for_unknown_address", Case::kIngress, A,
     [](auto& w) { return arp_req(w.a, ip("10.42.3.3")); }, TC_ACT_SHOT, SN_DROP_ARP_NOT_PEER},
    {"arp_from_no_network_sandbox", Case::kIngress, D,
     [](auto& w) { return arp_req(w.d, w.a.ip_be); }, TC_ACT_SHOT, SN_DROP_ARP_NOT_PEER},
    {"arp_reply_from_guest", Case::kIngress, A,
     [](auto& w) { return arp_frame(w.b.mac, w.a.mac, 2, w.a.mac, w.a.ip_be, w.b.mac, w.b.ip_be); },
     TC_ACT_SHOT, SN_DROP_ARP_REPLY},
    {"arp_reply_to_host_link_local", Case::kIngress, A,
     [](auto& w) {
       return arp_frame(w.a.tap_mac, w.a.mac, 2, w.a.mac, w.a.ip_be, w.a.tap_mac, host_ll());
     },
     TC_ACT_OK, kPass, to_host_stack(A)},
    {"gratuitous_arp", Case::kIngress, A,
     [](auto& w) { return arp_frame(kBroadcast, w.a.mac, 1, w.a.mac, w.a.ip_be, MacAddr{}, w.a.ip_be); },
     TC_ACT_SHOT, SN_DROP_ARP_GRATUITOUS},
    {"gratuitous_arp_reply", Case::kIngress, A,
     [](auto& w) { return arp_frame(kBroadcast, w.a.mac, 2, w.a.mac, w.a.ip_be, kBroadcast, w.a.ip_be); },
     TC_ACT_SHOT, SN_DROP_ARP_GRATUITOUS},
    {"arp_probe", Case::kIngress, A,
     [](auto& w) { return arp_frame(kBroadcast, w.a.mac, 1, w.a.mac, 0, MacAddr{}, w.b.ip_be); },
     TC_ACT_SHOT, SN_DROP_ARP_GRATUITOUS},
    {"arp_spoofed_sender_ip", Case::kIngress, A,
     [](auto& w) { return arp_frame(kBroadcast, w.a.mac, 1, w.a.mac, w.c.ip_be, MacAddr{}, w.b.ip_be); },
     TC_ACT_SHOT, SN_DROP_SPOOF_IP},
    {"arp_spoofed_sender_mac", Case::kIngress, A,
     [](auto& w) { return arp_frame(kBroadcast, w.a.mac, 1, w.c.mac, w.a.ip_be, MacAddr{}, w.b.ip_be); },
     TC_ACT_SHOT, SN_DROP_SPOOF_MAC},
    {"arp_unknown_opcode", Case::kIngress, A,
     [](auto& w) { return arp_frame(kBroadcast, w.a.mac, 9, w.a.mac, w.a.ip_be, MacAddr{}, w.b.ip_be); },
     TC_ACT_SHOT, SN_DROP_MALFORMED_ARP},
    {"arp_not_ethernet_ipv4", Case::kIngress, A,
     [](auto& w) {
       Frame f = arp_req(w.a, w.b.ip_be);
       f[19] = 8;  // hlen
       return f;
     },
     TC_ACT_SHOT, SN_DROP_MALFORMED_ARP},
    // --- containment (property 4) and L3 ---
    {"overlay_to_outside", Case::kIngress, A, [](auto& w) { return icmp(w.a, ip("8.8.8.8")); },
     TC_ACT_SHOT, SN_DROP_OVERLAY_TO_OUTSIDE},
    {"overlay_to_limited_broadcast", Case::kIngress, A,
     [](auto& w) { return icmp(w.a, ip("255.255.255.255")); }, TC_ACT_SHOT,
     SN_DROP_OVERLAY_TO_OUTSIDE},
    {"ipv4_options", Case::kIngress, A,
     [](auto& w) { return with(w.a, w.b.ip_be, [](Ipv4Spec& s) { s.options_words = 2; }); },
     TC_ACT_SHOT, SN_DROP_IP_OPTIONS},
    {"ipv6_from_guest", Case::kIngress, A,
     [](auto& w) {
       Frame f = eth_header(w.config.gateway_mac, w.a.mac, 0x86dd);
       f.resize(14 + 40 + 8, 0);
       f[14] = 0x60;
       return f;
     },
     TC_ACT_SHOT, SN_DROP_UNSUPPORTED_L3},
    {"vlan_tagged_from_guest", Case::kIngress, A,
     [](auto& w) {
       Frame f = eth_header(w.config.gateway_mac, w.a.mac, 0x8100);
       f.resize(64, 0);
       return f;
     },
     TC_ACT_SHOT, SN_DROP_VLAN},
    {"ip_bad_version", Case::kIngress, A,
     [](auto& w) {
       Frame f = icmp(w.a, w.b.ip_be);
       f[14] = 0x65;
       return f;
     },
     TC_ACT_SHOT, SN_DROP_MALFORMED_IP},
    {"ip_ihl_below_5", Case::kIngress, A,
     [](auto& w) {
       Frame f = icmp(w.a, w.b.ip_be);
       f[14] = 0x44;
       return f;
     },
     TC_ACT_SHOT, SN_DROP_MALFORMED_IP},
    {"ip_total_length_beyond_frame", Case::kIngress, A,
     [](auto& w) {
       Frame f = icmp(w.a, w.b.ip_be);
       f[16] = 0x05;  // 1280+ bytes claimed
       return f;
     },
     TC_ACT_SHOT, SN_DROP_MALFORMED_IP},
    // --- host link-local channel, guest side ---
    {"guest_opens_tcp_to_host", Case::kIngress, A,
     [](auto& w) { return with(w.a, host_ll(), [](Ipv4Spec& s) { s.proto = 6; s.tcp_flags = 0x02; }); },
     TC_ACT_SHOT, SN_DROP_HOST_ORIGINATE},
    {"guest_tcp_to_host_without_push_connection", Case::kIngress, A,
     [](auto& w) { return with(w.a, host_ll(), [](Ipv4Spec& s) { s.proto = 6; s.tcp_flags = 0x12; }); },
     TC_ACT_SHOT, SN_DROP_HOST_NOT_PUSH},
    {"guest_pings_host", Case::kIngress, A, [](auto& w) { return icmp(w.a, host_ll(), 8); },
     TC_ACT_SHOT, SN_DROP_HOST_ORIGINATE},
    {"guest_answers_host_ping", Case::kIngress, A, [](auto& w) { return icmp(w.a, host_ll(), 0); },
     TC_ACT_OK, kPass, to_host_stack(A)},
    {"guest_udp_to_host", Case::kIngress, A,
     [](auto& w) { return with(w.a, host_ll(), [](Ipv4Spec& s) { s.proto = 17; }); },
     TC_ACT_SHOT, SN_DROP_HOST_ORIGINATE},
    {"fragment_to_host", Case::kIngress, A,
     [](auto& w) { return with(w.a, host_ll(), [](Ipv4Spec& s) { s.proto = 6; s.frag_off = 0x2000; }); },
     TC_ACT_SHOT, SN_DROP_FRAGMENT_TO_HOST},
    // --- egress: what may reach a guest ---
    {"egress_forwarded_by_ingress", Case::kEgress, B, [](auto& w) { return icmp(w.a, w.b.ip_be); },
     TC_ACT_OK, kPass, untouched, SN_MARK_FORWARDED},
    {"egress_unmarked_overlay_to_overlay", Case::kEgress, B,
     [](auto& w) { return icmp(w.a, w.b.ip_be); }, TC_ACT_SHOT, SN_DROP_OUTSIDE_TO_OVERLAY},
    {"egress_outside_to_overlay", Case::kEgress, B,
     [](auto& w) {
       return with(w.a, w.b.ip_be, [](Ipv4Spec& s) { s.src_be = ip("192.168.5.5"); });
     },
     TC_ACT_SHOT, SN_DROP_OUTSIDE_TO_OVERLAY},
    {"egress_host_link_local_to_its_guest", Case::kEgress, B,
     [](auto& w) {
       return with(w.a, w.b.ip_be, [](Ipv4Spec& s) { s.src_be = host_ll(); s.proto = 6; });
     },
     TC_ACT_OK, kPass, untouched, SN_MARK_HOST_CHANNEL},
    {"egress_host_link_local_unmarked", Case::kEgress, B,
     [](auto& w) {
       return with(w.a, w.b.ip_be, [](Ipv4Spec& s) { s.src_be = host_ll(); s.proto = 6; });
     },
     TC_ACT_SHOT, SN_DROP_HOST_UNMARKED},
    {"egress_host_link_local_to_other_guest", Case::kEgress, B,
     [](auto& w) { return with(w.a, w.c.ip_be, [](Ipv4Spec& s) { s.src_be = host_ll(); }); },
     TC_ACT_SHOT, SN_DROP_OUTSIDE_TO_OVERLAY},
    {"egress_host_arp_for_its_guest", Case::kEgress, B,
     [](auto& w) { return arp_frame(kBroadcast, w.b.tap_mac, 1, w.b.tap_mac, host_ll(), MacAddr{}, w.b.ip_be); },
     TC_ACT_OK, kPass, untouched},
    {"egress_foreign_arp_for_guest", Case::kEgress, B,
     [](auto& w) { return arp_frame(kBroadcast, w.b.tap_mac, 1, w.b.tap_mac, ip("192.168.0.1"), MacAddr{}, w.b.ip_be); },
     TC_ACT_SHOT, SN_DROP_OUTSIDE_TO_OVERLAY},
    {"egress_non_overlay_passthrough", Case::kEgress, B,
     [](auto& w) {
       return with(w.a, ip("192.168.0.2"), [](Ipv4Spec& s) { s.src_be = ip("192.168.0.1"); });
     },
     TC_ACT_OK, kPass, untouched},
    {"egress_on_unknown_tap_drops_even_non_overlay", Case::kEgress,
     [](VerdictWorld& w) -> const Guest& {
       static Guest stray{"snt-stray", 0, {}};
       stray.ifindex = w.stray_ifindex;
       return stray;
     },
     [](auto& w) {
       return with(w.a, ip("192.168.0.2"), [](Ipv4Spec& s) { s.src_be = ip("192.168.0.1"); });
     },
     TC_ACT_SHOT, SN_DROP_UNKNOWN_TAP},
    {"egress_ipv6_passthrough", Case::kEgress, B,
     [](auto& w) {
       Frame f = eth_header(w.b.mac, w.b.tap_mac, 0x86dd);
       f.resize(14 + 48, 0);
       return f;
     },
     TC_ACT_OK, kPass, untouched},
};

class Verdict : public ::testing::TestWithParam<Case> {};

TEST_P(Verdict, MatchesExpectation) {
  const Case& c = GetParam();
  VerdictWorld& w = VerdictWorld::get();
  const Guest& tap = c.on(w);
  Frame in = c.frame(w);
  uint32_t hook = c.hook == Case::kIngress ? SN_HOOK_INGRESS : SN_HOOK_EGRESS;
  uint64_t before = c.reason >= 0 ? w.drops(tap.ifindex, hook, c.reason) : 0;
  RunResult r = run_prog(c.hook == Case::kIngress ? w.ingress() : w.egress(), tap.ifindex, in, 1, c.mark);
  ASSERT_EQ(r.rc, 0);
  EXPECT_EQ(r.retval, c.verdict);
  if (c.reason >= 0) EXPECT_EQ(w.drops(tap.ifindex, hook, c.reason), before + 1) << "drop not counted";
  if (c.check) c.check(w, in, r);
}

INSTANTIATE_TEST_SUITE_P(Datapath, Verdict, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace sandnet::dp::testkit
