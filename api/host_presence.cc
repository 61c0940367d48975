#include "api/host_presence.h"

namespace sandnet::api {

HostPresence::Visit::Visit(HostPresence& presence, std::string host)
    : presence_(presence), host_(std::move(host)) {
  std::lock_guard<std::mutex> lock(presence_.mu_);
  presence_.seen_.insert(host_);
  ++presence_.in_progress_[host_];
}

HostPresence::Visit::~Visit() {
  std::lock_guard<std::mutex> lock(presence_.mu_);
  presence_.seen_.insert(host_);  // its answer went out now, however long it waited
  if (--presence_.in_progress_[host_] == 0) presence_.in_progress_.erase(host_);
}

std::vector<std::string> HostPresence::take() {
  std::lock_guard<std::mutex> lock(mu_);
  std::set<std::string> hosts = std::move(seen_);
  seen_.clear();
  for (const auto& [host, count] : in_progress_) hosts.insert(host);
  return {hosts.begin(), hosts.end()};
}

void HostPresence::mark_seen(const std::vector<std::string>& hosts) {
  std::lock_guard<std::mutex> lock(mu_);
  seen_.insert(hosts.begin(), hosts.end());
}

}  // namespace sandnet::api
