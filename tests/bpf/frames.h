// Builders of the crafted frames the BPF tests and benchmarks feed to
// BPF_PROG_TEST_RUN: Ethernet + ARP / IPv4 (+ options, fragments) + L4.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "loader/net_addr.h"

namespace sandnet::dp::testkit {

using Frame = std::vector<uint8_t>;

struct Ipv4Spec {
  uint32_t src_be = 0, dst_be = 0;
  uint8_t proto = 1;           // ICMP
  uint8_t options_words = 0;   // ihl = 5 + options_words
  uint16_t frag_off = 0;       // host order: flags<<13 | offset
  uint8_t icmp_type = 8;       // echo request, for proto 1
  uint8_t tcp_flags = 0x02;    // SYN, for proto 6
  uint16_t sport = 40000;      // TCP/UDP
  uint16_t dport = 0;          // TCP/UDP; 0 = 80 for TCP, 5000 for UDP
  size_t payload = 32;         // bytes after the L4 header
};

Frame eth_header(const MacAddr& dst, const MacAddr& src, uint16_t ethertype);
Frame ipv4_frame(const MacAddr& dst, const MacAddr& src, const Ipv4Spec& ip);
Frame arp_frame(const MacAddr& eth_dst, const MacAddr& eth_src, uint16_t op, const MacAddr& sha,
                uint32_t spa_be, const MacAddr& tha, uint32_t tpa_be);

// An ICMP error (type/code) from src to dst quoting the first 28 bytes (IPv4
// header + 8 bytes of L4) of `quoted`, an Ethernet frame built by ipv4_frame.
Frame icmp_error_frame(const MacAddr& dst, const MacAddr& src, uint32_t src_be, uint32_t dst_be,
                       uint8_t type, uint8_t code, const Frame& quoted);

uint32_t ip(const char* text);    // parse or abort
MacAddr mac(const char* text);    // parse or abort
inline const MacAddr kBroadcast{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

}  // namespace sandnet::dp::testkit
