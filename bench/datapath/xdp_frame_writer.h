// bench/datapath xdp_vs_tc load generator: one thread pinned to a CPU writes
// the same frame to a device fd (a tap's fd, or a packet socket on a veth)
// as fast as it can, and measures its own thread CPU time per frame. On a tap
// the whole receive path (XDP, skb, TC, redirect) runs inside write(), so
// that time is the full cost of a frame. Samples (interval long) never
// straddle a configuration switch: set_epoch() discards the one in progress.
#pragma once
#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace sandnet::bench {

struct WriterSample {
  uint32_t epoch = 0;
  uint64_t frames = 0, cpu_ns = 0, errors = 0;
};

class FrameWriter {
 public:
  FrameWriter(int fd, int cpu, uint32_t interval_ms) : fd_(fd), cpu_(cpu), interval_ms_(interval_ms) {}
  ~FrameWriter() { stop(); }

  void start(std::vector<uint8_t> frame);
  void stop();
  // Call once a switch is complete: later samples carry `epoch`.
  void set_epoch(uint32_t epoch) { epoch_.store(epoch, std::memory_order_release); }
  std::vector<WriterSample> take_samples();

 private:
  void run(std::vector<uint8_t> frame);
  int fd_, cpu_;
  uint32_t interval_ms_;
  std::atomic<bool> stop_{false};
  std::atomic<uint32_t> epoch_{0};
  std::thread thread_;
  std::mutex mu_;
  std::vector<WriterSample> samples_;
};

}  // namespace sandnet::bench
