// The overlay between hosts in the real kernel: two hosts built from namespaces, joined by an
// underlay bridge, each with its own datapath (own bpffs root), a collect-metadata VXLAN
// device carrying overlay_ingress and its underlay device carrying underlay_ingress; plus a
// rogue machine on the same underlay. The datapath is driven in-process (the test writes the
// desired states); tests/overlay/overlay_agent_test.cc runs the same with real agents.
//
//   host A (number 1, 192.0.2.1): A1 in net1, A2 in net2
//   host B (number 2, 192.0.2.2): B1 in net1
//   host C (number 3, 192.0.2.3): C1 in net1, known to A only as a listed host (no machine)
//   rogue  (192.0.2.9): not a registered host
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/ulid.h"
#include "loader/datapath.h"
#include "loader/drop_reasons.h"
#include "loader/overlay_device.h"
#include "common/netlink/link_identity.h"
#include "tests/integration/harness/netns.h"
#include "tests/integration/harness/poll.h"
#include "tests/integration/harness/probes.h"
#include "tests/integration/harness/process.h"
#include "tests/integration/harness/raw_frame.h"
#include "tests/integration/harness/reaper.h"
#include "tests/integration/harness/topology.h"
#include "tests/overlay/underlay_net.h"

namespace sandnet::testing {
namespace {

using namespace std::chrono_literals;

constexpr uint32_t kOverlayMtu = 1450;  // the underlay's 1500 - SN_VXLAN_OVERHEAD
constexpr uint16_t kPort = 7777;
const Mac kGateway = parse_mac("02:53:4e:00:00:01");

struct Peer {
  std::string sandbox_id, ip, mac;
};

// One host: its namespaces (a Topology) and its datapath.
struct Host {
  uint32_t number = 0;
  std::string underlay_ip;
  std::unique_ptr<Topology> topo;
  std::string root;  // bpffs
  std::unique_ptr<dp::Datapath> dp;
  uint32_t ifindex(const std::string& name) const {
    return in_netns(topo->host_netns(), [&] { return if_nametoindex(name.c_str()); });
  }
  uint64_t drops(uint32_t tap_ifindex, uint32_t hook, int reason) {
    auto counters = dp->maps().read_counters();
    auto it = counters.find({tap_ifindex, hook});
    return it == counters.end() ? 0 : it->second.drops[reason];
  }
};

dp::EndpointSpec local(const Sandbox& sb) {
  dp::EndpointSpec e;
  e.sandbox_id = sb.sandbox_id;
  e.tap = sb.tap;
  e.ip_be = *dp::parse_ipv4(sb.ip);
  e.mac = *dp::parse_mac(sb.mac);
  return e;
}

dp::EndpointSpec remote(const Peer& p, const std::string& host) {
  dp::EndpointSpec e;
  e.sandbox_id = p.sandbox_id;
  e.host = host;
  e.ip_be = *dp::parse_ipv4(p.ip);
  e.mac = *dp::parse_mac(p.mac);
  return e;
}

Peer peer(const Sandbox& sb) { return {sb.sandbox_id, sb.ip, sb.mac}; }

// A VXLAN datagram (flags: VNI present) carrying `inner`, sent from `netns` (bound to `from`)
// to the VXLAN port of `to`.
void send_vxlan(const std::string& netns, const std::string& from, const std::string& to, uint32_t vni,
                const Frame& inner) {
  int fd = socket_in_netns(netns, AF_INET, SOCK_DGRAM, 0);
  sockaddr_in src = make_addr(from, 0), dst = make_addr(to, SN_VXLAN_PORT);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src), 0) << strerror(errno);
  std::vector<uint8_t> msg = {0x08, 0, 0, 0, static_cast<uint8_t>(vni >> 16), static_cast<uint8_t>(vni >> 8),
                              static_cast<uint8_t>(vni), 0};
  msg.insert(msg.end(), inner.begin(), inner.end());
  ssize_t n = sendto(fd, msg.data(), msg.size(), 0, reinterpret_cast<sockaddr*>(&dst), sizeof dst);
  int err = errno;
  close(fd);
  ASSERT_EQ(n, static_cast<ssize_t>(msg.size())) << strerror(err);
}

// A UDP socket on kPort inside a sandbox: what reaches the guest's stack.
class Listener {
 public:
  explicit Listener(const Sandbox& sb) {
    fd_ = socket_in_netns(sb.netns, AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a = make_addr("0.0.0.0", kPort);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0) << strerror(errno);
  }
  ~Listener() { close(fd_); }
  // The next datagram's payload within the timeout, or "" when none came.
  std::string next(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return "";
    char buf[2048];
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  }

 private:
  int fd_ = -1;
};

class OverlayKernel : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (geteuid() != 0) GTEST_SKIP() << "SKIPPED: needs root for network namespaces and BPF";
    prefix_ = random_test_prefix();
    underlay_ = std::make_unique<UnderlayNet>(prefix_);
    a_ = make_host("a", 1, "192.0.2.1", 10);
    b_ = make_host("b", 2, "192.0.2.2", 110);
    rogue_ = std::make_unique<Netns>(prefix_ + "-rg");
    underlay_->plug(rogue_->name(), "r", "192.0.2.9");

    Sandbox& a1 = a_->topo->add_sandbox("1");
    Sandbox& a2 = a_->topo->add_sandbox("2");
    Sandbox& b1 = b_->topo->add_sandbox("1");
    c1_ = {new_sandbox_id(), "10.42.0.210", "02:00:0a:2a:00:d2"};
    net1_ = new_network_id();
    net2_ = new_network_id();

    dp::DesiredState sa;
    sa.endpoints = {local(a1), local(a2), remote(peer(b1), "hb"), remote(c1_, "hc")};
    sa.networks = {{net1_, {a1.sandbox_id, b1.sandbox_id, c1_.sandbox_id}}, {net2_, {a2.sandbox_id}}};
    sa.hosts = {{"hb", 2, *dp::parse_ipv4("192.0.2.2")}, {"hc", 3, *dp::parse_ipv4("192.0.2.3")}};
    apply(*a_, sa);
    dp::DesiredState sb;
    sb.endpoints = {local(b1), remote(peer(a1), "ha"), remote(peer(a2), "ha")};
    sb.networks = {{net1_, {a1.sandbox_id, b1.sandbox_id}}, {net2_, {a2.sandbox_id}}};
    sb.hosts = {{"ha", 1, *dp::parse_ipv4("192.0.2.1")}};
    apply(*b_, sb);
  }

  static void TearDownTestSuite() {
    for (auto* h : {&a_, &b_}) {
      if (!*h) continue;
      (*h)->dp.reset();
      std::error_code ec;
      std::filesystem::remove_all((*h)->root, ec);
      Reaper::instance().forget_bpffs((*h)->root);
      h->reset();
    }
    rogue_.reset();
    underlay_.reset();
  }

  // A host namespace with its underlay port, VXLAN device, datapath and programs.
  static std::unique_ptr<Host> make_host(const std::string& tag, uint32_t number, const std::string& ip,
                                         int first_byte) {
    auto h = std::make_unique<Host>();
    h->number = number;
    h->underlay_ip = ip;
    h->topo = std::make_unique<Topology>(prefix_ + tag, first_byte);
    const std::string ns = h->topo->host_netns();
    underlay_->plug(ns, tag, ip);
    run_checked({"ip", "-n", ns, "link", "add", "snvx", "type", "vxlan", "external", "dstport",
                 std::to_string(SN_VXLAN_PORT), "nolearning"});
    run_checked({"ip", "-n", ns, "link", "set", "snvx", "mtu", std::to_string(kOverlayMtu), "up"});
    h->root = "/sys/fs/bpf/sandnet-test-" + prefix_ + tag;
    Reaper::instance().track_bpffs(h->root, "");
    in_netns(ns, [&] {
      dp::AgentConfig config = dp::default_agent_config();
      // The devices are the test's; the datapath attaches its two programs to them.
      config.overlay_link = {number, if_nametoindex("snvx"), kOverlayMtu, if_nametoindex("ul0")};
      h->dp = std::make_unique<dp::Datapath>(config, h->root);
    });
    return h;
  }

  static void apply(Host& h, const dp::DesiredState& s) {
    in_netns(h.topo->host_netns(), [&] {
      auto r = h.dp->apply(s);
      if (!r.attach_failures.empty() || !r.quarantined.empty())
        throw std::runtime_error("the datapath did not place every tap");
    });
  }

  static Sandbox& A1() { return a_->topo->sandbox("1"); }
  static Sandbox& A2() { return a_->topo->sandbox("2"); }
  static Sandbox& B1() { return b_->topo->sandbox("1"); }

  // The frame B1 would send to `to` (through its host's tunnel): B1's own addresses.
  static Frame from_b1(const Sandbox& to, const std::string& payload) {
    return udp_frame(parse_mac(to.mac), parse_mac(B1().mac), B1().ip, to.ip, 40000, kPort, payload);
  }

  // Sends one forged VXLAN datagram to host A; true when anything reached `target`'s stack.
  bool delivered(const std::string& netns, const std::string& from, uint32_t vni, const Frame& inner,
                 const Sandbox& target) {
    Listener l(target);
    send_vxlan(netns, from, a_->underlay_ip, vni, inner);
    return !l.next(300ms).empty();
  }

  static inline std::string prefix_, net1_, net2_;
  static inline Peer c1_;
  static inline std::unique_ptr<UnderlayNet> underlay_;
  static inline std::unique_ptr<Netns> rogue_;
  static inline std::unique_ptr<Host> a_, b_;
};

TEST_F(OverlayKernel, SandboxesOfOneNetworkReachEachOtherAcrossHostsAndNoOneElseDoes) {
  EXPECT_TRUE(ping_eventually(A1().netns, B1().ip, 5s)) << "A1 -> B1 (net1, across hosts)";
  EXPECT_TRUE(ping_eventually(B1().netns, A1().ip, 5s)) << "B1 -> A1";
  EXPECT_FALSE(ping_once(A2().netns, B1().ip, 500ms)) << "A2 (net2) -> B1 (net1)";
  EXPECT_FALSE(ping_once(B1().netns, A2().ip, 500ms)) << "B1 -> A2";
  // Each refused at the sender's own tap, before the underlay.
  EXPECT_GT(a_->drops(a_->ifindex(A2().tap), SN_HOOK_INGRESS, SN_DROP_ARP_NOT_PEER) +
                a_->drops(a_->ifindex(A2().tap), SN_HOOK_INGRESS, SN_DROP_NO_SHARED_NETWORK),
            0u);
  // UDP too, to the guest's socket.
  Listener l(B1());
  PacketSocket a1(A1().netns, A1().guest_if);
  ASSERT_TRUE(a1.send(udp_frame(kGateway, parse_mac(A1().mac), A1().ip, B1().ip, 40000, kPort, "over")));
  EXPECT_EQ(l.next(2s), "over");
}

TEST_F(OverlayKernel, ALegitimateFrameFromTheRightHostIsDelivered) {
  // The control for the forgeries below: the same hand-made datagram, told the truth.
  EXPECT_TRUE(delivered(b_->topo->host_netns(), b_->underlay_ip, 2, from_b1(A1(), "truth"), A1()));
}

TEST_F(OverlayKernel, FromAnUnregisteredUnderlayAddressNothingIsDecapsulated) {
  uint64_t before = a_->drops(0, SN_HOOK_UNDERLAY, SN_DROP_UNDERLAY_UNKNOWN_HOST);
  EXPECT_FALSE(delivered(rogue_->name(), "192.0.2.9", 2, from_b1(A1(), "rogue"), A1()));
  EXPECT_GT(a_->drops(0, SN_HOOK_UNDERLAY, SN_DROP_UNDERLAY_UNKNOWN_HOST), before);
  // An operator sees it by name, with its hook.
  std::string shown = run_checked({SANDNETCTL_PATH, "dp", "counters", "--bpffs-root", a_->root, "-o", "json"});
  EXPECT_NE(shown.find("\"UNDERLAY_UNKNOWN_HOST\""), std::string::npos) << shown;
  EXPECT_NE(shown.find("\"underlay\""), std::string::npos) << shown;
}

TEST_F(OverlayKernel, ATunnelIdOtherThanTheSendersNumberIsRefused) {
  uint64_t before = a_->drops(0, SN_HOOK_OVERLAY, SN_DROP_UNDERLAY_WRONG_VNI);
  EXPECT_FALSE(delivered(b_->topo->host_netns(), b_->underlay_ip, 3, from_b1(A1(), "vni"), A1()));
  EXPECT_GT(a_->drops(0, SN_HOOK_OVERLAY, SN_DROP_UNDERLAY_WRONG_VNI), before);
}

TEST_F(OverlayKernel, ARegisteredHostClaimingAnotherHostsSandboxIsRefused) {
  const uint32_t a1_tap = a_->ifindex(A1().tap);
  uint64_t before = a_->drops(a1_tap, SN_HOOK_OVERLAY, SN_DROP_UNDERLAY_NOT_OWNER);
  // C1 lives on host 3; host 2 sends as C1.
  Frame as_c1 = udp_frame(parse_mac(A1().mac), parse_mac(c1_.mac), c1_.ip, A1().ip, 40000, kPort, "c1");
  EXPECT_FALSE(delivered(b_->topo->host_netns(), b_->underlay_ip, 2, as_c1, A1()));
  // A2 lives on host A itself; host 2 sends as A2.
  Frame as_a2 = udp_frame(parse_mac(A1().mac), parse_mac(A2().mac), A2().ip, A1().ip, 40000, kPort, "a2");
  EXPECT_FALSE(delivered(b_->topo->host_netns(), b_->underlay_ip, 2, as_a2, A1()));
  // B1's address with another MAC.
  Frame other_mac = udp_frame(parse_mac(A1().mac), parse_mac("02:00:0a:2a:00:99"), B1().ip, A1().ip, 40000, kPort, "m");
  EXPECT_FALSE(delivered(b_->topo->host_netns(), b_->underlay_ip, 2, other_mac, A1()));
  EXPECT_EQ(a_->drops(a1_tap, SN_HOOK_OVERLAY, SN_DROP_UNDERLAY_NOT_OWNER), before + 3);
}

TEST_F(OverlayKernel, TheVerdictHoldsForFramesFromTheUnderlay) {
  const uint32_t a2_tap = a_->ifindex(A2().tap);
  uint64_t before = a_->drops(a2_tap, SN_HOOK_OVERLAY, SN_DROP_NO_SHARED_NETWORK);
  EXPECT_FALSE(delivered(b_->topo->host_netns(), b_->underlay_ip, 2, from_b1(A2(), "x"), A2()));
  EXPECT_GT(a_->drops(a2_tap, SN_HOOK_OVERLAY, SN_DROP_NO_SHARED_NETWORK), before);
  // A frame for a sandbox that is not on this host (B1 itself) is not forwarded anywhere.
  uint64_t not_local = a_->drops(0, SN_HOOK_OVERLAY, SN_DROP_UNDERLAY_NOT_LOCAL);
  send_vxlan(b_->topo->host_netns(), b_->underlay_ip, a_->underlay_ip, 2, from_b1(B1(), "loop"));
  EXPECT_TRUE(eventually(2s, 20ms, [&] { return a_->drops(0, SN_HOOK_OVERLAY, SN_DROP_UNDERLAY_NOT_LOCAL) > not_local; }));
}

TEST_F(OverlayKernel, AHostileSandboxCannotSpoofAcrossHosts) {
  Listener l(A1());
  PacketSocket b1(B1().netns, B1().guest_if);
  const uint32_t b1_tap = b_->ifindex(B1().tap);
  uint64_t before = b_->drops(b1_tap, SN_HOOK_INGRESS, SN_DROP_SPOOF_IP);
  // B1 claims to be C1 (in net1 too) towards A1: stopped at B1's own tap.
  ASSERT_TRUE(b1.send(udp_frame(kGateway, parse_mac(B1().mac), c1_.ip, A1().ip, 40000, kPort, "spoof")));
  EXPECT_EQ(l.next(500ms), "");
  EXPECT_GT(b_->drops(b1_tap, SN_HOOK_INGRESS, SN_DROP_SPOOF_IP), before);
}

TEST_F(OverlayKernel, AFrameOverTheOverlayMtuIsDroppedAtTheSenderAndOneAtItPasses) {
  Listener l(B1());
  PacketSocket a1(A1().netns, A1().guest_if);
  const size_t fits = kOverlayMtu - 20 - 8;  // IPv4 + UDP headers
  std::string big(fits, 'x');
  ASSERT_TRUE(a1.send(udp_frame(kGateway, parse_mac(A1().mac), A1().ip, B1().ip, 40000, kPort, big)));
  EXPECT_EQ(l.next(2s).size(), fits) << "a packet of exactly the overlay MTU crosses";
  const uint32_t a1_tap = a_->ifindex(A1().tap);
  uint64_t before = a_->drops(a1_tap, SN_HOOK_INGRESS, SN_DROP_OVERLAY_TOO_BIG);
  ASSERT_TRUE(a1.send(udp_frame(kGateway, parse_mac(A1().mac), A1().ip, B1().ip, 40000, kPort, big + "y")));
  EXPECT_EQ(l.next(500ms), "");
  EXPECT_GT(a_->drops(a1_tap, SN_HOOK_INGRESS, SN_DROP_OVERLAY_TOO_BIG), before);
}

}  // namespace
}  // namespace sandnet::testing

namespace sandnet::testing {
namespace {

TEST_F(OverlayKernel, UdpSegmentationOfFullSizeSegmentsCrosses) {
  // A guest sending with UDP_SEGMENT (QUIC does) hands one GSO packet of several segments to
  // its device; segments of exactly the overlay MTU (28 bytes of IPv4 + UDP headers) fit.
  ASSERT_TRUE(ping_eventually(A1().netns, B1().ip, 5s));
  Listener l(B1());
  const int seg = static_cast<int>(kOverlayMtu) - 28;
  int fd = socket_in_netns(A1().netns, AF_INET, SOCK_DGRAM, 0);
  sockaddr_in dst = make_addr(B1().ip, kPort);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst), 0) << strerror(errno);
  ASSERT_EQ(setsockopt(fd, SOL_UDP, UDP_SEGMENT, &seg, sizeof seg), 0) << strerror(errno);
  std::string two(2 * static_cast<size_t>(seg), 'g');
  ASSERT_EQ(send(fd, two.data(), two.size(), 0), static_cast<ssize_t>(two.size())) << strerror(errno);
  close(fd);
  EXPECT_EQ(l.next(2s).size(), static_cast<size_t>(seg));
  EXPECT_EQ(l.next(2s).size(), static_cast<size_t>(seg));
}

TEST_F(OverlayKernel, TheAgentsVxlanDeviceIsMadeCollectMetadataAndAForeignOneIsNeverUsed) {
  // A namespace of its own: one collect-metadata VXLAN device per port and namespace.
  Netns host(prefix_ + "-pv");
  const std::string ns = host.name();
  run_checked({"ip", "-n", ns, "link", "add", "ul0", "type", "veth", "peer", "name", "ul0p"});
  run_checked({"ip", "-n", ns, "link", "add", "snvx3", "type", "veth", "peer", "name", "snvx3p"});
  run_checked({"ip", "-n", ns, "link", "add", "snvx4", "type", "vxlan", "id", "5", "dstport", "4789"});
  in_netns(ns, [&] {
    EXPECT_THROW(dp::prepare_overlay({"ul0", "snvx3", 7}), std::runtime_error) << "a veth";
    EXPECT_THROW(dp::prepare_overlay({"ul0", "snvx4", 7}), std::runtime_error) << "a VXLAN of one VNI";
    EXPECT_THROW(dp::prepare_overlay({"nosuchdev", "snvx5", 7}), std::runtime_error) << "no underlay";
    EXPECT_FALSE(netlink::query_link("snvx5")) << "nothing made for a missing underlay";
  });
  run_checked({"ip", "-n", ns, "link", "del", "snvx4"});
  in_netns(ns, [&] {
    dp::OverlayLink link = dp::prepare_overlay({"ul0", "snvx2", 7});
    auto made = netlink::query_link("snvx2");
    ASSERT_TRUE(made);
    EXPECT_EQ(made->kind, "vxlan");
    EXPECT_TRUE(made->vxlan_external);
    EXPECT_EQ(made->vxlan_port, SN_VXLAN_PORT);
    EXPECT_EQ(made->mtu, kOverlayMtu) << "the underlay's 1500 minus the encapsulation";
    EXPECT_TRUE(made->up);
    EXPECT_EQ(link.vxlan_ifindex, made->ifindex);
    EXPECT_EQ(link.mtu, kOverlayMtu);
    EXPECT_EQ(link.host_number, 7u);
    EXPECT_EQ(link.underlay_ifindex, if_nametoindex("ul0"));
    EXPECT_EQ(dp::prepare_overlay({"ul0", "snvx2", 7}), link) << "adopted as it is";
    EXPECT_THROW(dp::prepare_overlay({"ul0", "snvx6", 7}), std::runtime_error) << "port 4789 is taken";
  });
}

// Kernels without TCX attach through clsact filters, which are not pinned: `purge` finds the
// overlay devices' filters (no map names their ifindexes) by their programs' maps, and leaves
// every other filter, another application's or another sandnet root's, where it is.
TEST_F(OverlayKernel, PurgeInClsactModeRemovesTheOverlayFiltersAndNothingElse) {
  Netns host(prefix_ + "-pc");
  const std::string ns = host.name();
  run_checked({"ip", "-n", ns, "link", "add", "ul0", "type", "veth", "peer", "name", "ul0p"});
  run_checked({"ip", "-n", ns, "link", "set", "ul0", "up"});
  run_checked({"ip", "-n", ns, "link", "add", "snvx", "type", "vxlan", "external", "dstport",
               std::to_string(SN_VXLAN_PORT), "nolearning"});
  run_checked({"ip", "-n", ns, "link", "set", "snvx", "up"});
  // Another application's filter on the underlay device.
  run_checked({"tc", "-n", ns, "qdisc", "add", "dev", "ul0", "clsact"});
  run_checked({"tc", "-n", ns, "filter", "add", "dev", "ul0", "ingress", "prio", "7", "u32", "match", "u32", "0", "0",
               "classid", "1:1"});
  const std::string root = "/sys/fs/bpf/sandnet-test-" + prefix_ + "pc", other = root + "x";
  Reaper::instance().track_bpffs(root, "");
  Reaper::instance().track_bpffs(other, "");
  auto filters = [&](const std::string& dev) {
    return run_checked({"tc", "-n", ns, "filter", "show", "dev", dev, "ingress"});
  };
  in_netns(ns, [&] {
    dp::AgentConfig config = dp::default_agent_config();
    config.attach_mode = dp::AttachMode::kClsact;
    config.overlay_link = {1, if_nametoindex("snvx"), kOverlayMtu, if_nametoindex("ul0")};
    dp::Datapath datapath(config, root);
  });
  EXPECT_NE(filters("snvx").find("overlay_ingress"), std::string::npos) << filters("snvx");
  EXPECT_NE(filters("ul0").find("underlay_ingres"), std::string::npos) << filters("ul0");
  // A second datapath (another pin root) in a namespace of its own is no concern of this
  // purge; one in this namespace is: purging `other`, which holds nothing, removes nothing.
  in_netns(ns, [&] { dp::purge_datapath(other); });
  EXPECT_NE(filters("snvx").find("overlay_ingress"), std::string::npos);
  in_netns(ns, [&] { dp::purge_datapath(root); });
  EXPECT_EQ(filters("snvx").find("bpf"), std::string::npos) << filters("snvx");
  EXPECT_EQ(filters("ul0").find("bpf"), std::string::npos) << filters("ul0");
  EXPECT_NE(filters("ul0").find("u32"), std::string::npos) << "another application's filter stays";
}

}  // namespace
}  // namespace sandnet::testing
