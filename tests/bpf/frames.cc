#include "frames.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace sandnet::dp::testkit {
namespace {

void put16(Frame& f, uint16_t host) {
  f.push_back(static_cast<uint8_t>(host >> 8));
  f.push_back(static_cast<uint8_t>(host));
}
void put_be32(Frame& f, uint32_t be) {
  uint8_t b[4];
  std::memcpy(b, &be, 4);
  f.insert(f.end(), b, b + 4);
}

uint16_t checksum(const uint8_t* p, size_t n) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < n; i += 2) sum += (p[i] << 8) | p[i + 1];
  if (n & 1) sum += p[n - 1] << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

}  // namespace

uint32_t ip(const char* text) {
  auto v = parse_ipv4(text);
  if (!v) std::abort();
  return *v;
}

MacAddr mac(const char* text) {
  auto v = parse_mac(text);
  if (!v) std::abort();
  return *v;
}

Frame eth_header(const MacAddr& dst, const MacAddr& src, uint16_t ethertype) {
  Frame f(dst.begin(), dst.end());
  f.insert(f.end(), src.begin(), src.end());
  put16(f, ethertype);
  return f;
}

Frame ipv4_frame(const MacAddr& dst, const MacAddr& src, const Ipv4Spec& s) {
  Frame f = eth_header(dst, src, 0x0800);
  size_t l4 = s.proto == 6 ? 20 : 8;
  size_t ihl = 5 + s.options_words;
  size_t total = ihl * 4 + l4 + s.payload;
  size_t ip_start = f.size();
  f.push_back(static_cast<uint8_t>(0x40 | ihl));
  f.push_back(0);
  put16(f, static_cast<uint16_t>(total));
  put16(f, 0x1234);
  put16(f, s.frag_off);
  f.push_back(64);
  f.push_back(s.proto);
  put16(f, 0);
  put_be32(f, s.src_be);
  put_be32(f, s.dst_be);
  for (int i = 0; i < s.options_words * 4; ++i) f.push_back(1);  // NOP options
  uint16_t csum = checksum(f.data() + ip_start, ihl * 4);
  f[ip_start + 10] = static_cast<uint8_t>(csum >> 8);
  f[ip_start + 11] = static_cast<uint8_t>(csum);
  if (s.proto == 6) {
    put16(f, s.sport);
    put16(f, s.dport ? s.dport : 80);
    put_be32(f, htonl(1));
    put_be32(f, htonl(0));
    f.push_back(0x50);
    f.push_back(s.tcp_flags);
    put16(f, 65535);
    put16(f, 0);
    put16(f, 0);
  } else if (s.proto == 1) {
    f.push_back(s.icmp_type);
    f.push_back(0);
    put16(f, 0);
    put16(f, 1);
    put16(f, 1);
  } else {
    put16(f, s.sport);
    put16(f, s.dport ? s.dport : 5000);
    put16(f, static_cast<uint16_t>(8 + s.payload));
    put16(f, 0);
  }
  f.resize(f.size() + s.payload, 0xab);
  return f;
}

Frame icmp_error_frame(const MacAddr& dst, const MacAddr& src, uint32_t src_be, uint32_t dst_be,
                       uint8_t type, uint8_t code, const Frame& quoted) {
  Ipv4Spec s;
  s.src_be = src_be;
  s.dst_be = dst_be;
  s.icmp_type = type;
  s.payload = 0;
  Frame f = ipv4_frame(dst, src, s);
  f[14 + 20 + 1] = code;
  f.resize(14 + 20 + 4);  // ICMP type, code, checksum; then 4 unused bytes
  put16(f, 0);
  put16(f, type == 3 && code == 4 ? 1400 : 0);  // next-hop MTU for "fragmentation needed"
  size_t n = std::min<size_t>(quoted.size() - 14, 28);
  f.insert(f.end(), quoted.begin() + 14, quoted.begin() + 14 + static_cast<long>(n));
  uint16_t total = static_cast<uint16_t>(f.size() - 14);
  f[16] = static_cast<uint8_t>(total >> 8);
  f[17] = static_cast<uint8_t>(total);
  f[24] = f[25] = 0;
  uint16_t csum = checksum(f.data() + 14, 20);
  f[24] = static_cast<uint8_t>(csum >> 8);
  f[25] = static_cast<uint8_t>(csum);
  return f;
}

Frame arp_frame(const MacAddr& eth_dst, const MacAddr& eth_src, uint16_t op, const MacAddr& sha,
                uint32_t spa_be, const MacAddr& tha, uint32_t tpa_be) {
  Frame f = eth_header(eth_dst, eth_src, 0x0806);
  put16(f, 1);
  put16(f, 0x0800);
  f.push_back(6);
  f.push_back(4);
  put16(f, op);
  f.insert(f.end(), sha.begin(), sha.end());
  put_be32(f, spa_be);
  f.insert(f.end(), tha.begin(), tha.end());
  put_be32(f, tpa_be);
  return f;
}

}  // namespace sandnet::dp::testkit
