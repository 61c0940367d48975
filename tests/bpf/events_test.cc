// Drop events: sampled into the ring buffer with reason, device and addresses.
#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <linux/pkt_cls.h>

#include <vector>

#include "prog_runner.h"
#include "verdict_world.h"

namespace sandnet::dp::testkit {
namespace {

int collect(void* ctx, void* data, size_t size) {
  if (size >= sizeof(sn_drop_event))
    static_cast<std::vector<sn_drop_event>*>(ctx)->push_back(*static_cast<sn_drop_event*>(data));
  return 0;
}

TEST(DropEvents, SpoofedPacketIsReportedWithItsAddresses) {
  VerdictWorld& w = VerdictWorld::get();
  std::vector<sn_drop_event> events;
  ring_buffer* rb = ring_buffer__new(w.dp->maps().fds().drop_events.get(), collect, &events, nullptr);
  ASSERT_NE(rb, nullptr);
  ring_buffer__consume(rb);  // whatever earlier tests left
  events.clear();

  Ipv4Spec s;
  s.src_be = w.c.ip_be;  // A pretends to be C
  s.dst_be = w.b.ip_be;
  s.proto = 17;
  RunResult r = run_prog(w.ingress(), w.a.ifindex, ipv4_frame(w.config.gateway_mac, w.a.mac, s));
  ASSERT_EQ(r.rc, 0);
  ASSERT_EQ(r.retval, static_cast<uint32_t>(TC_ACT_SHOT));
  ring_buffer__consume(rb);
  ring_buffer__free(rb);

  ASSERT_EQ(events.size(), 1u);  // sample_every = 1 in the test config
  const sn_drop_event& e = events[0];
  EXPECT_EQ(e.reason, static_cast<uint32_t>(SN_DROP_SPOOF_IP));
  EXPECT_EQ(e.ifindex, w.a.ifindex);
  EXPECT_EQ(e.hook, SN_HOOK_INGRESS);
  EXPECT_EQ(e.saddr, w.c.ip_be);
  EXPECT_EQ(e.daddr, w.b.ip_be);
  EXPECT_EQ(e.proto, 17);
  EXPECT_EQ(e.ethertype, 0x0800);
  EXPECT_GT(e.ts_ns, 0u);
}

}  // namespace
}  // namespace sandnet::dp::testkit
