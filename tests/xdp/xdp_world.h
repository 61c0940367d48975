// The XDP program loaded on the maps of the verdict tests' world, and the
// questions both XDP tests ask of it: what XDP did, what tap_ingress did.
#pragma once
#include <memory>

#include "bench/datapath/xdp_program.h"
#include "verdict_world.h"
#include "xdp_runner.h"

namespace sandnet::dp::testkit {

inline int xdp_prog() {
  static std::unique_ptr<XdpProgram> prog = XdpProgram::load(VerdictWorld::get().root->path());
  return prog->prog_fd();
}

inline int xdp_spoofing_only_prog() {
  static std::unique_ptr<XdpProgram> prog =
      XdpProgram::load(VerdictWorld::get().root->path(), XdpScope::kSpoofingOnly);
  return prog->prog_fd();
}

// The one drop reason whose counter moved for {ifindex, hook} while run()
// ran, -1 if none did, -2 if several did.
template <class Run>
int counted_reason(VerdictWorld& w, uint32_t ifindex, uint32_t hook, Run run) {
  auto before = w.dp->maps().read_counters()[{ifindex, hook}];
  run();
  auto after = w.dp->maps().read_counters()[{ifindex, hook}];
  int moved = -1;
  for (int r = 0; r < SN_DROP__MAX; ++r)
    if (after.drops[r] != before.drops[r]) moved = moved == -1 ? r : -2;
  return moved;
}

}  // namespace sandnet::dp::testkit
