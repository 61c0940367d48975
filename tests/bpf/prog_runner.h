// Runs a TC program once or many times through BPF_PROG_TEST_RUN, as if a
// frame arrived on a given device (ctx_in = struct __sk_buff with ifindex).
#pragma once
#include <cstdint>
#include <optional>

#include "frames.h"

namespace sandnet::dp::testkit {

struct RunResult {
  int rc = 0;            // syscall result (negative errno on failure)
  uint32_t retval = 0;   // TC_ACT_* (TC_ACT_REDIRECT = 7 after bpf_redirect)
  uint32_t duration_ns = 0;  // mean over repeat
  Frame out;
  uint32_t mark = 0;     // skb->mark after the run
};

RunResult run_prog(int prog_fd, uint32_t ifindex, const Frame& in, uint32_t repeat = 1,
                   uint32_t mark = 0);

}  // namespace sandnet::dp::testkit
