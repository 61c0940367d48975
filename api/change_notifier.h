// Wakes long-polling feed requests the moment a committed write touches their host's view.
// The store's commit listener publishes (revision, touched hosts); a waiter sleeps on one
// condition variable and checks only the commits after the revision it has already seen.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace sandnet::api {

class ChangeNotifier {
 public:
  using Deadline = std::chrono::steady_clock::time_point;

  explicit ChangeNotifier(int64_t current_revision, size_t history = 4096);

  void publish(int64_t revision, std::vector<std::string> hosts);

  enum class Wake {
    kRelevant,   // a commit after `seen` touched the host, or one after it is unknown here
                 // (history lost, or taken by another process): recheck
    kTimeout,    // none until the deadline; `seen` = latest revision checked
    kShutdown,   // the server is stopping
  };
  // On kTimeout, `seen` has advanced to the newest published revision, all of which were
  // checked to be irrelevant to the host.
  Wake wait(const std::string& host, int64_t& seen, Deadline deadline);

  // Wakes every waiter for good (server stop).
  void shutdown();

 private:
  struct Commit {
    int64_t revision;
    std::vector<std::string> hosts;
  };
  // Called with mu_ held.
  bool touched_after(const std::string& host, int64_t seen) const;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Commit> commits_;  // newest at the back
  size_t history_;
  int64_t latest_;
  int64_t forgotten_up_to_;  // commits at or below this were dropped from history
  bool stopping_ = false;
};

}  // namespace sandnet::api
