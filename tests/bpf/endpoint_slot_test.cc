// The endpoints array (layout v3): a slot is indexed by the host part of the
// overlay address, and only a slot flagged SN_EP_PRESENT is an endpoint. An
// all-zero or unflagged slot is "no endpoint" (fail closed), whatever else
// it holds.
#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <linux/pkt_cls.h>

#include "prog_runner.h"
#include "verdict_world.h"

namespace sandnet::dp::testkit {
namespace {

constexpr uint32_t kSlot = 7;  // 10.42.0.7: no endpoint in the world

class EndpointSlot : public ::testing::Test {
 protected:
  void TearDown() override { write(sn_endpoint{}); }  // the world is shared: leave the slot empty

  void write(const sn_endpoint& v) {
    uint32_t key = kSlot;
    ASSERT_EQ(bpf_map_update_elem(w.dp->maps().fds().endpoints.get(), &key, &v, BPF_ANY), 0);
  }
  // What B's entry would be if B also lived at 10.42.0.7.
  sn_endpoint like_b(uint32_t flags) {
    sn_endpoint v = w.dp->maps().read_image().endpoints.at(w.b.ip_be);
    v.flags = flags;
    return v;
  }
  RunResult send_to_slot() {
    Ipv4Spec s;
    s.src_be = w.a.ip_be;
    s.dst_be = *parse_ipv4("10.42.0.7");
    return run_prog(w.ingress(), w.a.ifindex, ipv4_frame(w.config.gateway_mac, w.a.mac, s));
  }

  VerdictWorld& w = VerdictWorld::get();
};

TEST_F(EndpointSlot, EmptySlotIsNoEndpoint) {
  uint64_t before = w.drops(w.a.ifindex, SN_HOOK_INGRESS, SN_DROP_NO_ENDPOINT);
  RunResult r = send_to_slot();
  ASSERT_EQ(r.rc, 0);
  EXPECT_EQ(r.retval, static_cast<uint32_t>(TC_ACT_SHOT));
  EXPECT_EQ(w.drops(w.a.ifindex, SN_HOOK_INGRESS, SN_DROP_NO_ENDPOINT), before + 1);
}

TEST_F(EndpointSlot, SlotWithoutThePresentFlagIsNoEndpoint) {
  write(like_b(0));
  uint64_t before = w.drops(w.a.ifindex, SN_HOOK_INGRESS, SN_DROP_NO_ENDPOINT);
  RunResult r = send_to_slot();
  ASSERT_EQ(r.rc, 0);
  EXPECT_EQ(r.retval, static_cast<uint32_t>(TC_ACT_SHOT));
  EXPECT_EQ(w.drops(w.a.ifindex, SN_HOOK_INGRESS, SN_DROP_NO_ENDPOINT), before + 1);
  EXPECT_FALSE(w.dp->maps().read_image().endpoints.count(*parse_ipv4("10.42.0.7")));
}

TEST_F(EndpointSlot, FlaggedSlotIsTheEndpointAtThatAddress) {
  write(like_b(SN_EP_PRESENT));
  RunResult r = send_to_slot();
  ASSERT_EQ(r.rc, 0);
  EXPECT_EQ(r.retval, static_cast<uint32_t>(TC_ACT_REDIRECT));  // A and B share net1
  EXPECT_TRUE(w.dp->maps().read_image().endpoints.count(*parse_ipv4("10.42.0.7")));
}

}  // namespace
}  // namespace sandnet::dp::testkit
