#include "api/metrics.h"

#include <fmt/format.h>

#include "api/statement_counter.h"

namespace sandnet::api {
namespace {

// Methods outside this set are folded into "other": the label set must stay bounded.
std::string method_label(const std::string& method) {
  for (const char* known : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
    if (method == known) return method;
  }
  return "other";
}

}  // namespace

void Metrics::observe(const std::string& route, const std::string& method, int status,
                      double seconds) {
  std::string m = method_label(method);
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{route, m, status}];
  Histogram& h = latency_[{route, m}];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      ++h.buckets[i];
      break;
    }
  }
  ++h.count;
  h.sum += seconds;
}

std::string Metrics::render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  out += "# HELP sandnet_api_requests_total HTTP requests answered, by route template and code.\n";
  out += "# TYPE sandnet_api_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    const auto& [route, method, code] = key;
    out += fmt::format("sandnet_api_requests_total{{route=\"{}\",method=\"{}\",code=\"{}\"}} {}\n",
                       route, method, code, n);
  }
  out += "# HELP sandnet_api_request_duration_seconds Time from request start to handler end.\n";
  out += "# TYPE sandnet_api_request_duration_seconds histogram\n";
  for (const auto& [key, h] : latency_) {
    const auto& [route, method] = key;
    std::string labels = fmt::format("route=\"{}\",method=\"{}\"", route, method);
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += h.buckets[i];
      out += fmt::format("sandnet_api_request_duration_seconds_bucket{{{},le=\"{}\"}} {}\n",
                         labels, kBuckets[i], cumulative);
    }
    out += fmt::format("sandnet_api_request_duration_seconds_bucket{{{},le=\"+Inf\"}} {}\n",
                       labels, h.count);
    out += fmt::format("sandnet_api_request_duration_seconds_sum{{{}}} {}\n", labels, h.sum);
    out += fmt::format("sandnet_api_request_duration_seconds_count{{{}}} {}\n", labels, h.count);
  }
  out += "# HELP sandnet_api_store_statements_total SQL statements the store executed.\n";
  out += "# TYPE sandnet_api_store_statements_total counter\n";
  out += fmt::format("sandnet_api_store_statements_total {}\n", statements_executed());
  return out;
}

}  // namespace sandnet::api
