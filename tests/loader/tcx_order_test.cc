// A foreign TCX program that ends the chain (returns TC_ACT_OK) attached to a
// tap before the agent: sandnet still judges every frame, because the agent
// attaches first in the chain (docs/datapath.md "Attachment").
#include <arpa/inet.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "empty_bpf.skel.h"
#include "kernel_world.h"
#include "loader/tc_features.h"
#include "loader/tcx_link.h"

namespace sandnet::dp {
namespace {

using namespace kworld;

uint64_t drops(Datapath& dp, uint32_t ifindex, uint32_t hook, int reason) {
  auto counters = dp.maps().read_counters();
  auto it = counters.find({ifindex, hook});
  return it == counters.end() ? 0 : it->second.drops[reason];
}

TEST(TcxOrder, ForeignProgramAttachedEarlierDoesNotBypassSandnet) {
  if (!tcx_supported()) GTEST_SKIP() << "no TCX";
  taps();  // private netns
  const std::string dev = "snl-o", peer = "snl-op";
  uint32_t ifindex = testkit::add_device(dev, {0x0e, 0, 0, 0, 2, 1});
  ASSERT_EQ(std::system(("ip link set " + dev + " up && ip link set " + peer + " up").c_str()), 0);

  // The foreign program, first on the device.
  auto* empty = empty_bpf__open_and_load();
  ASSERT_NE(empty, nullptr);
  UniqueFd foreign(tcx_link_create(bpf_program__fd(empty->progs.empty_tc), ifindex, kBpfTcxIngress));
  ASSERT_TRUE(foreign.valid());

  testkit::BpffsRoot root("ld-order");
  Datapath dp(small_config(), root.path());
  DesiredState s;
  MacAddr guest{0x02, 0, 0, 0, 2, 1};
  s.endpoints.push_back({sb(40), dev, ip(40), guest, ""});
  dp.apply(s);

  // A frame from the guest's MAC with another source IP: only sandnet drops it (the peer's own
  // background frames, IPv6 ND, come from its MAC and count as SPOOF_MAC, not here).
  testkit::Ipv4Spec spec;
  spec.src_be = ip(41);
  spec.dst_be = ip(42);
  testkit::Frame f = testkit::ipv4_frame(small_config().gateway_mac, guest, spec);
  uint64_t before = drops(dp, ifindex, SN_HOOK_INGRESS, SN_DROP_SPOOF_IP);
  send_from_peer(peer, f);
  // veth delivers in the sender's softirq; poll briefly rather than assume.
  uint64_t after = before;
  for (int i = 0; i < 200 && after == before; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    after = drops(dp, ifindex, SN_HOOK_INGRESS, SN_DROP_SPOOF_IP);
  }
  EXPECT_EQ(after, before + 1) << "the foreign program ended the chain before sandnet";

  dp.apply(DesiredState{});
  foreign.reset();
  empty_bpf__destroy(empty);
  EXPECT_EQ(std::system(("ip link del " + dev).c_str()), 0);
}

}  // namespace
}  // namespace sandnet::dp
