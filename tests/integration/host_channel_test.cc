// The host side of the link-local channel as the agent opens it (sync/host_channel.cc), on a
// real veth between a host and a guest namespace, no datapath: strict rp_filter on the tap, so
// the host drops a packet arriving on the tap from an address not routed back through it.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "sync/host_channel.h"
#include "tests/integration/harness/netns.h"
#include "tests/integration/harness/probes.h"
#include "tests/integration/harness/process.h"
#include "tests/integration/harness/require_root.h"
#include "tests/integration/harness/topology.h"

namespace sandnet::testing {
namespace {

// One datagram from `source` in the guest namespace to the host link-local address.
void send_from(const std::string& netns, const std::string& source, const std::string& payload) {
  in_netns(netns, [&] {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in src = make_addr(source, 0), dst = make_addr("169.254.0.1", 7999);
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src), 0);
    sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&dst), sizeof dst);
    close(fd);
  });
}

bool received(int fd, const std::string& payload, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  while (poll(&p, 1, timeout_ms) == 1) {
    char buf[256];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n > 0 && std::string(buf, static_cast<size_t>(n)) == payload) return true;
  }
  return false;
}

TEST(HostChannelKernel, TapGetsStrictReversePathFiltering) {
  SANDNET_REQUIRE_ROOT();
  const std::string prefix = random_test_prefix();
  Netns host(prefix + "-host"), guest(prefix + "-g");
  const std::string tap = prefix + "t", eth = prefix + "e";
  run_checked({"ip", "-n", host.name(), "link", "add", tap, "type", "veth", "peer", "name", eth, "netns", guest.name()});
  run_checked({"ip", "-n", host.name(), "link", "set", tap, "up"});
  run_checked({"ip", "-n", guest.name(), "link", "set", eth, "up"});
  run_checked({"ip", "-n", guest.name(), "addr", "add", "10.42.0.7/32", "dev", eth});
  run_checked({"ip", "-n", guest.name(), "addr", "add", "10.99.0.5/32", "dev", eth});
  run_checked({"ip", "-n", guest.name(), "route", "add", "169.254.0.1/32", "dev", eth});
  in_netns(host.name(), [&] { sync::open_host_channel(tap, "10.42.0.7", "169.254.0.1"); });

  std::string rp;
  in_netns(host.name(), [&] { std::ifstream("/proc/sys/net/ipv4/conf/" + tap + "/rp_filter") >> rp; });
  EXPECT_EQ(rp, "1");

  int fd = in_netns(host.name(), [] {
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a = make_addr("169.254.0.1", 7999);
    return bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 ? s : -1;
  });
  ASSERT_GE(fd, 0);
  // The guest's own address is routed back through the tap: it arrives (the first datagram
  // may wait for ARP; retry a few times).
  bool own = false;
  for (int i = 0; i < 20 && !own; ++i) {
    send_from(guest.name(), "10.42.0.7", "own");
    own = received(fd, "own", 250);
  }
  EXPECT_TRUE(own) << "the guest's own address did not reach the host";
  // Any other source arriving on the tap is dropped by the host stack itself.
  send_from(guest.name(), "10.99.0.5", "spoofed");
  EXPECT_FALSE(received(fd, "spoofed", 1000)) << "a source not routed via the tap was accepted";
  close(fd);
}

}  // namespace
}  // namespace sandnet::testing
