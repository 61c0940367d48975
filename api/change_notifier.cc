#include "api/change_notifier.h"

#include <algorithm>

namespace sandnet::api {

ChangeNotifier::ChangeNotifier(int64_t current_revision, size_t history)
    : history_(history), latest_(current_revision), forgotten_up_to_(current_revision) {}

void ChangeNotifier::publish(int64_t revision, std::vector<std::string> hosts) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    latest_ = std::max(latest_, revision);
    commits_.push_back({revision, std::move(hosts)});
    if (commits_.size() > history_) {
      forgotten_up_to_ = commits_.front().revision;
      commits_.pop_front();
    }
  }
  cv_.notify_all();
}

bool ChangeNotifier::touched_after(const std::string& host, int64_t seen) const {
  // History lost past `seen`, or a revision never published here (written by another
  // process, e.g. the admin CLI): let the caller recheck the store, which is always right.
  if (seen < forgotten_up_to_) return true;
  int64_t expected = latest_;  // revisions are consecutive; walk back from the newest
  for (auto it = commits_.rbegin(); it != commits_.rend() && it->revision > seen; ++it) {
    if (it->revision != expected--) return true;
    if (std::find(it->hosts.begin(), it->hosts.end(), host) != it->hosts.end()) return true;
  }
  return expected > seen;
}

ChangeNotifier::Wake ChangeNotifier::wait(const std::string& host, int64_t& seen,
                                          Deadline deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    if (stopping_) return Wake::kShutdown;
    if (touched_after(host, seen)) return Wake::kRelevant;
    seen = std::max(seen, latest_);
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout) {
      if (stopping_) return Wake::kShutdown;
      if (touched_after(host, seen)) return Wake::kRelevant;
      seen = std::max(seen, latest_);
      return Wake::kTimeout;
    }
  }
}

void ChangeNotifier::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
}

}  // namespace sandnet::api
