// Nanoseconds of a clock (CLOCK_MONOTONIC, CLOCK_THREAD_CPUTIME_ID...), for
// the load generators that report their own CPU time per packet.
#pragma once
#include <time.h>

#include <cstdint>

namespace sandnet::bench {

inline uint64_t now_ns(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace sandnet::bench
