#include "api/applied_persister.h"

#include <spdlog/spdlog.h>

namespace sandnet::api {

AppliedPersister::AppliedPersister(Store& store, AppliedTracker& tracker,
                                   std::chrono::milliseconds interval)
    : store_(store), tracker_(tracker) {
  timer_ = std::make_unique<PeriodicThread>(interval, [this] { flush(); });
}

AppliedPersister::~AppliedPersister() {
  timer_.reset();
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
