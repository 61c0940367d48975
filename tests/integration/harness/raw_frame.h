// Hand-made Ethernet frames and AF_PACKET sockets inside a namespace: how tests play a
// hostile guest (spoofed addresses, forged ARP) and watch what reaches a peer's interface.
#pragma once
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace sandnet::testing {

using Mac = std::array<uint8_t, 6>;
using Frame = std::vector<uint8_t>;

Mac parse_mac(const std::string& text);  // "02:00:0a:2a:00:0a"
inline constexpr Mac kBroadcastMac{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

// Ethernet + IPv4 (valid header checksum) + UDP (checksum 0) carrying payload.
Frame udp_frame(const Mac& dst_mac, const Mac& src_mac, const std::string& src_ip, const std::string& dst_ip,
                uint16_t src_port, uint16_t dst_port, const std::string& payload);

// Ethernet + ARP for IPv4; op 1 request, 2 reply.
Frame arp_frame(const Mac& eth_dst, const Mac& eth_src, uint16_t op, const Mac& sender_mac,
                const std::string& sender_ip, const Mac& target_mac, const std::string& target_ip);

bool frame_contains(const Frame& frame, const std::string& needle);
// An ARP frame whose sender hardware address is `mac` (the forger's or the forged one).
bool is_arp_with_sender_mac(const Frame& frame, const Mac& mac);

// An AF_PACKET socket bound to one interface of a namespace: sends frames as the guest
// would, and sees every frame arriving at the interface (not the ones it sends).
class PacketSocket {
 public:
  PacketSocket(const std::string& netns, const std::string& ifname);
  ~PacketSocket();
  PacketSocket(const PacketSocket&) = delete;
  PacketSocket& operator=(const PacketSocket&) = delete;

  // False when the kernel dropped the frame on the way out (ENOBUFS: e.g. a TC egress
  // program on this device said drop); throws on other errors.
  bool send(const Frame& frame);
  // True as soon as an incoming frame matches; false when the timeout passes without one.
  bool saw(const std::function<bool(const Frame&)>& match, std::chrono::milliseconds timeout);
  // Every incoming frame during the window (frames already queued included).
  std::vector<Frame> collect(std::chrono::milliseconds window);

 private:
  int fd_ = -1;
  int ifindex_ = 0;
};

}  // namespace sandnet::testing
