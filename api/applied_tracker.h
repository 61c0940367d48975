// The revision each host has applied (maps and hosts tables), for ?wait=applied and the
// members' "applied" flag. This in-memory copy is the live value; AppliedPersister writes
// the changed entries to the store in batches (applied_persister.h), never one fsync per
// report.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace sandnet::api {

class AppliedTracker {
 public:
  using Deadline = std::chrono::steady_clock::time_point;

  // Stored values (at start, and those other replicas stored: feed_follower.h); monotonic.
  void load(const std::vector<std::pair<std::string, int64_t>>& applied);
  // Monotonic: a smaller revision is ignored. Returns the host's applied revision after it.
  int64_t report(const std::string& host, int64_t revision);
  int64_t applied(const std::string& host);
  // The hosts whose value rose since the last call, with that value; clears the marks.
  std::vector<std::pair<std::string, int64_t>> take_changed();
  // Marks a value taken by take_changed() again (its write failed).
  void mark_changed(const std::string& host, int64_t revision);

  // Blocks until every host has applied `revision` (or the deadline, or shutdown); returns
  // the hosts still behind, sorted.
  std::vector<std::string> wait(const std::vector<std::string>& hosts, int64_t revision,
                                Deadline deadline);
  void shutdown();

 private:
  std::vector<std::string> behind(const std::vector<std::string>& hosts, int64_t revision) const;

  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, int64_t> applied_;
  std::map<std::string, int64_t> changed_;
  bool stopping_ = false;
};

}  // namespace sandnet::api
