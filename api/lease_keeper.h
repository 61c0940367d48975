// Keeps hosts' leases in the store (docs/host-feed.md, "Leases"): every `lease / 4` one write
// renews the leases of the hosts this replica heard from (host_presence.h) to now + lease,
// taking no revision, and in the same transaction marks hosts whose lease ran out lost and
// renewed lost hosts live: one revision when any host turned, a host_lost / host_live change
// each. Every replica runs one; their writes are conditional, so a host turns once.
#pragma once
#include <chrono>
#include <memory>

#include "api/host_presence.h"
#include "api/periodic_thread.h"
#include "api/store.h"

namespace sandnet::api {

class LeaseKeeper {
 public:
  LeaseKeeper(Store& store, HostPresence& presence, std::chrono::milliseconds lease);
  ~LeaseKeeper();  // stops the timer (no last write: a stopping replica renews nothing)
  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;

  // One round now (also called by the timer).
  void keep();

 private:
  Store& store_;
  HostPresence& presence_;
  std::chrono::milliseconds lease_;
  std::unique_ptr<PeriodicThread> timer_;  // last: stopped before the rest goes
};

}  // namespace sandnet::api
