// The host link-local channel (169.254.0.1 <-> a guest's guestd on TCP
// SN_PUSH_PORT) through BPF_PROG_TEST_RUN, with real host sockets in the
// test's netns: guest -> host passes only segments of a marked push
// connection and ICMP errors quoting one; host -> guest only marked packets.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/pkt_cls.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "prog_runner.h"
#include "verdict_world.h"

namespace sandnet::dp::testkit {
namespace {

struct Sock {
  int fd = -1;
  uint16_t port = 0;  // local port, host order
  ~Sock() {
    if (fd >= 0) close(fd);
  }
};

sockaddr_in addr(uint32_t ip_be, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = ip_be;
  a.sin_port = htons(port);
  return a;
}

void local_port(Sock& s) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  ASSERT_EQ(getsockname(s.fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  s.port = ntohs(a.sin_port);
}

// Host sockets on loopback in the test netns: the guest's listener on
// A's address (standing in for guestd), a marked and an unmarked connection
// from the host link-local address to it, and a host listener.
class HostChannel : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    VerdictWorld& w = VerdictWorld::get();
    static bool addresses = [&] {
      std::string cmd = "ip addr add 169.254.0.1/32 dev lo && ip addr add 10.42.0.1/32 dev lo";
      return w.config.host_link_local_be == ip("169.254.0.1") && w.a.ip_be == ip("10.42.0.1") &&
             std::system(cmd.c_str()) == 0;
    }();
    ASSERT_TRUE(addresses);
  }

  void SetUp() override {
    VerdictWorld& w = VerdictWorld::get();
    guestd_.fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(guestd_.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in g = addr(w.a.ip_be, SN_PUSH_PORT);
    ASSERT_EQ(bind(guestd_.fd, reinterpret_cast<sockaddr*>(&g), sizeof g), 0);
    ASSERT_EQ(listen(guestd_.fd, 8), 0);
    connect_from_host(pusher_, SN_MARK_HOST_CHANNEL);
    connect_from_host(unmarked_, 0);
    host_listener_.fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in h = addr(host_ll(), 0);
    ASSERT_EQ(bind(host_listener_.fd, reinterpret_cast<sockaddr*>(&h), sizeof h), 0);
    ASSERT_EQ(listen(host_listener_.fd, 8), 0);
    local_port(host_listener_);
  }

  void connect_from_host(Sock& s, uint32_t mark) {
    VerdictWorld& w = VerdictWorld::get();
    s.fd = socket(AF_INET, SOCK_STREAM, 0);
    if (mark) ASSERT_EQ(setsockopt(s.fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark), 0);
    sockaddr_in h = addr(host_ll(), 0), g = addr(w.a.ip_be, SN_PUSH_PORT);
    ASSERT_EQ(bind(s.fd, reinterpret_cast<sockaddr*>(&h), sizeof h), 0);
    ASSERT_EQ(connect(s.fd, reinterpret_cast<sockaddr*>(&g), sizeof g), 0);
    local_port(s);
  }

  static uint32_t host_ll() { return VerdictWorld::get().config.host_link_local_be; }

  // A TCP segment from guest A to the host link-local address.
  static Frame segment(uint16_t sport, uint16_t dport, uint8_t flags) {
    VerdictWorld& w = VerdictWorld::get();
    Ipv4Spec s;
    s.src_be = w.a.ip_be;
    s.dst_be = host_ll();
    s.proto = 6;
    s.tcp_flags = flags;
    s.sport = sport;
    s.dport = dport;
    return ipv4_frame(w.config.gateway_mac, w.a.mac, s);
  }

  // What the host sent to guest A (from -> A:to_port), as quoted by A in an ICMP error.
  static Frame host_packet(uint32_t from_be, uint32_t to_be, uint8_t proto, uint16_t sport, uint16_t dport) {
    VerdictWorld& w = VerdictWorld::get();
    Ipv4Spec s;
    s.src_be = from_be;
    s.dst_be = to_be;
    s.proto = proto;
    s.tcp_flags = 0x18;
    s.sport = sport;
    s.dport = dport;
    return ipv4_frame(w.a.mac, w.a.tap_mac, s);
  }

  static Frame icmp_error_from_a(const Frame& quoted, uint8_t code = 4) {
    VerdictWorld& w = VerdictWorld::get();
    return icmp_error_frame(w.config.gateway_mac, w.a.mac, w.a.ip_be, host_ll(), 3, code, quoted);
  }

  // Runs tap_ingress on A; expects a pass up the host stack or the drop reason (counted).
  static void expect_ingress(const Frame& f, int reason) {
    VerdictWorld& w = VerdictWorld::get();
    uint64_t before = reason >= 0 ? w.drops(w.a.ifindex, SN_HOOK_INGRESS, reason) : 0;
    RunResult r = run_prog(w.ingress(), w.a.ifindex, f);
    ASSERT_EQ(r.rc, 0);
    if (reason < 0) {
      EXPECT_EQ(r.retval, static_cast<uint32_t>(TC_ACT_OK));
      ASSERT_EQ(r.out.size(), f.size());
      EXPECT_TRUE(std::equal(r.out.begin(), r.out.begin() + 6, w.a.tap_mac.begin())) << "not sent to the tap";
      return;
    }
    EXPECT_EQ(r.retval, static_cast<uint32_t>(TC_ACT_SHOT));
    EXPECT_EQ(w.drops(w.a.ifindex, SN_HOOK_INGRESS, reason), before + 1) << "drop not counted";
  }

  Sock guestd_, pusher_, unmarked_, host_listener_;
};

constexpr int kPass = -1;
constexpr uint8_t kAck = 0x10, kSynAck = 0x12, kRstAck = 0x14;

TEST_F(HostChannel, GuestSegmentsOfThePushConnectionGoUp) {
  expect_ingress(segment(SN_PUSH_PORT, pusher_.port, kAck), kPass);
  expect_ingress(segment(SN_PUSH_PORT, pusher_.port, kSynAck), kPass);
  expect_ingress(segment(SN_PUSH_PORT, pusher_.port, kRstAck), kPass);
}

TEST_F(HostChannel, GuestSegmentsOfNoConnectionAreDropped) {
  // SYN-cookie guesses at a host listener, from the push port or not.
  expect_ingress(segment(SN_PUSH_PORT, host_listener_.port, kAck), SN_DROP_HOST_NOT_PUSH);
  expect_ingress(segment(40000, host_listener_.port, kAck), SN_DROP_HOST_NOT_PUSH);
  // A port with no socket at all (the host would answer with a RST).
  expect_ingress(segment(SN_PUSH_PORT, 1, kAck), SN_DROP_HOST_NOT_PUSH);
  // The push connection's host port, but not from the push port.
  expect_ingress(segment(40000, pusher_.port, kAck), SN_DROP_HOST_NOT_PUSH);
  // A bare SYN is still an attempt to originate.
  expect_ingress(segment(SN_PUSH_PORT, pusher_.port, 0x02), SN_DROP_HOST_ORIGINATE);
}

TEST_F(HostChannel, GuestSegmentsOfAnUnmarkedHostConnectionAreDropped) {
  expect_ingress(segment(SN_PUSH_PORT, unmarked_.port, kAck), SN_DROP_HOST_NOT_PUSH);
}

TEST_F(HostChannel, IcmpErrorsQuotingThePushConnectionGoUp) {
  VerdictWorld& w = VerdictWorld::get();
  Frame quoted = host_packet(host_ll(), w.a.ip_be, 6, pusher_.port, SN_PUSH_PORT);
  expect_ingress(icmp_error_from_a(quoted), kPass);
  expect_ingress(icmp_error_from_a(quoted, 3), kPass);  // port unreachable
}

TEST_F(HostChannel, IcmpErrorsQuotingAnythingElseAreDropped) {
  VerdictWorld& w = VerdictWorld::get();
  // PMTU poisoning of a flow to another host (say, the API server).
  expect_ingress(icmp_error_from_a(host_packet(ip("192.168.7.7"), ip("192.168.7.8"), 6, 443, 40000)),
                 SN_DROP_HOST_NOT_PUSH);
  // The guest's own address, but another port, protocol or connection.
  expect_ingress(icmp_error_from_a(host_packet(host_ll(), w.a.ip_be, 6, pusher_.port, 22)),
                 SN_DROP_HOST_NOT_PUSH);
  expect_ingress(icmp_error_from_a(host_packet(host_ll(), w.a.ip_be, 17, pusher_.port, SN_PUSH_PORT)),
                 SN_DROP_HOST_NOT_PUSH);
  expect_ingress(icmp_error_from_a(host_packet(host_ll(), w.a.ip_be, 6, unmarked_.port, SN_PUSH_PORT)),
                 SN_DROP_HOST_NOT_PUSH);
  expect_ingress(icmp_error_from_a(host_packet(ip("10.42.0.2"), w.a.ip_be, 6, pusher_.port, SN_PUSH_PORT)),
                 SN_DROP_HOST_NOT_PUSH);
  // Other ICMP types towards the host.
  Frame redirect = icmp_error_from_a(host_packet(host_ll(), w.a.ip_be, 6, pusher_.port, SN_PUSH_PORT));
  redirect[14 + 20] = 5;
  expect_ingress(redirect, SN_DROP_HOST_ORIGINATE);
}

TEST_F(HostChannel, IcmpErrorsWithATruncatedQuoteAreDropped) {
  VerdictWorld& w = VerdictWorld::get();
  Frame full = icmp_error_from_a(host_packet(host_ll(), w.a.ip_be, 6, pusher_.port, SN_PUSH_PORT));
  // Every cut inside the quoted IPv4 header and ports (tot_len follows the cut).
  for (size_t len = 14 + 20 + 8; len < full.size() - 4; ++len) {
    Frame cut(full.begin(), full.begin() + static_cast<long>(len));
    uint16_t total = static_cast<uint16_t>(len - 14);
    cut[16] = static_cast<uint8_t>(total >> 8);
    cut[17] = static_cast<uint8_t>(total);
    RunResult r = run_prog(w.ingress(), w.a.ifindex, cut);
    ASSERT_EQ(r.rc, 0);
    EXPECT_EQ(r.retval, static_cast<uint32_t>(TC_ACT_SHOT)) << "length " << len;
  }
  // A quoted header with options (the push sockets send none).
  Frame opts = full;
  opts[14 + 28] = 0x46;
  expect_ingress(opts, SN_DROP_HOST_NOT_PUSH);
}

// Host -> guest: only what the agent's push sockets (or an operator's
// `ping -m`) mark; replies the host stack is provoked into carry no mark.
TEST_F(HostChannel, HostToGuestNeedsThePushMark) {
  VerdictWorld& w = VerdictWorld::get();
  Frame f = host_packet(host_ll(), w.a.ip_be, 6, pusher_.port, SN_PUSH_PORT);
  RunResult marked = run_prog(w.egress(), w.a.ifindex, f, 1, SN_MARK_HOST_CHANNEL);
  ASSERT_EQ(marked.rc, 0);
  EXPECT_EQ(marked.retval, static_cast<uint32_t>(TC_ACT_OK));
  EXPECT_EQ(marked.out, f);

  uint64_t before = w.drops(w.a.ifindex, SN_HOOK_EGRESS, SN_DROP_HOST_UNMARKED);
  for (uint32_t mark : {0u, 1u, SN_MARK_HOST_CHANNEL + 1}) {
    RunResult r = run_prog(w.egress(), w.a.ifindex, f, 1, mark);
    ASSERT_EQ(r.rc, 0);
    EXPECT_EQ(r.retval, static_cast<uint32_t>(TC_ACT_SHOT)) << "mark " << mark;
  }
  EXPECT_EQ(w.drops(w.a.ifindex, SN_HOOK_EGRESS, SN_DROP_HOST_UNMARKED), before + 3);
  // The host's own ARP for its guest needs no mark (the neighbour code sends it).
  Frame arp = arp_frame(kBroadcast, w.a.tap_mac, 1, w.a.tap_mac, host_ll(), MacAddr{}, w.a.ip_be);
  RunResult r = run_prog(w.egress(), w.a.ifindex, arp);
  EXPECT_EQ(r.retval, static_cast<uint32_t>(TC_ACT_OK));
}

}  // namespace
}  // namespace sandnet::dp::testkit
