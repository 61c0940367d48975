// Requests per second per caller (a tenant, or a host agent), as token buckets in memory:
// `rate` tokens a second up to `burst`. Over the rate, a request is answered 429 with
// Retry-After before it touches the database. Per process: with several replicas each one
// allows the rate (docs/api.md).
#pragma once
#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace sandnet::api {

class RateLimiter {
 public:
  // rate <= 0: unlimited.
  RateLimiter(double rate, double burst) : rate_(rate), burst_(burst) {}

  // 0 when allowed now, else the whole seconds to wait before the next token.
  int take(const std::string& caller);

 private:
  using Clock = std::chrono::steady_clock;
  struct Bucket {
    double tokens;
    Clock::time_point at;
  };

  double rate_, burst_;
  std::mutex mu_;
  std::map<std::string, Bucket> buckets_;
};

}  // namespace sandnet::api
