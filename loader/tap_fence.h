// The last resort of fail-closed: a tap whose programs cannot be attached (the kernel refused
// the link: a full TCX chain, no memory...) is set administratively down — "fenced" — until
// they are. A down device passes no frame either way, with no program on it. The agent
// records each fence it sets as a directory <root>/fenced/<ifindex> in bpffs (beside the
// layout directories: an upgrade keeps them), so that it, or its successor after a restart,
// brings up only the devices it took down, never one that was down for another reason
// (docs/datapath.md, "What happens when…").
#pragma once
#include <cstdint>
#include <set>
#include <string>

namespace sandnet::dp {

class TapFence {
 public:
  // Reads the fences recorded under `dir` and forgets those whose device is gone.
  explicit TapFence(std::string dir);

  // Takes device `ifindex` down (recorded only when it was up). Returns "" when the device is
  // down now, else why it is not.
  std::string fence(uint32_t ifindex);
  // When this agent fenced the device: brings it up and drops the record. Returns false
  // when bringing it up failed (the record stays; retried at the next call).
  bool lift(uint32_t ifindex);
  // Drops the record without touching the device (the runtime released the tap).
  void forget(uint32_t ifindex);
  const std::set<uint32_t>& fenced() const { return fenced_; }

 private:
  std::string record(uint32_t ifindex) const;
  std::string dir_;
  std::set<uint32_t> fenced_;
};

}  // namespace sandnet::dp
