// Runs an XDP program once through BPF_PROG_TEST_RUN, as if a frame arrived
// on a given device (ctx_in = struct xdp_md with ingress_ifindex).
#pragma once
#include <cstdint>

#include "frames.h"

namespace sandnet::dp::testkit {

struct XdpRunResult {
  int rc = 0;           // syscall result (negative errno on failure)
  uint32_t retval = 0;  // XDP_DROP / XDP_PASS
};

XdpRunResult run_xdp(int prog_fd, uint32_t ifindex, const Frame& in);

}  // namespace sandnet::dp::testkit
