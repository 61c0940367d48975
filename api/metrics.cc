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
  latency_[{route, m}].observe(seconds);
}

std::string Metrics::render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out = prom::header("sandnet_api_requests_total", "counter",
                                 "HTTP requests answered, by route template and code.");
  for (const auto& [key, n] : requests_) {
    const auto& [route, method, code] = key;
    out += fmt::format("sandnet_api_requests_total{{route=\"{}\",method=\"{}\",code=\"{}\"}} {}\n",
                       route, method, code, n);
  }
  out += prom::header("sandnet_api_request_duration_seconds", "histogram",
                      "Time from request start to handler end.");
  for (const auto& [key, h] : latency_) {
    const auto& [route, method] = key;
    out += h.render("sandnet_api_request_duration_seconds",
                    fmt::format("route=\"{}\",method=\"{}\"", route, method));
  }
  out += "# HELP sandnet_api_store_statements_total SQL statements the store executed.\n";
  out += "# TYPE sandnet_api_store_statements_total counter\n";
  out += fmt::format("sandnet_api_store_statements_total {}\n", statements_executed());
  return out;
}

}  // namespace sandnet::api
