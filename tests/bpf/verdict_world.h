// The test world of the BPF verdict tests: five local sandboxes on dummy
// devices and one remote peer, loaded through the real loader into the real
// kernel (private netns, private bpffs root).
//   net1 = {A, B, R(remote), O}, net2 = {B, C}, net3 = {E}, D in no network.
// O's ifindex shares A's slot of the taps array: its entry is in taps_overflow.
#pragma once
#include <memory>

#include "frames.h"
#include "loader/datapath.h"
#include "test_host.h"

namespace sandnet::dp::testkit {

struct Guest {
  const char* tap;
  uint32_t ip_be;
  MacAddr mac;
  uint32_t ifindex = 0;
  MacAddr tap_mac{};
};

struct VerdictWorld {
  static VerdictWorld& get();  // built on first use, torn down at exit

  AgentConfig config;
  std::unique_ptr<BpffsRoot> root;
  std::unique_ptr<Datapath> dp;
  Guest a, b, c, d, e;
  Guest o;             // sandbox F, on a huge ifindex whose slot A holds: found through overflow
  uint32_t z_ifindex;  // a device whose slot C holds, with no entry of its own
  Guest q;  // a tap the agent cannot place: quarantined (drop-all); its frames use A's addresses
  uint32_t remote_ip_be;
  uint32_t stray_ifindex;  // a device with the program's hook but no tap entry
  int ingress() const { return dp->objects().ingress_prog_fd(); }
  int egress() const { return dp->objects().egress_prog_fd(); }
  // A device without a tap entry reads row 0 (ifindex 0 in the view).
  uint64_t drops(uint32_t ifindex, uint32_t hook, int reason);
};

}  // namespace sandnet::dp::testkit
