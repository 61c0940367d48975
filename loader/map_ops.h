// One write of the datapath maps, as the planner orders them: a Plan is a list of these in
// exactly the order they must reach the kernel, and MapSet executes it without knowing why.
#pragma once
#include <cstdint>
#include <string>
#include <variant>

#include "loader/map_image.h"

namespace sandnet::dp {

struct PutNetwork {
  uint32_t index = 0;
  std::string id;  // "net-<ULID>"
};
struct PutSet {
  uint32_t set_id = 0;
  NetIndexList nets;
};
// A tap's whole reach row (zeros included) in one batch write: a row new to an entry is
// never trusted to be empty.
struct FillReachRow {
  uint32_t row = 0;  // counter_row; its words start at row * Plan::reach_words
  ReachRow words;
};
struct PutReachWord {
  uint32_t index = 0;  // absolute: row * reach_words + word
  uint64_t bits = 0;
};
struct PutEndpoint {
  uint32_t ip_be = 0;
  sn_endpoint value{};  // an all-zero value empties the slot (written before a slot changes place)
};
struct PutTap {
  uint32_t ifindex = 0;
  sn_tap value{};  // likewise
};
struct DelEndpoint {
  uint32_t ip_be = 0;
};
struct DelTap {
  uint32_t ifindex = 0;
};
// Zeroes a drop_counts row on every CPU, so the next entry given the row starts at 0.
struct ResetCounterRow {
  uint32_t row = 0;
};
struct DelSet {
  uint32_t set_id = 0;
};
struct DelNetwork {
  uint32_t index = 0;
};
// The overlay between hosts (v7): a host's underlay address, and the reverse.
struct PutHost {
  uint32_t number = 0;
  sn_host value{};
};
struct DelHost {
  uint32_t number = 0;
};
struct PutUnderlayHost {
  uint32_t underlay_be = 0;
  uint32_t number = 0;
};
struct DelUnderlayHost {
  uint32_t underlay_be = 0;
};

using MapOp = std::variant<PutNetwork, PutSet, FillReachRow, PutReachWord, PutEndpoint, PutTap, DelEndpoint,
                           DelTap, ResetCounterRow, DelSet, DelNetwork, PutHost, DelHost, PutUnderlayHost,
                           DelUnderlayHost>;

// One lambda per op kind for std::visit: a new kind that a walker forgets does not compile.
template <typename... F>
struct OpVisitor : F... {
  using F::operator()...;
};
template <typename... F>
OpVisitor(F...) -> OpVisitor<F...>;  // clang 14 has no aggregate deduction (C++20 P1816)

}  // namespace sandnet::dp
