#include "loader/op_batches.h"

#include <unordered_set>
#include <variant>

namespace sandnet::dp {
namespace {

// The op's key in its map (an endpoint by its IP: one slot per overlay address).
uint32_t key_of(const MapOp& op) {
  return std::visit(OpVisitor{
                        [](const PutNetwork& o) { return o.index; },
                        [](const PutSet& o) { return o.set_id; },
                        [](const PutReachWord& o) { return o.index; },
                        [](const PutEndpoint& o) { return o.ip_be; },
                        [](const DelEndpoint& o) { return o.ip_be; },
                        [](const PutHost& o) { return o.number; },
                        [](const PutUnderlayHost& o) { return o.underlay_be; },
                        [](const auto&) { return uint32_t{0}; },
                    },
                    op);
}

}  // namespace

BatchMap batch_map_of(const MapOp& op) {
  return std::visit(OpVisitor{
                        [](const PutNetwork&) { return BatchMap::kNetworks; },
                        [](const PutSet&) { return BatchMap::kSetNets; },
                        [](const PutReachWord&) { return BatchMap::kReach; },
                        [](const PutEndpoint&) { return BatchMap::kEndpoints; },
                        [](const DelEndpoint&) { return BatchMap::kEndpoints; },
                        [](const PutHost&) { return BatchMap::kHosts; },
                        [](const PutUnderlayHost&) { return BatchMap::kUnderlayHosts; },
                        // Written on their own: a row filled whole is already one batch; a
                        // tap's home depends on its slot's owner (loader/tap_slots.h); a
                        // counter row is per CPU; deletes tolerate an absent key, which
                        // BPF_MAP_DELETE_BATCH does not.
                        [](const FillReachRow&) { return BatchMap::kNone; },
                        [](const PutTap&) { return BatchMap::kNone; },
                        [](const DelTap&) { return BatchMap::kNone; },
                        [](const ResetCounterRow&) { return BatchMap::kNone; },
                        [](const DelSet&) { return BatchMap::kNone; },
                        [](const DelNetwork&) { return BatchMap::kNone; },
                        [](const DelHost&) { return BatchMap::kNone; },
                        [](const DelUnderlayHost&) { return BatchMap::kNone; },
                    },
                    op);
}

std::vector<OpRun> op_runs(const std::vector<MapOp>& ops, size_t max_batch) {
  std::vector<OpRun> runs;
  std::unordered_set<uint32_t> keys;  // of the open run
  for (size_t i = 0; i < ops.size(); ++i) {
    BatchMap map = batch_map_of(ops[i]);
    uint32_t key = key_of(ops[i]);
    bool extend = !runs.empty() && map != BatchMap::kNone && runs.back().map == map &&
                  runs.back().size() < max_batch && !keys.count(key);
    if (!extend) {
      runs.push_back({i, i, map});
      keys.clear();
    }
    runs.back().end = i + 1;
    if (map != BatchMap::kNone) keys.insert(key);
  }
  return runs;
}

}  // namespace sandnet::dp
