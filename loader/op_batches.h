// Which ops of a Plan MapSet::apply writes with one BPF_MAP_UPDATE_BATCH call: a run of
// consecutive puts into one map (same flags: BPF_ANY), cut where a key comes back and at a
// bounded size. Kernel-free, so the grouping is unit-tested (tests/loader/op_batches_test.cc).
//
// A key never appears twice in one batch: the kernel's generic_map_update_batch writes in
// order (the last value would win), but a slot written twice in a plan is a slot emptied
// before it is rewritten elsewhere (docs/datapath.md, "Torn reads"), and that empty moment
// must reach the map as it would op by op. So the run is cut there instead.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "loader/map_ops.h"

namespace sandnet::dp {

// The map a batchable op writes. kNone: written on its own (deletes, taps: placed per entry,
// a row filled whole, counter resets).
enum class BatchMap { kNone, kEndpoints, kReach, kNetworks, kSetNets, kHosts, kUnderlayHosts };

struct OpRun {
  size_t begin = 0, end = 0;  // ops[begin, end)
  BatchMap map = BatchMap::kNone;
  size_t size() const { return end - begin; }
};

// Puts (and DelEndpoint, a write of zeros) per map.
BatchMap batch_map_of(const MapOp& op);

// The plan's ops cut into runs, in order, covering every op once: an op of kNone is a run of
// its own; consecutive ops of one map form a run of at most `max_batch` ops with distinct
// keys. max_batch 1 gives one run per op (op by op).
std::vector<OpRun> op_runs(const std::vector<MapOp>& ops, size_t max_batch);

}  // namespace sandnet::dp
