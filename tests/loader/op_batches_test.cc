// The grouping of a plan's ops into BPF_MAP_UPDATE_BATCH calls (loader/op_batches.h), without a
// kernel: runs cover every op once and in order, hold one map's puts with distinct keys, and
// are bounded. What the kernel then does with them: tests/loader/batch_apply_kernel_test.cc.
#include "loader/op_batches.h"

#include <gtest/gtest.h>

#include <set>

#include "plan_oracle.h"

namespace sandnet::dp {
namespace {

using namespace planfx;

PutEndpoint put_ep(int i, uint32_t set_id) {
  sn_endpoint v{};
  v.set_id = set_id;
  v.flags = SN_EP_PRESENT;
  return {ip_of(i), v};
}

// The properties every cut must have, whatever the plan.
void expect_well_formed(const std::vector<MapOp>& ops, const std::vector<OpRun>& runs, size_t max_batch) {
  size_t next = 0;
  for (auto& r : runs) {
    ASSERT_EQ(r.begin, next) << "runs must cover the ops in order";
    ASSERT_GT(r.size(), 0u);
    EXPECT_LE(r.size(), std::max<size_t>(max_batch, 1));
    std::set<std::string> keys;
    for (size_t i = r.begin; i < r.end; ++i) {
      EXPECT_EQ(batch_map_of(ops[i]), r.map) << op_text(ops[i]);
      if (r.size() > 1) {
        EXPECT_NE(r.map, BatchMap::kNone) << "an op written on its own in a run of " << r.size();
        // The key as MapSet writes it: the op's text minus its value.
        auto text = op_text(ops[i]);
        auto key = text.substr(text.find(' ') + 1);
        key = key.substr(0, key.find(' '));
        EXPECT_TRUE(keys.insert(key).second) << "key " << key << " twice in one batch";
      }
    }
    next = r.end;
  }
  EXPECT_EQ(next, ops.size());
}

TEST(OpBatches, ConsecutivePutsOfOneMapFormOneRunAndOtherOpsStandAlone) {
  std::vector<MapOp> ops = {PutNetwork{1, net(1)}, PutNetwork{2, net(2)}, PutSet{1, {1}}, PutSet{2, {1, 2}},
                            PutReachWord{10, 1}, PutReachWord{20, 1},  PutReachWord{30, 3},
                            FillReachRow{4, {}}, FillReachRow{5, {}},  put_ep(1, 1),
                            DelEndpoint{ip_of(2)}, PutTap{101, {}},   DelSet{3}, DelSet{4}};
  auto runs = op_runs(ops, SIZE_MAX);
  expect_well_formed(ops, runs, SIZE_MAX);
  std::vector<std::pair<BatchMap, size_t>> got;
  for (auto& r : runs) got.push_back({r.map, r.size()});
  std::vector<std::pair<BatchMap, size_t>> want = {
      {BatchMap::kNetworks, 2}, {BatchMap::kSetNets, 2}, {BatchMap::kReach, 3}, {BatchMap::kNone, 1},
      {BatchMap::kNone, 1},     {BatchMap::kEndpoints, 2},  // a delete is a write of zeros: same map
      {BatchMap::kNone, 1},     {BatchMap::kNone, 1},      {BatchMap::kNone, 1}};
  EXPECT_EQ(got, want);
}

TEST(OpBatches, AKeyWrittenAgainStartsANewBatchSoItsEmptyMomentStays) {
  // An endpoint that changes place is emptied, then rewritten (docs/datapath.md, "Torn reads").
  std::vector<MapOp> ops = {put_ep(1, 1), PutEndpoint{ip_of(2), {}}, put_ep(3, 1), put_ep(2, 2), put_ep(4, 2)};
  auto runs = op_runs(ops, SIZE_MAX);
  expect_well_formed(ops, runs, SIZE_MAX);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].end, 3u) << "the rewrite of ip 2 must not join the batch that empties it";
  EXPECT_EQ(runs[1].size(), 2u);
}

TEST(OpBatches, RunsAreBoundedAndMaxBatchOneIsOpByOp) {
  std::vector<MapOp> ops;
  for (uint32_t i = 0; i < 10; ++i) ops.push_back(PutReachWord{i, 1});
  auto runs = op_runs(ops, 4);
  expect_well_formed(ops, runs, 4);
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[2].size(), 2u);
  auto single = op_runs(ops, 1);
  EXPECT_EQ(single.size(), ops.size());
  EXPECT_TRUE(op_runs({}, 4).empty());
}

// Plans of random churn (the oracle's model, whole plans of 1 to 12 changes): every cut is
// well formed, and the churn's plans do batch (several runs of more than one op per map).
TEST(OpBatches, ChurnPlansCutWellFormed) {
  std::map<BatchMap, int> batched_runs;
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    ChurnModel model(60, 8, seed);
    MapImage current;
    for (int step = 0; step < 300; ++step) {
      for (int c = 0; c <= step % 12; ++c) model.step();  // up to 12 changes per plan, as in a catch-up
      Plan p = plan_update(model.state(), current, fake_taps(), {});
      for (size_t max_batch : {size_t{1}, size_t{3}, SIZE_MAX}) {
        auto runs = op_runs(p.ops, max_batch);
        expect_well_formed(p.ops, runs, max_batch);
        if (max_batch == SIZE_MAX)
          for (auto& r : runs) batched_runs[r.map] += r.size() > 1;
      }
      current = std::move(p.target);
    }
  }
  for (auto map : {BatchMap::kEndpoints, BatchMap::kReach, BatchMap::kNetworks, BatchMap::kSetNets})
    EXPECT_GT(batched_runs[map], 10) << "the churn never batched map " << static_cast<int>(map);
}

}  // namespace
}  // namespace sandnet::dp
