// The agent's HTTP client for the host routes of sandnet-api (docs/host-feed.md): the long-poll
// feed and the runtime reports (plug, unplug, applied). Every call opens its own connection
// so the feed's long poll never blocks a report made from another thread. With several API
// URLs (replicas on one database) it sticks to one and fails over to the next when that one
// cannot be reached (docs/agent.md, "Several API replicas").
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sync/host_view.h"

namespace sandnet::sync {

struct ApiError : std::runtime_error {
  // status 0: transport failure (unreachable, timeout, torn answer): worth retrying.
  ApiError(int status, const std::string& message) : std::runtime_error(message), status(status) {}
  int status;
  bool unreachable() const { return status == 0 || status >= 500; }
};

struct FeedClientOptions {
  // "http://127.0.0.1:8080", or several replicas of one API (same database), tried in turn.
  std::vector<std::string> base_urls;
  std::string host_id;
  std::string token;
  std::chrono::seconds connect_timeout{3};
  std::chrono::seconds request_timeout{10};  // reports; the feed adds its own long-poll time
  // A 429 or 503 with Retry-After means the API refused before doing anything (over this
  // host's request rate, its queue full, the store busy): wait as told and ask again, at most
  // busy_retries times and only for waits up to max_retry_after; beyond, the call fails.
  int busy_retries = 3;
  std::chrono::seconds max_retry_after{5};
};

class FeedClient {
 public:
  explicit FeedClient(FeedClientOptions options);

  // One feed answer (snapshot or changes), parsed record by record. since 0 asks for a snapshot.
  // A malformed answer throws FeedFormatError.
  FeedAnswer feed(uint64_t since, std::chrono::seconds long_poll);
  // Places the sandbox on this host, running; returns its record (with the overlay ip).
  SandboxRecord plug(const std::string& sandbox_id, const std::optional<std::string>& mac);
  void unplug(const std::string& sandbox_id);
  void report_applied(uint64_t revision);

  const FeedClientOptions& options() const { return options_; }
  // The URL calls go to now (the last one that answered).
  const std::string& current_url() const { return options_.base_urls[current_.load()]; }

 private:
  struct Raw {
    int status;
    std::string body;
  };
  Raw request(const std::string& method, const std::string& path, const nlohmann::json* body,
              std::chrono::seconds read_timeout);
  Raw request_on(const std::string& method, const std::string& path, const nlohmann::json* body,
                 std::chrono::seconds read_timeout, size_t url);
  Raw request_once(const std::string& base_url, const std::string& method, const std::string& path,
                   const nlohmann::json* body, std::chrono::seconds read_timeout,
                   std::optional<int>& retry_after);
  nlohmann::json call(const std::string& method, const std::string& path, const nlohmann::json* body,
                      std::chrono::seconds read_timeout);
  [[noreturn]] void fail(const std::string& method, const std::string& path, const Raw& raw);
  FeedClientOptions options_;
  std::atomic<size_t> current_{0};
};

// A call that never reached the server: nothing was sent, so another replica may take it, a
// POST included. (A timeout after sending is not: the first replica may have done it.)
struct NotSent : ApiError {
  using ApiError::ApiError;
};

}  // namespace sandnet::sync
