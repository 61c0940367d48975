// The kernel refuses to attach sandnet's programs to a tap (its TCX chain is full of foreign
// programs): the tap must not be left bare. The agent sets it
// down (a down device passes no frame), reports the failure, and brings it up again once the
// programs are attached, also after a restart; a device someone else set down stays down.
#include <bpf/libbpf.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <vector>

#include "common/netlink/link_admin.h"
#include "common/netlink/link_identity.h"
#include "empty_bpf.skel.h"
#include "kernel_world.h"
#include "loader/tc_features.h"
#include "loader/tcx_link.h"

namespace sandnet::dp {
namespace {

using namespace kworld;

// Distinct programs linked to a device's TCX ingress until the kernel says the chain is full
// (ERANGE: 63 programs, BPF_MPROG_MAX - 1 in include/linux/bpf_mprog.h).
class FullIngressChain {
 public:
  explicit FullIngressChain(uint32_t ifindex) {
    for (int i = 0; i < 128; ++i) {
      auto* prog = empty_bpf__open_and_load();
      if (!prog) return;
      progs_.push_back(prog);
      UniqueFd link(tcx_link_create(bpf_program__fd(prog->progs.empty_tc), ifindex, kBpfTcxIngress));
      if (!link.valid()) {
        full_ = errno == ERANGE && !links_.empty();
        return;
      }
      links_.push_back(std::move(link));
    }
  }
  ~FullIngressChain() {
    links_.clear();
    for (auto* p : progs_) empty_bpf__destroy(p);
  }
  bool full() const { return full_; }
  void release_one() { links_.pop_back(); }

 private:
  std::vector<empty_bpf*> progs_;
  std::vector<UniqueFd> links_;
  bool full_ = false;
};

std::optional<bool> is_up(uint32_t ifindex) {
  auto link = netlink::query_link(ifindex);
  return link ? std::optional<bool>(link->up) : std::nullopt;
}

uint64_t rx_packets(const std::string& dev) {
  uint64_t n = 0;
  std::ifstream("/sys/class/net/" + dev + "/statistics/rx_packets") >> n;
  return n;
}

struct Tap {
  std::string dev, peer;
  uint32_t ifindex = 0;
};

Tap make_tap(const std::string& dev) {
  taps();  // private netns
  Tap t{dev, dev + "p", testkit::add_device(dev, {0x0e, 0, 0, 0, 3, 1})};
  EXPECT_EQ(std::system(("ip link set " + t.dev + " up && ip link set " + t.peer + " up").c_str()), 0);
  return t;
}

DesiredState one_guest(const Tap& t) {
  DesiredState s;
  s.endpoints.push_back({sb(50), t.dev, ip(50), {0x02, 0, 0, 0, 3, 1}, ""});
  return s;
}

TEST(AttachFailure, ATapTheProgramsCannotReachIsSetDownUntilTheyDo) {
  if (!tcx_supported()) GTEST_SKIP() << "no TCX";
  Tap t = make_tap("snl-af");
  auto chain = std::make_unique<FullIngressChain>(t.ifindex);
  ASSERT_TRUE(chain->full());

  testkit::BpffsRoot root("ld-attachfail");
  {
    Datapath dp(small_config(), root.path());
    auto r = dp.apply(one_guest(t));
    ASSERT_EQ(r.attach_failures.count(t.ifindex), 1u) << "a full TCX chain must refuse the attach";
    EXPECT_NE(r.attach_failures[t.ifindex].find("down until attached"), std::string::npos)
        << r.attach_failures[t.ifindex];
    EXPECT_EQ(is_up(t.ifindex), false) << "a tap without programs was left up: bare";
    uint64_t before = rx_packets(t.dev);
    testkit::Ipv4Spec spec;  // any frame: a down device must receive none
    spec.src_be = ip(50);
    spec.dst_be = ip(51);
    // The peer may refuse the frame outright (its carrier is off): received none either way.
    try_send_from_peer(t.peer, testkit::ipv4_frame(small_config().gateway_mac, {0x02, 0, 0, 0, 3, 1}, spec));
    EXPECT_EQ(rx_packets(t.dev), before) << "the fenced tap received frames";

    // Still refused at the next apply: still down, still reported.
    EXPECT_EQ(dp.apply(one_guest(t)).attach_failures.count(t.ifindex), 1u);
    EXPECT_EQ(is_up(t.ifindex), false);
  }  // the agent goes away with its fence set

  // Room in the chain; a new agent (a restart) attaches and lifts the fence it inherited.
  chain->release_one();
  Datapath dp(small_config(), root.path());
  auto r = dp.apply(one_guest(t));
  EXPECT_TRUE(r.attach_failures.empty()) << r.attach_failures.begin()->second;
  EXPECT_EQ(is_up(t.ifindex), true) << "attached, but the fence was never lifted";

  dp.apply(DesiredState{});
  chain.reset();
  EXPECT_EQ(std::system(("ip link del " + t.dev).c_str()), 0);
}

TEST(AttachFailure, ADeviceDownForAnotherReasonIsNeverBroughtUp) {
  if (!tcx_supported()) GTEST_SKIP() << "no TCX";
  Tap t = make_tap("snl-ad");
  ASSERT_EQ(netlink::set_link_up(t.ifindex, false), 0);  // the runtime's choice, not ours
  auto chain = std::make_unique<FullIngressChain>(t.ifindex);
  ASSERT_TRUE(chain->full());

  testkit::BpffsRoot root("ld-attachdown");
  Datapath dp(small_config(), root.path());
  EXPECT_EQ(dp.apply(one_guest(t)).attach_failures.count(t.ifindex), 1u);
  chain->release_one();
  EXPECT_TRUE(dp.apply(one_guest(t)).attach_failures.empty());
  EXPECT_EQ(is_up(t.ifindex), false) << "the agent brought up a device it did not take down";

  dp.apply(DesiredState{});
  chain.reset();
  EXPECT_EQ(std::system(("ip link del " + t.dev).c_str()), 0);
}

}  // namespace
}  // namespace sandnet::dp
