// Overlay containment through the real stack, with an "outside" namespace the host routes to
// (the harness's baseline test shows the same paths pass with no datapath):
//   - a sandbox cannot reach an outside address, nor the host's own non-overlay address;
//   - the outside and the host (non-overlay sources) cannot reach a sandbox's overlay IP;
//   - traffic that touches no overlay address passes untouched;
//   - the host's link-local channel: the host's marked push connection reaches its guest, the
//     guest cannot originate.
#include <algorithm>

#include "sandnet/dp_abi.h"
#include "tests/integration/datapath_fixture.h"
#include "tests/integration/harness/probes.h"
#include "tests/integration/harness/process.h"
#include "tests/integration/harness/raw_frame.h"

namespace sandnet::testing {
namespace {

using std::chrono::milliseconds;
constexpr milliseconds kBlocked{1000};
constexpr milliseconds kAllowed{15000};

class ContainmentTest : public DatapathTest {
 protected:
  void SetUp() override {
    DatapathTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    out_ = &topo_->add_outside();
    topo_->route_sandbox_to_outside("A");
    // Sanity: the host itself reaches the outside (no overlay involved, no tap crossed).
    ASSERT_TRUE(ping_eventually(topo_->host_netns(), out_->ip, kAllowed));
  }
  const OutsideNet* out_ = nullptr;
};

TEST_F(ContainmentTest, SandboxCannotReachOutsideOrTheHost) {
  const Sandbox& A = sb("A");
  TcpEchoServer outside_server(out_->netns, out_->ip, 7500);
  EXPECT_FALSE(ping_once(A.netns, out_->ip, kBlocked));
  EXPECT_FALSE(ping_once(A.netns, out_->host_ip, kBlocked));
  EXPECT_EQ(tcp_probe(A.netns, out_->ip, 7500, kBlocked), TcpOutcome::kTimeout);
  // The peer path still works from the same sandbox.
  EXPECT_TRUE(ping_eventually(A.netns, sb("B").ip, kAllowed));
}

TEST_F(ContainmentTest, OutsideAndHostCannotReachTheOverlay) {
  const Sandbox& A = sb("A");
  TcpEchoServer sandbox_server(A.netns, A.ip, 7501);
  EXPECT_FALSE(ping_once(out_->netns, A.ip, kBlocked));
  EXPECT_EQ(tcp_probe(out_->netns, A.ip, 7501, kBlocked), TcpOutcome::kTimeout);
  // From the host namespace the source is its non-overlay address 198.18.0.1.
  EXPECT_FALSE(ping_once(topo_->host_netns(), A.ip, kBlocked));
  EXPECT_EQ(tcp_probe(topo_->host_netns(), A.ip, 7501, kBlocked), TcpOutcome::kTimeout);
}

TEST_F(ContainmentTest, FramesTouchingNoOverlayAddressPassTheTapUntouched) {
  const Sandbox& A = sb("A");
  const Mac tap_mac = parse_mac(topo_->host_link_mac(A.tap));
  PacketSocket host_side(topo_->host_netns(), A.tap);  // sends through the tap's egress hook
  PacketSocket guest(A.netns, "eth0");
  const std::string plain = "no-overlay-" + topo_->prefix();
  const std::string forged = "claims-peer-" + topo_->prefix();
  // The send of the forged frame may report the egress drop (ENOBUFS): either way it must not arrive.
  EXPECT_TRUE(host_side.send(udp_frame(parse_mac(A.mac), tap_mac, out_->host_ip, "198.18.0.77", 6000, 6001, plain)));
  host_side.send(udp_frame(parse_mac(A.mac), tap_mac, sb("B").ip, A.ip, 6000, 6001, forged));
  auto frames = guest.collect(milliseconds(1500));
  auto seen = [&](const std::string& marker) {
    return std::any_of(frames.begin(), frames.end(), [&](const Frame& f) { return frame_contains(f, marker); });
  };
  EXPECT_TRUE(seen(plain)) << "a frame touching no overlay address was dropped";
  EXPECT_FALSE(seen(forged)) << "a host-side frame claiming an overlay source reached the guest";
}

// The link-local channel carries the agent's push connection only: host 169.254.0.1 ->
// guest TCP SN_PUSH_PORT from a socket with the push mark (and an operator's marked ping).
// Unmarked host traffic, other ports, and anything the guest starts are dropped.
TEST_F(ContainmentTest, HostLinkLocalChannelIsOpenedByTheHostOnly) {
  const Sandbox& A = sb("A");
  const std::string host_ll = "169.254.0.1";
  const std::string& host = topo_->host_netns();
  run_checked({"ip", "-n", host, "addr", "add", host_ll + "/32", "dev", "lo"});
  run_checked({"ip", "-n", host, "route", "replace", A.ip + "/32", "dev", A.tap, "src", host_ll});
  run_checked({"ip", "-n", A.netns, "route", "add", host_ll + "/32", "dev", "eth0"});

  TcpEchoServer guestd(A.netns, A.ip, SN_PUSH_PORT);
  EXPECT_EQ(tcp_probe_eventually(host, A.ip, SN_PUSH_PORT, kAllowed, SN_MARK_HOST_CHANNEL), TcpOutcome::kEchoed)
      << "the push connection did not get through";
  EXPECT_TRUE(ping_eventually(host, A.ip, kAllowed, SN_MARK_HOST_CHANNEL)) << "a marked ping did not";

  EXPECT_EQ(tcp_probe(host, A.ip, SN_PUSH_PORT, kBlocked), TcpOutcome::kTimeout) << "unmarked host TCP reached the guest";
  EXPECT_FALSE(ping_once(host, A.ip, kBlocked)) << "an unmarked host ping reached the guest";
  TcpEchoServer other(A.netns, A.ip, 7600);
  EXPECT_EQ(tcp_probe(host, A.ip, 7600, kBlocked, SN_MARK_HOST_CHANNEL), TcpOutcome::kTimeout)
      << "the guest answered from a port other than the push port";

  TcpEchoServer host_server(host, host_ll, 7601);
  EXPECT_EQ(tcp_probe(A.netns, host_ll, 7601, kBlocked), TcpOutcome::kTimeout) << "guest opened a connection to the host";
  EXPECT_FALSE(ping_once(A.netns, host_ll, kBlocked)) << "guest pinged the host";
}

}  // namespace
}  // namespace sandnet::testing
