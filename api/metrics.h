// Prometheus text exposition (format 0.0.4) of request counts by route template, method and
// status code, a request-latency histogram by route template and method, and the SQL
// statements the store executed (statement_counter.h).
#pragma once
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "common/prometheus_text.h"

namespace sandnet::api {

class Metrics {
 public:
  // route is the template ("/v1/networks/{id}") or "unmatched", never the raw path, so that
  // the label set stays bounded whatever clients send.
  void observe(const std::string& route, const std::string& method, int status,
               double seconds);
  std::string render() const;

 private:
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;
  std::map<std::pair<std::string, std::string>, prom::Histogram> latency_;
};

}  // namespace sandnet::api
