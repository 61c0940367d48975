// Prometheus text exposition (format 0.0.4) of request counts by route template, method and
// status code, a request-latency histogram by route template and method, and the SQL
// statements the store executed (statement_counter.h).
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

namespace sandnet::api {

class Metrics {
 public:
  // route is the template ("/v1/networks/{id}") or "unmatched", never the raw path, so that
  // the label set stays bounded whatever clients send.
  void observe(const std::string& route, const std::string& method, int status,
               double seconds);
  std::string render() const;

 private:
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> buckets{};  // non-cumulative; summed on render
    uint64_t count = 0;
    double sum = 0;
  };

  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;
  std::map<std::pair<std::string, std::string>, Histogram> latency_;
};

}  // namespace sandnet::api
