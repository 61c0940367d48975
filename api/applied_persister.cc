#include "api/applied_persister.h"

#include <spdlog/spdlog.h>

namespace sandnet::api {

AppliedPersister::AppliedPersister(Store& store, AppliedTracker& tracker,
                                   std::chrono::milliseconds interval)
    : store_(store), tracker_(tracker), interval_(interval) {
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, interval_, [this] { return stopping_; })) {
      lock.unlock();
      flush();
      lock.lock();
    }
  });
}

AppliedPersister::~AppliedPersister() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
  flush();
}

void AppliedPersister::flush() {
  std::vector<std::pair<std::string, int64_t>> changed = tracker_.take_changed();
  if (changed.empty()) return;
  try {
    store_.write([&](WriteTx& tx) {
      for (const auto& [host, revision] : changed) tx.set_host_applied(host, revision);
    });
  } catch (const std::exception& e) {
    // Still in memory; mark them again so the next round retries.
    spdlog::warn("cannot store hosts' applied revisions (retrying): {}", e.what());
    for (const auto& [host, revision] : changed) tracker_.mark_changed(host, revision);
  }
}

}  // namespace sandnet::api
