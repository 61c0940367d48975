// Every drop reason tap_xdp decides (XDP_DROP, counted under SN_HOOK_XDP)
// and XDP_PASS for everything tap_ingress forwards, answers or sends up, on
// crafted frames through BPF_PROG_TEST_RUN; each case also runs tap_ingress
// on the same frame, which must reach the same decision.
#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include <cerrno>
#include <functional>
#include <vector>

#include "loader/bpf_objects.h"
#include "prog_runner.h"
#include "xdp_world.h"

namespace sandnet::dp::testkit {
namespace {

constexpr int kPass = -1;

struct Case {
  const char* name;
  const Guest& (*on)(VerdictWorld&);  // the tap the frame arrives on
  std::function<Frame(VerdictWorld&)> frame;
  int reason;  // SN_DROP_* or kPass
};

const Guest& A(VerdictWorld& w) { return w.a; }
const Guest& D(VerdictWorld& w) { return w.d; }
const Guest& E(VerdictWorld& w) { return w.e; }
const Guest& Stray(VerdictWorld& w) {
  static Guest stray{"snt-stray", 0, {}};
  stray.ifindex = w.stray_ifindex;
  return stray;
}

Frame ipv4(const Guest& from, uint32_t dst, std::function<void(Ipv4Spec&)> tweak = nullptr) {
  Ipv4Spec s;
  s.src_be = from.ip_be;
  s.dst_be = dst;
  if (tweak) tweak(s);
  return ipv4_frame(VerdictWorld::get().config.gateway_mac, from.mac, s);
}

Frame arp(const Guest& from, uint16_t op, const MacAddr& sha, uint32_t spa, uint32_t tpa) {
  return arp_frame(kBroadcast, from.mac, op, sha, spa, MacAddr{}, tpa);
}

Frame patched(Frame f, size_t at, uint8_t value) {
  f[at] = value;
  return f;
}

uint32_t host_ll() { return VerdictWorld::get().config.host_link_local_be; }

const Case kCases[] = {
    // --- passed to TC: forwarded, answered, or up to the host ---
    {"allowed_icmp", A, [](auto& w) { return ipv4(w.a, w.b.ip_be); }, kPass},
    {"allowed_udp", A, [](auto& w) { return ipv4(w.a, w.b.ip_be, [](auto& s) { s.proto = 17; }); }, kPass},
    {"allowed_tcp", A, [](auto& w) { return ipv4(w.a, w.b.ip_be, [](auto& s) { s.proto = 6; }); }, kPass},
    {"allowed_non_first_fragment", A,
     [](auto& w) { return ipv4(w.a, w.b.ip_be, [](auto& s) { s.frag_off = 185; }); }, kPass},
    {"arp_for_peer", A, [](auto& w) { return arp(w.a, 1, w.a.mac, w.a.ip_be, w.b.ip_be); }, kPass},
    {"arp_for_host_link_local", A, [](auto& w) { return arp(w.a, 1, w.a.mac, w.a.ip_be, host_ll()); },
     kPass},
    {"arp_reply_to_host_link_local", A,
     [](auto& w) { return arp(w.a, 2, w.a.mac, w.a.ip_be, host_ll()); }, kPass},
    {"guest_answers_host_tcp", A,
     [](auto&) { return ipv4(VerdictWorld::get().a, host_ll(), [](auto& s) { s.proto = 6; s.tcp_flags = 0x12; }); },
     SN_DROP_HOST_NOT_PUSH},
    {"guest_answers_host_ping", A,
     [](auto& w) { return ipv4(w.a, host_ll(), [](auto& s) { s.icmp_type = 0; }); }, kPass},
    // --- dropped before an skb exists ---
    {"unknown_tap", Stray, [](auto& w) { return ipv4(w.a, w.b.ip_be); }, SN_DROP_UNKNOWN_TAP},
    {"spoofed_mac", A, [](auto& w) { return patched(ipv4(w.a, w.b.ip_be), 11, w.a.mac[5] ^ 1); },
     SN_DROP_SPOOF_MAC},
    {"spoofed_ip", A, [](auto& w) { return ipv4(w.a, w.b.ip_be, [&](auto& s) { s.src_be = w.c.ip_be; }); },
     SN_DROP_SPOOF_IP},
    {"ipv6", A,
     [](auto& w) {
       Frame f = eth_header(w.config.gateway_mac, w.a.mac, 0x86dd);
       f.resize(14 + 48, 0);
       return f;
     },
     SN_DROP_UNSUPPORTED_L3},
    {"vlan_tagged", A,
     [](auto& w) {
       Frame f = eth_header(w.config.gateway_mac, w.a.mac, 0x8100);
       f.resize(64, 0);
       return f;
     },
     SN_DROP_VLAN},
    {"arp_truncated", A,
     [](auto& w) {
       Frame f = arp(w.a, 1, w.a.mac, w.a.ip_be, w.b.ip_be);
       f.resize(14 + 20);
       return f;
     },
     SN_DROP_MALFORMED_ARP},
    {"arp_not_ethernet_ipv4", A,
     [](auto& w) { return patched(arp(w.a, 1, w.a.mac, w.a.ip_be, w.b.ip_be), 19, 8); },
     SN_DROP_MALFORMED_ARP},
    {"arp_unknown_opcode", A, [](auto& w) { return arp(w.a, 9, w.a.mac, w.a.ip_be, w.b.ip_be); },
     SN_DROP_MALFORMED_ARP},
    {"arp_spoofed_sender_mac", A, [](auto& w) { return arp(w.a, 1, w.c.mac, w.a.ip_be, w.b.ip_be); },
     SN_DROP_SPOOF_MAC},
    {"arp_spoofed_sender_ip", A, [](auto& w) { return arp(w.a, 1, w.a.mac, w.c.ip_be, w.b.ip_be); },
     SN_DROP_SPOOF_IP},
    {"arp_gratuitous", A, [](auto& w) { return arp(w.a, 1, w.a.mac, w.a.ip_be, w.a.ip_be); },
     SN_DROP_ARP_GRATUITOUS},
    {"arp_probe", A, [](auto& w) { return arp(w.a, 1, w.a.mac, 0, w.b.ip_be); }, SN_DROP_ARP_GRATUITOUS},
    {"arp_reply_from_guest", A, [](auto& w) { return arp(w.a, 2, w.a.mac, w.a.ip_be, w.b.ip_be); },
     SN_DROP_ARP_REPLY},
    {"arp_for_non_peer", A, [](auto& w) { return arp(w.a, 1, w.a.mac, w.a.ip_be, w.c.ip_be); },
     SN_DROP_ARP_NOT_PEER},
    {"arp_for_unknown_address", A, [](auto& w) { return arp(w.a, 1, w.a.mac, w.a.ip_be, ip("10.42.3.3")); },
     SN_DROP_ARP_NOT_PEER},
    {"arp_from_no_network_sandbox", D, [](auto& w) { return arp(w.d, 1, w.d.mac, w.d.ip_be, w.a.ip_be); },
     SN_DROP_ARP_NOT_PEER},
    {"ip_bad_version", A, [](auto& w) { return patched(ipv4(w.a, w.b.ip_be), 14, 0x65); },
     SN_DROP_MALFORMED_IP},
    {"ip_ihl_below_5", A, [](auto& w) { return patched(ipv4(w.a, w.b.ip_be), 14, 0x44); },
     SN_DROP_MALFORMED_IP},
    {"ip_total_length_beyond_frame", A, [](auto& w) { return patched(ipv4(w.a, w.b.ip_be), 16, 0x05); },
     SN_DROP_MALFORMED_IP},
    {"ip_header_truncated", A,
     [](auto& w) {
       Frame f = ipv4(w.a, w.b.ip_be);
       f.resize(14 + 19);
       return f;
     },
     SN_DROP_MALFORMED_IP},
    {"ip_options", A, [](auto& w) { return ipv4(w.a, w.b.ip_be, [](auto& s) { s.options_words = 2; }); },
     SN_DROP_IP_OPTIONS},
    {"overlay_to_outside", A, [](auto& w) { return ipv4(w.a, ip("8.8.8.8")); }, SN_DROP_OVERLAY_TO_OUTSIDE},
    {"overlay_to_limited_broadcast", A, [](auto& w) { return ipv4(w.a, ip("255.255.255.255")); },
     SN_DROP_OVERLAY_TO_OUTSIDE},
    {"no_endpoint", A, [](auto& w) { return ipv4(w.a, ip("10.42.7.7")); }, SN_DROP_NO_ENDPOINT},
    {"no_network_source", D, [](auto& w) { return ipv4(w.d, w.a.ip_be); }, SN_DROP_NO_NETWORK},
    {"no_network_destination", A, [](auto& w) { return ipv4(w.a, w.d.ip_be); }, SN_DROP_NO_NETWORK},
    {"no_shared_network", A, [](auto& w) { return ipv4(w.a, w.c.ip_be); }, SN_DROP_NO_SHARED_NETWORK},
    {"alone_in_its_network", E, [](auto& w) { return ipv4(w.e, w.a.ip_be); }, SN_DROP_NO_SHARED_NETWORK},
    {"remote_peer", A, [](auto& w) { return ipv4(w.a, w.remote_ip_be); }, SN_DROP_REMOTE_HOST},
    {"guest_opens_tcp_to_host", A,
     [](auto& w) { return ipv4(w.a, host_ll(), [](auto& s) { s.proto = 6; s.tcp_flags = 0x02; }); },
     SN_DROP_HOST_ORIGINATE},
    {"guest_pings_host", A, [](auto& w) { return ipv4(w.a, host_ll()); }, SN_DROP_HOST_ORIGINATE},
    {"guest_udp_to_host", A, [](auto& w) { return ipv4(w.a, host_ll(), [](auto& s) { s.proto = 17; }); },
     SN_DROP_HOST_ORIGINATE},
    {"fragment_to_host", A,
     [](auto& w) { return ipv4(w.a, host_ll(), [](auto& s) { s.proto = 6; s.frag_off = 0x2000; }); },
     SN_DROP_FRAGMENT_TO_HOST},
};

class XdpVerdict : public ::testing::TestWithParam<Case> {};

TEST_P(XdpVerdict, DropsWhatTapIngressDropsAndPassesTheRest) {
  const Case& c = GetParam();
  VerdictWorld& w = VerdictWorld::get();
  uint32_t ifindex = c.on(w).ifindex;
  uint32_t counted_on = ifindex == w.stray_ifindex ? 0 : ifindex;  // no tap entry: row 0, ifindex 0
  Frame in = c.frame(w);
  XdpRunResult x;
  int xdp_reason = counted_reason(w, counted_on, SN_HOOK_XDP, [&] { x = run_xdp(xdp_prog(), ifindex, in); });
  ASSERT_EQ(x.rc, 0);
  EXPECT_EQ(x.retval, c.reason == kPass ? XDP_PASS : XDP_DROP);
  EXPECT_EQ(xdp_reason, c.reason) << "counted under the XDP hook";

  RunResult t;
  int tc_reason = counted_reason(w, counted_on, SN_HOOK_INGRESS, [&] { t = run_prog(w.ingress(), ifindex, in); });
  if (t.rc == -EINVAL && in.size() < 14 + 20) return;  // test_run builds no IPv4 skb that short
  ASSERT_EQ(t.rc, 0);
  EXPECT_EQ(tc_reason, c.reason) << "tap_ingress decides otherwise";
  EXPECT_EQ(t.retval == TC_ACT_SHOT, c.reason != kPass);
}

INSTANTIATE_TEST_SUITE_P(Xdp, XdpVerdict, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

int collect(void* ctx, void* data, size_t size) {
  if (size >= sizeof(sn_drop_event))
    static_cast<std::vector<sn_drop_event>*>(ctx)->push_back(*static_cast<sn_drop_event*>(data));
  return 0;
}

TEST(XdpDropEvents, SampledWithTheXdpHook) {
  VerdictWorld& w = VerdictWorld::get();
  std::vector<sn_drop_event> events;
  ring_buffer* rb = ring_buffer__new(w.dp->maps().fds().drop_events.get(), collect, &events, nullptr);
  ASSERT_NE(rb, nullptr);
  ring_buffer__consume(rb);
  events.clear();
  XdpRunResult r = run_xdp(xdp_prog(), w.a.ifindex, ipv4(w.a, w.c.ip_be, [](auto& s) { s.proto = 17; }));
  ring_buffer__consume(rb);
  ring_buffer__free(rb);
  ASSERT_EQ(r.rc, 0);
  ASSERT_EQ(events.size(), 1u);  // sample_every = 1 in the test config
  EXPECT_EQ(events[0].hook, SN_HOOK_XDP);
  EXPECT_EQ(events[0].reason, static_cast<uint32_t>(SN_DROP_NO_SHARED_NETWORK));
  EXPECT_EQ(events[0].ifindex, w.a.ifindex);
  EXPECT_EQ(events[0].saddr, w.a.ip_be);
  EXPECT_EQ(events[0].daddr, w.c.ip_be);
  EXPECT_EQ(events[0].proto, 17);
}

TEST(XdpFailClosed, NoConfigDrops) {
  VerdictWorld& w = VerdictWorld::get();  // for the devices
  BpffsRoot root("xdpnoconf");
  AgentConfig cfg = default_agent_config();
  cfg.capacity.max_endpoints = cfg.capacity.max_sets = cfg.capacity.max_networks = 64;
  cfg.capacity.max_local_taps = 8;
  auto objects = BpfObjects::load(root.path(), cfg);
  auto xdp = XdpProgram::load(root.path());
  XdpRunResult r = run_xdp(xdp->prog_fd(), w.a.ifindex, ipv4(w.a, w.b.ip_be));
  ASSERT_EQ(r.rc, 0);
  EXPECT_EQ(r.retval, static_cast<uint32_t>(XDP_DROP));
  auto counters = objects->maps().read_counters();
  // No tap entry either: counted in row 0, shown as ifindex 0.
  EXPECT_EQ((counters[{0, SN_HOOK_XDP}].drops[SN_DROP_NO_CONFIG]), 1u);
}

TEST(XdpSpoofingOnly, DropsSpoofingAndLeavesTheVerdictToTc) {
  VerdictWorld& w = VerdictWorld::get();
  auto verdict = [&](const Guest& on, const Frame& f) { return run_xdp(xdp_spoofing_only_prog(), on.ifindex, f).retval; };
  EXPECT_EQ(verdict(w.a, ipv4(w.a, w.b.ip_be, [&](auto& s) { s.src_be = w.c.ip_be; })), XDP_DROP);
  EXPECT_EQ(verdict(w.a, patched(ipv4(w.a, w.b.ip_be), 11, w.a.mac[5] ^ 1)), XDP_DROP);
  EXPECT_EQ(verdict(w.a, ipv4(w.a, ip("8.8.8.8"))), XDP_DROP);
  EXPECT_EQ(verdict(w.a, arp(w.a, 1, w.a.mac, w.a.ip_be, w.a.ip_be)), XDP_DROP);
  EXPECT_EQ(verdict(w.a, ipv4(w.a, w.b.ip_be)), XDP_PASS);
  EXPECT_EQ(verdict(w.a, ipv4(w.a, w.c.ip_be)), XDP_PASS) << "NO_SHARED_NETWORK is TC's";
  EXPECT_EQ(verdict(w.a, ipv4(w.a, ip("10.42.7.7"))), XDP_PASS) << "NO_ENDPOINT is TC's";
  EXPECT_EQ(verdict(w.a, arp(w.a, 1, w.a.mac, w.a.ip_be, w.c.ip_be)), XDP_PASS) << "ARP_NOT_PEER is TC's";
}

TEST(XdpLoad, RefusedBeforeTheTcDatapathPinnedItsMaps) {
  BpffsRoot root("xdpempty");
  EXPECT_THROW(XdpProgram::load(root.path()), std::runtime_error);
}

}  // namespace
}  // namespace sandnet::dp::testkit
