// MapSet::apply with BPF_MAP_UPDATE_BATCH against the real kernel: on random churn (the plan
// oracle's model, 1 to 12 changes per plan, planned whole from the maps) the batched
// apply leaves exactly the maps the op-by-op apply leaves, and a batch the kernel refuses
// partway leaves what op by op leaves at the refused op, with the map named.
#include <bpf/bpf.h>
#include <gtest/gtest.h>

#include <map>

#include "kernel_world.h"
#include "loader/bpf_objects.h"
#include "loader/datapath.h"
#include "loader/op_batches.h"
#include "plan_oracle.h"

namespace sandnet::dp {
namespace {

// One set of maps in its own bpffs root, config written, as the agent leaves them.
struct Maps {
  explicit Maps(const char* name) : root(name), objects(BpfObjects::load(root.path(), config())) {
    objects->maps().write_config(make_bpf_config(config()));
  }
  static AgentConfig config() {
    AgentConfig c = kworld::small_config();
    c.overlay = *parse_cidr("10.42.0.0/22");  // a small endpoints array: read_image at every step
    return c;
  }
  MapSet& maps() { return objects->maps(); }
  testkit::BpffsRoot root;
  std::unique_ptr<BpfObjects> objects;
};

TEST(BatchApply, BatchedApplyLeavesTheMapsOfTheOpByOpApplyUnderChurn) {
  Maps batched("ld-batch-a"), bounded("ld-batch-b"), one_by_one("ld-batch-c");
  std::map<BatchMap, int> batches;  // runs of more than one op the churn wrote, per map
  int failures = 0;
  for (uint64_t seed = 1; seed <= 4 && failures == 0; ++seed) {
    planfx::ChurnModel model(40, 6, seed);
    MapImage current = one_by_one.maps().read_image();
    for (int step = 0; step < 200; ++step) {
      for (int c = 0; c <= step % 12; ++c) model.step();  // 1 to 12 changes per plan: larger runs
      // Planned from what the maps hold, as the agent plans after a restart.
      Plan p = plan_update(model.state(), current, planfx::fake_taps(), Maps::config().capacity);
      for (auto& r : op_runs(p.ops, MapSet::kMaxBatch)) batches[r.map] += r.size() > 1;
      size_t n1 = batched.maps().apply(p);
      size_t n2 = bounded.maps().apply(p, 3);  // many cuts: chunk bounds and key repeats
      size_t n3 = one_by_one.maps().apply(p, 1);
      EXPECT_EQ(n1, n3);
      EXPECT_EQ(n2, n3);
      EXPECT_EQ(n3, p.ops.size());
      MapImage want = one_by_one.maps().read_image();
      bool same = batched.maps().read_image() == want && bounded.maps().read_image() == want;
      EXPECT_TRUE(same) << "seed " << seed << " step " << step;
      EXPECT_TRUE(want == p.target) << "seed " << seed << " step " << step;
      if (!same && ++failures) break;
      current = std::move(want);
    }
  }
  for (auto map : {BatchMap::kEndpoints, BatchMap::kReach, BatchMap::kNetworks, BatchMap::kSetNets})
    EXPECT_GT(batches[map], 5) << "the churn never batched map " << static_cast<int>(map);
}

uint64_t reach_word(MapSet& m, uint32_t index) {
  sn_reach_word w{};
  EXPECT_EQ(bpf_map_lookup_elem(m.fds().reach.get(), &index, &w), 0) << index;
  return w.dst_sets;
}

// The kernel refuses the third word of a batch (an index past the reach array: E2BIG): the
// first two are written, the rest not, as op by op, and the error names the map.
TEST(BatchApply, ABatchRefusedPartwayLeavesWhatOpByOpLeavesAtTheRefusedOp) {
  Maps batched("ld-batch-fa"), one_by_one("ld-batch-fb");
  bpf_map_info info{};
  uint32_t len = sizeof info;
  ASSERT_EQ(bpf_obj_get_info_by_fd(batched.maps().fds().reach.get(), &info, &len), 0);
  Plan p;
  p.ops = {PutReachWord{3, 0x11}, PutReachWord{4, 0x22}, PutReachWord{info.max_entries, 0x33},
           PutReachWord{5, 0x44}};
  ASSERT_EQ(op_runs(p.ops, MapSet::kMaxBatch).size(), 1u) << "one batch";
  std::string messages[2];
  for (auto [maps, max_batch, message] :
       {std::tuple{&batched, MapSet::kMaxBatch, &messages[0]}, std::tuple{&one_by_one, size_t{1}, &messages[1]}}) {
    try {
      maps->maps().apply(p, max_batch);
      ADD_FAILURE() << "the kernel took a word past the reach array";
    } catch (const std::runtime_error& e) {
      *message = e.what();
    }
  }
  EXPECT_NE(messages[0].find("reach"), std::string::npos) << messages[0];
  EXPECT_NE(messages[0].find("the first 2 written"), std::string::npos) << messages[0];
  EXPECT_NE(messages[1].find("reach"), std::string::npos) << messages[1];
  for (uint32_t i : {3u, 4u, 5u}) EXPECT_EQ(reach_word(batched.maps(), i), reach_word(one_by_one.maps(), i)) << i;
  EXPECT_EQ(reach_word(batched.maps(), 4), 0x22u);
  EXPECT_EQ(reach_word(batched.maps(), 5), 0u) << "an op after the refused one was written";
}

// An endpoint refused before any syscall (outside the overlay) in the middle of a run: the
// endpoints before it are written, the ones after not.
TEST(BatchApply, AnEndpointRefusedMidRunLeavesTheOnesBeforeItWritten) {
  Maps batched("ld-batch-ea"), one_by_one("ld-batch-eb");
  Plan p;
  auto put = [](uint32_t ip_be, uint32_t set_id) {
    sn_endpoint v{};
    v.set_id = set_id;
    v.flags = SN_EP_PRESENT;
    return PutEndpoint{ip_be, v};
  };
  p.ops = {put(kworld::ip(0), 1), put(kworld::ip(1), 1), put(*parse_ipv4("192.0.2.9"), 1), put(kworld::ip(2), 1)};
  for (auto [maps, max_batch] : {std::pair{&batched, MapSet::kMaxBatch}, std::pair{&one_by_one, size_t{1}}}) {
    try {
      maps->maps().apply(p, max_batch);
      ADD_FAILURE() << "an endpoint outside the overlay was written";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("outside the overlay"), std::string::npos) << e.what();
    }
  }
  MapImage got = batched.maps().read_image();
  EXPECT_TRUE(got == one_by_one.maps().read_image());
  EXPECT_EQ(got.endpoints.size(), 2u);
  EXPECT_FALSE(got.endpoints.count(kworld::ip(2)));
}

}  // namespace
}  // namespace sandnet::dp
