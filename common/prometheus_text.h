// Prometheus text exposition (format 0.0.4): the pieces every exporter of sandnet shares (the
// API's /metrics, the agent's /metrics). Label values come from fixed sets chosen by the
// caller (route templates, reason names), never from what a client sent.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace sandnet::prom {

// "# HELP name help\n# TYPE name type\n"
std::string header(std::string_view name, std::string_view type, std::string_view help);

// A latency histogram with fixed buckets (seconds). Not thread-safe: its owner locks.
class Histogram {
 public:
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
  void observe(double seconds);
  // The _bucket (cumulative, with +Inf), _sum and _count lines; `labels` is "k=\"v\",..." or
  // empty.
  std::string render(std::string_view name, std::string_view labels) const;
  uint64_t count() const { return count_; }

 private:
  std::array<uint64_t, kBuckets.size()> buckets_{};  // non-cumulative; summed on render
  uint64_t count_ = 0;
  double sum_ = 0;
};

}  // namespace sandnet::prom
