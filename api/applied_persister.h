// Writes the hosts' applied revisions to the store lazily: every `interval`, all the values
// that rose since the last write go into one transaction (one fsync for any number of
// reports), plus a last write when the server stops. Hosts' reports therefore never wait
// for a durable write under the global write lock, ahead of users' writes.
//
// What a crash (kill -9, power loss) loses: at most `interval` of reports. The stored value
// is then behind, never ahead, of what the host applied, so after a restart a member can read
// "applied": false, and ?wait=applied waits, until that host reports again (after its next
// applied change); nothing ever claims to be applied when it is not.
#pragma once
#include <chrono>
#include <memory>

#include "api/applied_tracker.h"
#include "api/periodic_thread.h"
#include "api/store.h"

namespace sandnet::api {

class AppliedPersister {
 public:
  AppliedPersister(Store& store, AppliedTracker& tracker, std::chrono::milliseconds interval);
  ~AppliedPersister();  // stops the timer, then writes what is left
  AppliedPersister(const AppliedPersister&) = delete;
  AppliedPersister& operator=(const AppliedPersister&) = delete;

  // Writes the changed values now (also called by the timer).
  void flush();

 private:
  Store& store_;
  AppliedTracker& tracker_;
  std::unique_ptr<PeriodicThread> timer_;
};

}  // namespace sandnet::api
