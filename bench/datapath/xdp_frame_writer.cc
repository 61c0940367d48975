#include "xdp_frame_writer.h"

#include <fmt/format.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "clock_ns.h"

namespace sandnet::bench {

void FrameWriter::start(std::vector<uint8_t> frame) {
  stop_ = false;
  thread_ = std::thread([this, f = std::move(frame)]() mutable { run(std::move(f)); });
}

void FrameWriter::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

std::vector<WriterSample> FrameWriter::take_samples() {
  std::lock_guard lock(mu_);
  return std::exchange(samples_, {});
}

void FrameWriter::run(std::vector<uint8_t> frame) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu_, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0)
    fmt::print(stderr, "writer affinity to CPU {}: {}\n", cpu_, std::strerror(errno));
  const uint64_t interval = uint64_t{interval_ms_} * 1000000ull;
  WriterSample cur{epoch_.load(std::memory_order_acquire)};
  uint64_t cpu0 = now_ns(CLOCK_THREAD_CPUTIME_ID), end = now_ns(CLOCK_MONOTONIC) + interval;
  while (!stop_.load(std::memory_order_relaxed)) {
    for (int i = 0; i < 32; ++i) {
      if (write(fd_, frame.data(), frame.size()) == static_cast<ssize_t>(frame.size())) ++cur.frames;
      else ++cur.errors;
    }
    uint32_t epoch = epoch_.load(std::memory_order_acquire);
    uint64_t now = now_ns(CLOCK_MONOTONIC);
    if (epoch == cur.epoch && now < end) continue;
    uint64_t cpu1 = now_ns(CLOCK_THREAD_CPUTIME_ID);
    if (epoch == cur.epoch) {  // a whole interval inside one configuration
      cur.cpu_ns = cpu1 - cpu0;
      std::lock_guard lock(mu_);
      samples_.push_back(cur);
    }
    cur = WriterSample{epoch};
    cpu0 = cpu1;
    end = now + interval;
  }
}

}  // namespace sandnet::bench
