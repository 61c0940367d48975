// drop_counts (layout v3 on): a per-CPU array with one row per local tap, the
// row carried by the tap entry. The view keys it by ifindex again; a row
// freed by a removed tap starts from zero for the next tap given it. Since
// v4 the row also holds the sampling countdown.
#include <gtest/gtest.h>
#include <linux/pkt_cls.h>

#include <bpf/libbpf.h>
#include <sched.h>

#include <algorithm>
#include <set>
#include <vector>

#include "kernel_world.h"
#include "prog_runner.h"

namespace sandnet::dp {
namespace {

using namespace kworld;

// A frame from guest `from` on its own tap with a spoofed source IP.
void spoof_from(const Datapath& dp, int from) {
  testkit::Ipv4Spec s;
  s.src_be = ip(3);
  s.dst_be = ip(0);
  auto r = testkit::run_prog(dp.objects().ingress_prog_fd(), taps()[from],
                             testkit::ipv4_frame(MacAddr{0x02, 0x53, 0x4e, 0, 0, 1},
                                                 {0x02, 0, 0, 0, 1, static_cast<uint8_t>(from)}, s));
  ASSERT_EQ(r.retval, static_cast<uint32_t>(TC_ACT_SHOT));
}

uint64_t spoofs(Datapath& dp, int from) {
  auto all = dp.maps().read_counters();
  auto it = all.find({taps()[from], SN_HOOK_INGRESS});
  return it == all.end() ? 0 : it->second.drops[SN_DROP_SPOOF_IP];
}

TEST(DropCounters, EveryTapHasItsOwnRow) {
  testkit::BpffsRoot root("ld-rows");
  Datapath dp(small_config(), root.path());
  dp.apply(state(3, {{1, {0, 1, 2}}}));
  std::set<uint32_t> rows;
  for (auto& [_, t] : dp.maps().read_image().taps) {
    EXPECT_GE(t.counter_row, 1u);
    EXPECT_LE(t.counter_row, small_config().capacity.max_local_taps);
    rows.insert(t.counter_row);
  }
  EXPECT_EQ(rows.size(), 3u);
  spoof_from(dp, 1);
  spoof_from(dp, 1);
  spoof_from(dp, 2);
  EXPECT_EQ(spoofs(dp, 0), 0u);
  EXPECT_EQ(spoofs(dp, 1), 2u);
  EXPECT_EQ(spoofs(dp, 2), 1u);
}

TEST(DropCounters, ARemovedTapsRowStartsAtZeroForTheNextTap) {
  testkit::BpffsRoot root("ld-rowreset");
  Datapath dp(small_config(), root.path());
  dp.apply(state(2, {{1, {0, 1}}}));
  uint32_t row = dp.maps().read_image().taps.at(taps()[1]).counter_row;
  spoof_from(dp, 1);
  EXPECT_EQ(spoofs(dp, 1), 1u);
  dp.apply(state(1, {{1, {0}}}), {tap(1)});  // tap 1 is unplugged: its row is reset
  dp.apply(state(2, {{1, {0, 1}}}));
  EXPECT_EQ(dp.maps().read_image().taps.at(taps()[1]).counter_row, row);  // the smallest free row
  EXPECT_EQ(spoofs(dp, 1), 0u);
}

TEST(DropCounters, RowsSurviveARestart) {
  testkit::BpffsRoot root("ld-rowkeep");
  MapImage before;
  {
    Datapath dp(small_config(), root.path());
    dp.apply(state(3, {{1, {0, 1, 2}}}));
    spoof_from(dp, 2);
    before = dp.maps().read_image();
  }
  Datapath again(small_config(), root.path());
  EXPECT_EQ(again.apply(state(3, {{1, {0, 1, 2}}})).map_writes, 0u);
  EXPECT_TRUE(again.maps().read_image() == before);
  EXPECT_EQ(spoofs(again, 2), 1u);
}

int count_event(void* ctx, void* data, size_t size) {
  if (size >= sizeof(sn_drop_event))
    static_cast<std::vector<uint32_t>*>(ctx)->push_back(static_cast<sn_drop_event*>(data)->ifindex);
  return 0;
}

TEST(DropCounters, OneDropInNIsSampledPerTapAndCpu) {
  // The countdown is per CPU: run every packet on one CPU.
  cpu_set_t one, saved;
  ASSERT_EQ(sched_getaffinity(0, sizeof saved, &saved), 0);
  CPU_ZERO(&one);
  CPU_SET(sched_getcpu(), &one);
  ASSERT_EQ(sched_setaffinity(0, sizeof one, &one), 0);

  testkit::BpffsRoot root("ld-sample");
  AgentConfig config = small_config();
  config.drop_sample_every = 4;
  Datapath dp(config, root.path());
  dp.apply(state(3, {{1, {0, 1, 2}}}));
  std::vector<uint32_t> events;
  ring_buffer* rb = ring_buffer__new(dp.maps().fds().drop_events.get(), count_event, &events, nullptr);
  ASSERT_NE(rb, nullptr);
  for (int i = 0; i < 9; ++i) spoof_from(dp, 1);  // sampled: the 1st, 5th and 9th
  spoof_from(dp, 2);                              // another row: its first drop is sampled
  ring_buffer__consume(rb);
  ring_buffer__free(rb);
  sched_setaffinity(0, sizeof saved, &saved);

  EXPECT_EQ(std::count(events.begin(), events.end(), taps()[1]), 3);
  EXPECT_EQ(std::count(events.begin(), events.end(), taps()[2]), 1);
  EXPECT_EQ(spoofs(dp, 1), 9u);  // every drop is counted
}

}  // namespace
}  // namespace sandnet::dp
