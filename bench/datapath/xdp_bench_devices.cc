#include "xdp_bench_devices.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <stdexcept>

namespace sandnet::bench {
namespace {

void run(const std::string& cmd) {
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("failed: " + cmd);
}

std::string output_of(const std::string& cmd) {
  std::unique_ptr<FILE, decltype(&pclose)> p(popen(cmd.c_str(), "r"), pclose);
  std::string out;
  std::array<char, 512> buf;
  while (p && fgets(buf.data(), buf.size(), p.get())) out += buf.data();
  return out;
}

}  // namespace

BenchDevice make_tap(const std::string& name) {
  BenchDevice d;
  d.name = name;
  d.guest_fd.reset(open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC));
  if (!d.guest_fd.valid()) throw std::runtime_error(fmt::format("/dev/net/tun: {}", std::strerror(errno)));
  ifreq ifr{};
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  std::snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name.c_str());
  if (ioctl(d.guest_fd.get(), TUNSETIFF, &ifr) != 0)
    throw std::runtime_error(fmt::format("TUNSETIFF {}: {}", name, std::strerror(errno)));
  run(fmt::format("ip link set {} up", name));
  d.ifindex = if_nametoindex(name.c_str());
  return d;
}

BenchDevice make_veth(const std::string& name) {
  BenchDevice d;
  d.name = name;
  run(fmt::format("ip link add {0} type veth peer name {0}g && ip link set {0} up && ip link set {0}g up", name));
  d.ifindex = if_nametoindex(name.c_str());
  d.guest_fd.reset(socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0));  // protocol 0: receives nothing
  sockaddr_ll at{};
  at.sll_family = AF_PACKET;
  at.sll_ifindex = static_cast<int>(if_nametoindex((name + "g").c_str()));
  if (!d.guest_fd.valid() || bind(d.guest_fd.get(), reinterpret_cast<sockaddr*>(&at), sizeof at) != 0)
    throw std::runtime_error(fmt::format("packet socket on {}g: {}", name, std::strerror(errno)));
  return d;
}

std::string xdp_mode(const std::string& name) {
  std::string out = output_of(fmt::format("ip -o link show dev {}", name));
  if (out.find("xdpgeneric") != std::string::npos) return "xdpgeneric";
  if (out.find(" xdp") != std::string::npos) return "xdp";
  return "none";
}

void disable_ipv6_by_default() {
  for (const char* conf : {"all", "default"}) {
    std::ofstream(fmt::format("/proc/sys/net/ipv6/conf/{}/disable_ipv6", conf)) << "1\n";
  }
}

}  // namespace sandnet::bench
