#include "api/applied_tracker.h"

#include <algorithm>

namespace sandnet::api {

void AppliedTracker::load(const std::vector<std::pair<std::string, int64_t>>& applied) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [host, revision] : applied) {
      applied_[host] = std::max(applied_[host], revision);
    }
  }
  cv_.notify_all();  // reports another replica stored may release waiters here
}

int64_t AppliedTracker::report(const std::string& host, int64_t revision) {
  int64_t now;
  {
    std::lock_guard<std::mutex> lock(mu_);
    int64_t& current = applied_[host];
    if (revision > current) {
      current = revision;
      changed_[host] = revision;
    }
    now = current;
  }
  cv_.notify_all();
  return now;
}

std::vector<std::pair<std::string, int64_t>> AppliedTracker::take_changed() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::pair<std::string, int64_t>> out(changed_.begin(), changed_.end());
  changed_.clear();
  return out;
}

void AppliedTracker::mark_changed(const std::string& host, int64_t revision) {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t& marked = changed_[host];
  marked = std::max(marked, revision);
}

int64_t AppliedTracker::applied(const std::string& host) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = applied_.find(host);
  return it == applied_.end() ? 0 : it->second;
}

std::vector<std::string> AppliedTracker::behind(const std::vector<std::string>& hosts,
                                                int64_t revision) const {
  std::vector<std::string> out;
  for (const std::string& host : hosts) {
    auto it = applied_.find(host);
    if (it == applied_.end() || it->second < revision) out.push_back(host);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<std::string> AppliedTracker::wait(const std::vector<std::string>& hosts,
                                              int64_t revision, Deadline deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_until(lock, deadline, [&] { return stopping_ || behind(hosts, revision).empty(); });
  return behind(hosts, revision);
}

void AppliedTracker::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
}

}  // namespace sandnet::api
