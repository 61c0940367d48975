// The overlay MTU reaches the guest: the real sandnet-guestd, in a namespace of the test's own
// with the guest's overlay interface, takes an "SNT2" push from the host's link-local address
// and sets the MTU; then a datagram of exactly that size leaves, and one byte more fails at
// the sender with EMSGSIZE (what `ping -M do` shows), never a silent drop further on.
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <string>
#include <vector>

#include "common/push/table_push_client.h"
#include "tests/integration/harness/netns.h"
#include "tests/integration/harness/process.h"
#include "tests/integration/harness/require_root.h"
#include "tests/nss/table_files.h"

namespace sandnet::nss_test {
namespace {

using namespace std::chrono_literals;

// sendto() of a UDP datagram making an IP packet of `ip_bytes`, DF set: 0 or the errno.
int send_df(const std::string& netns, const std::string& dst, size_t ip_bytes) {
  int fd = testing::socket_in_netns(netns, AF_INET, SOCK_DGRAM, 0);
  int pmtu = IP_PMTUDISC_DO;
  setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof pmtu);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(9);
  inet_pton(AF_INET, dst.c_str(), &to.sin_addr);
  std::vector<char> payload(ip_bytes - 28, 'x');  // IPv4 20 + UDP 8
  ssize_t n = sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  int err = n < 0 ? errno : 0;
  close(fd);
  return err;
}

TEST(GuestdMtu, PushedMtuIsSetAndOneByteMoreFailsAtTheSender) {
  SANDNET_REQUIRE_ROOT();
  const std::string ns_name = "sngm-" + std::to_string(getpid());
  testing::Netns ns(ns_name);
  auto in_ns = [&](std::vector<std::string> argv) {
    auto r = testing::run_command(argv, {.netns = ns_name});
    ASSERT_TRUE(r.ok()) << r.output;
  };
  // sngm0 is the guest's overlay interface (MTU 1500 as a runtime leaves it); the host's
  // link-local address lives on the other end.
  in_ns({"ip", "link", "add", "sngm0", "type", "veth", "peer", "name", "sngm1"});
  in_ns({"ip", "addr", "add", "10.42.0.5/16", "dev", "sngm0"});
  in_ns({"ip", "addr", "add", "169.254.0.1/32", "dev", "sngm1"});
  in_ns({"ip", "link", "set", "lo", "up"});
  in_ns({"ip", "link", "set", "sngm0", "up"});
  in_ns({"ip", "link", "set", "sngm1", "up"});

  ASSERT_EQ(send_df(ns_name, "10.42.0.9", 1451), 0);  // before the push: the runtime's 1500

  TempDir dir;
  testing::ChildProcess guestd({SANDNET_GUESTD, "--once", "--listen-address", "10.42.0.5", "--allowed-peer",
                                "169.254.0.1", "--table", (dir.path / "hosts.table").string(), "--log-level", "info"},
                               ns_name, (dir.path / "guestd.log").string());
  table_push::PushTarget t;
  t.guest_address = "10.42.0.5";
  t.source_address = "169.254.0.1";
  t.mtu = 1450;
  table_push::PushResult pushed;
  for (int i = 0; i < 100 && !pushed.delivered; ++i) {  // until guestd listens (bounded)
    pushed = testing::in_netns(ns_name, [&] { return table_push::push_table(t, standard_table()); });
    if (!pushed.delivered) usleep(100 * 1000);
  }
  ASSERT_TRUE(pushed.ok()) << pushed.error;
  ASSERT_TRUE(guestd.wait_exit(20s).has_value());

  auto link = testing::run_command({"ip", "-o", "link", "show", "sngm0"}, {.netns = ns_name});
  EXPECT_NE(link.output.find("mtu 1450"), std::string::npos) << link.output;
  EXPECT_EQ(send_df(ns_name, "10.42.0.9", 1450), 0);
  EXPECT_EQ(send_df(ns_name, "10.42.0.9", 1451), EMSGSIZE);
}

}  // namespace
}  // namespace sandnet::nss_test
