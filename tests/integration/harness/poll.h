// Bounded polling: the only way integration tests wait. Every wait has a deadline, so a
// broken datapath fails a test instead of hanging CI, and a slow machine only costs time.
#pragma once
#include <chrono>
#include <functional>
#include <thread>

namespace sandnet::testing {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Calls `done` until it returns true or `timeout` has passed; true when it succeeded.
inline bool eventually(milliseconds timeout, milliseconds interval, const std::function<bool()>& done) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (done()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(interval);
  }
}

}  // namespace sandnet::testing
