// bench/datapath (b) load generator: 64-byte UDP frames with sendmmsg from a
// thread pinned to one CPU, inside a given netns. Every interval it prints
// one JSON line: packets sent and the thread's own CPU time, which includes
// the veth -> host -> veth forwarding done in its softirq context.
#include <CLI/CLI.hpp>
#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sched.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "clock_ns.h"

using sandnet::bench::now_ns;

int main(int argc, char** argv) {
  std::string netns, dst = "10.42.0.2";
  int cpu = 1, batch = 64, frame = 64, interval_ms = 100;
  double duration_s = 10;
  CLI::App app{"udp_sender: paced-free UDP flood reporting its own CPU per packet"};
  app.add_option("--netns", netns, "netns file to enter (e.g. /run/netns/NAME)");
  app.add_option("--dst", dst)->capture_default_str();
  app.add_option("--cpu", cpu)->capture_default_str();
  app.add_option("--batch", batch)->capture_default_str();
  app.add_option("--frame", frame, "Ethernet frame size")->capture_default_str();
  app.add_option("--interval-ms", interval_ms)->capture_default_str();
  app.add_option("--duration", duration_s, "seconds")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  if (!netns.empty()) {
    int fd = open(netns.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
      fmt::print(stderr, "setns {}: {}\n", netns, std::strerror(errno));
      return 1;
    }
    close(fd);
  }
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) {
    fmt::print(stderr, "affinity: {}\n", std::strerror(errno));
    return 1;
  }
  int sock = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(9);
  if (sock < 0 || inet_pton(AF_INET, dst.c_str(), &to.sin_addr) != 1 ||
      connect(sock, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    fmt::print(stderr, "socket/connect: {}\n", std::strerror(errno));
    return 1;
  }
  size_t payload = static_cast<size_t>(std::max(frame - 14 - 20 - 8, 1));
  std::vector<char> buf(payload, 'x');
  std::vector<iovec> iov(static_cast<size_t>(batch));
  std::vector<mmsghdr> msgs(static_cast<size_t>(batch));
  for (int i = 0; i < batch; ++i) {
    iov[i] = {buf.data(), buf.size()};
    msgs[i] = {};
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  uint64_t start = now_ns(CLOCK_MONOTONIC), end = start + static_cast<uint64_t>(duration_s * 1e9);
  uint64_t next = start + static_cast<uint64_t>(interval_ms) * 1000000ull;
  uint64_t cpu0 = now_ns(CLOCK_THREAD_CPUTIME_ID), sent = 0, errors = 0;
  for (;;) {
    int n = sendmmsg(sock, msgs.data(), static_cast<unsigned>(batch), 0);
    if (n > 0) sent += static_cast<uint64_t>(n);
    else ++errors;
    uint64_t now = now_ns(CLOCK_MONOTONIC);
    if (now >= next) {
      uint64_t cpu1 = now_ns(CLOCK_THREAD_CPUTIME_ID);
      fmt::print("{{\"t_ms\": {}, \"pkts\": {}, \"cpu_ns\": {}, \"errors\": {}}}\n",
                 (now - start) / 1000000, sent, cpu1 - cpu0, errors);
      std::fflush(stdout);
      sent = errors = 0;
      cpu0 = cpu1;
      next += static_cast<uint64_t>(interval_ms) * 1000000ull;
      if (now >= end) break;
    }
  }
  return 0;
}
