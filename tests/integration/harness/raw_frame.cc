#include "tests/integration/harness/raw_frame.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <tuple>
#include <utility>

#include "common/mac_addr.h"
#include "tests/integration/harness/netns.h"
#include "tests/integration/harness/poll.h"

namespace sandnet::testing {
namespace {

void put16(Frame& f, uint16_t v) {
  f.push_back(static_cast<uint8_t>(v >> 8));
  f.push_back(static_cast<uint8_t>(v));
}
void put_mac(Frame& f, const Mac& m) { f.insert(f.end(), m.begin(), m.end()); }
void put_ip(Frame& f, const std::string& ip) {
  in_addr a{};
  if (inet_pton(AF_INET, ip.c_str(), &a) != 1) throw std::invalid_argument("bad IPv4 " + ip);
  const auto* b = reinterpret_cast<const uint8_t*>(&a.s_addr);
  f.insert(f.end(), b, b + 4);
}
void put_eth(Frame& f, const Mac& dst, const Mac& src, uint16_t type) {
  put_mac(f, dst);
  put_mac(f, src);
  put16(f, type);
}

}  // namespace

Mac parse_mac(const std::string& text) {
  auto m = sandnet::parse_mac(text);
  if (!m) throw std::invalid_argument("bad MAC " + text);
  return *m;
}

Frame udp_frame(const Mac& dst_mac, const Mac& src_mac, const std::string& src_ip, const std::string& dst_ip,
                uint16_t src_port, uint16_t dst_port, const std::string& payload) {
  Frame f;
  put_eth(f, dst_mac, src_mac, ETH_P_IP);
  const size_t ip_start = f.size();
  const auto total = static_cast<uint16_t>(20 + 8 + payload.size());
  f.push_back(0x45);
  f.push_back(0);
  put16(f, total);
  put16(f, 0x1234);  // id
  put16(f, 0x4000);  // DF, no fragment
  f.push_back(64);   // ttl
  f.push_back(IPPROTO_UDP);
  put16(f, 0);  // checksum, below
  put_ip(f, src_ip);
  put_ip(f, dst_ip);
  uint32_t sum = 0;
  for (size_t i = ip_start; i < ip_start + 20; i += 2) sum += static_cast<uint32_t>(f[i] << 8 | f[i + 1]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  f[ip_start + 10] = static_cast<uint8_t>(~sum >> 8);
  f[ip_start + 11] = static_cast<uint8_t>(~sum);
  put16(f, src_port);
  put16(f, dst_port);
  put16(f, static_cast<uint16_t>(8 + payload.size()));
  put16(f, 0);  // no UDP checksum (allowed for IPv4)
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}

Frame arp_frame(const Mac& eth_dst, const Mac& eth_src, uint16_t op, const Mac& sender_mac,
                const std::string& sender_ip, const Mac& target_mac, const std::string& target_ip) {
  Frame f;
  put_eth(f, eth_dst, eth_src, ETH_P_ARP);
  put16(f, 1);        // Ethernet
  put16(f, ETH_P_IP);
  f.push_back(6);
  f.push_back(4);
  put16(f, op);
  put_mac(f, sender_mac);
  put_ip(f, sender_ip);
  put_mac(f, target_mac);
  put_ip(f, target_ip);
  return f;
}

bool frame_contains(const Frame& frame, const std::string& needle) {
  return std::search(frame.begin(), frame.end(), needle.begin(), needle.end()) != frame.end();
}

bool is_arp_with_sender_mac(const Frame& frame, const Mac& mac) {
  if (frame.size() < 14 + 28 || frame[12] != 0x08 || frame[13] != 0x06) return false;
  return std::equal(mac.begin(), mac.end(), frame.begin() + 14 + 8);
}

PacketSocket::PacketSocket(const std::string& netns, const std::string& ifname) {
  std::tie(fd_, ifindex_) = in_netns(netns, [&] {
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
    if (fd < 0) throw std::runtime_error(std::string("AF_PACKET socket: ") + std::strerror(errno));
    int ifindex = static_cast<int>(if_nametoindex(ifname.c_str()));
    sockaddr_ll sll{};
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL);
    sll.sll_ifindex = ifindex;
    if (ifindex == 0 || bind(fd, reinterpret_cast<sockaddr*>(&sll), sizeof sll) != 0) {
      close(fd);
      throw std::runtime_error("cannot bind AF_PACKET to " + ifname + " in " + netns);
    }
    return std::pair{fd, ifindex};
  });
}

PacketSocket::~PacketSocket() { close(fd_); }

bool PacketSocket::send(const Frame& frame) {
  if (::send(fd_, frame.data(), frame.size(), 0) == static_cast<ssize_t>(frame.size())) return true;
  if (errno == ENOBUFS) return false;
  throw std::runtime_error(std::string("AF_PACKET send: ") + std::strerror(errno));
}

bool PacketSocket::saw(const std::function<bool(const Frame&)>& match, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  Frame buf(65536);
  for (;;) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    sockaddr_ll from{};
    socklen_t from_len = sizeof from;
    ssize_t n = recvfrom(fd_, buf.data(), buf.size(), MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n <= 0 || from.sll_pkttype == PACKET_OUTGOING) continue;
    if (match(Frame(buf.begin(), buf.begin() + n))) return true;
  }
}

std::vector<Frame> PacketSocket::collect(std::chrono::milliseconds window) {
  std::vector<Frame> frames;
  saw(
      [&](const Frame& f) {
        frames.push_back(f);
        return false;
      },
      window);
  return frames;
}

}  // namespace sandnet::testing
