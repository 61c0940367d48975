// A map write failing in the middle of an apply, against the real kernel: another writer
// fills the set_nets hash behind the agent's back, so the kernel refuses (E2BIG) the second of
// the two new sets an update puts, after its first network and set are written (the sets go
// in one batch call, which the kernel stops at the refused set). What is left
// must be fail-closed (every tap keeps its programs and entry, no frame passes that neither
// the old nor the new state allows), the apply must not look applied (it throws), and once
// the fault is gone the next apply converges. (Attach failures: attach_failure_test.cc.)
#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <linux/pkt_cls.h>

#include <filesystem>

#include "kernel_world.h"
#include "loader/pin_paths.h"
#include "prog_runner.h"

namespace sandnet::dp {
namespace {

using namespace kworld;

// What tap_ingress does with an ICMP echo from guest `from` to guest `to`.
bool passes(const Datapath& dp, int from, int to) {
  testkit::Ipv4Spec s;
  s.src_be = ip(from);
  s.dst_be = ip(to);
  auto r = testkit::run_prog(dp.objects().ingress_prog_fd(), taps()[from],
                             testkit::ipv4_frame(MacAddr{0x02, 0x53, 0x4e, 0, 0, 1},
                                                 {0x02, 0, 0, 0, 1, static_cast<uint8_t>(from)}, s));
  return r.retval == static_cast<uint32_t>(TC_ACT_REDIRECT);
}

size_t count_links(const std::string& root) {
  size_t n = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(links_dir(root))) ++n;
  return n;
}

TEST(ApplyFault, AWriteFailingMidApplyLeavesTheMapsFailClosedAndTheNextApplyConverges) {
  testkit::BpffsRoot root("ld-fault");
  Datapath dp(small_config(), root.path());
  auto old_state = state(4, {{1, {0, 1, 2}}, {2, {2, 3}}});
  dp.apply(old_state);
  bool before[kTaps][kTaps];
  for (int a = 0; a < kTaps; ++a)
    for (int b = 0; b < kTaps; ++b) before[a][b] = passes(dp, a, b);
  ASSERT_TRUE(before[0][1] && before[2][3] && !before[0][3]);
  MapImage image_before = dp.maps().read_image();

  // 0 leaves net 1 for net 3 with 3 (a new set {3}); 1 joins net 4 (a new set {1,4}).
  auto new_state = state(4, {{1, {1, 2}}, {2, {2, 3}}, {3, {0, 3}}, {4, {1}}});
  // Another writer leaves room for exactly one new set.
  UniqueFd sets(bpf_obj_get(map_pin(root.path(), "set_nets").c_str()));
  ASSERT_TRUE(sets.valid());
  std::vector<uint32_t> foreign;
  const uint32_t room = small_config().capacity.max_sets - static_cast<uint32_t>(image_before.set_nets.size());
  for (uint32_t k = 1000; foreign.size() + 1 < room; ++k) {
    sn_set_nets v{};
    v.count = 1;
    v.nets[0] = 999;
    ASSERT_EQ(bpf_map_update_elem(sets.get(), &k, &v, BPF_NOEXIST), 0) << k;
    foreign.push_back(k);
  }
  try {
    dp.apply(new_state);
    FAIL() << "the kernel accepted a set beyond the map's size";
  } catch (const CapacityError& e) {
    FAIL() << "refused before any write: " << e.what();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("set_nets"), std::string::npos) << e.what();
    // The new sets go in one BPF_MAP_UPDATE_BATCH: the kernel wrote the first and refused the
    // second, as op by op (tests/loader/batch_apply_kernel_test.cc compares the two).
    EXPECT_NE(std::string(e.what()).find("the first 1 written"), std::string::npos) << e.what();
  }
  // Fail-closed: the writes before the failure stay, nothing else.
  MapImage partial = dp.maps().read_image();
  EXPECT_GT(partial.networks.size(), image_before.networks.size()) << "the failure was not mid-apply";
  EXPECT_EQ(count_links(root.path()), 2u * kTaps) << "a tap lost its programs";
  for (int i = 0; i < kTaps; ++i) {
    ASSERT_TRUE(partial.taps.count(taps()[i])) << "tap " << i << " lost its entry";
    EXPECT_TRUE(same_bytes(partial.taps.at(taps()[i]), image_before.taps.at(taps()[i]))) << i;
  }
  for (int a = 0; a < kTaps; ++a)
    for (int b = 0; b < kTaps; ++b) EXPECT_EQ(passes(dp, a, b), before[a][b]) << a << "->" << b;

  // The fault goes; the next apply converges to the new state, and the one after writes nothing.
  for (uint32_t k : foreign) ASSERT_EQ(bpf_map_delete_elem(sets.get(), &k), 0);
  auto r = dp.apply(new_state);
  EXPECT_TRUE(r.quarantined.empty());
  EXPECT_TRUE(passes(dp, 0, 3) && passes(dp, 3, 0)) << "0 and 3 share net 3";
  EXPECT_FALSE(passes(dp, 0, 1)) << "0 left net 1";
  EXPECT_TRUE(passes(dp, 1, 2) && passes(dp, 2, 3));
  EXPECT_EQ(dp.apply(new_state).map_writes, 0u);
  Datapath restarted(small_config(), root.path());
  EXPECT_EQ(restarted.apply(new_state).map_writes, 0u) << "what is in the kernel is exactly the plan";
}

}  // namespace
}  // namespace sandnet::dp
