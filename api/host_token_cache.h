// Verified host tokens kept in memory, so that a host's every long-poll does not cost a
// database statement: with 2,000 hosts re-polling after each change that was one statement
// per host per change, on every replica (docs/host-feed.md, "Statements per change").
//
// Only tokens that verified are kept, with their secret's hash, which every hit compares
// again. An entry is believed for `ttl` after the store last confirmed it; a refresher
// re-reads, in ONE statement each ttl/2, every kept token used within the last `ttl` (so an
// active host never falls back to a lookup of its own), drops those revoked or gone, and
// forgets the ones not used. A revocation (`sandnet-api hosts
// revoke`, from any process) therefore takes effect within `ttl`.
#pragma once
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "api/periodic_thread.h"
#include "api/store.h"

namespace sandnet::api {

class HostTokenCache {
 public:
  using Clock = std::chrono::steady_clock;
  // ttl 0: no cache (every request asks the store), no refresher.
  HostTokenCache(Store& store, std::chrono::milliseconds ttl);
  ~HostTokenCache();
  HostTokenCache(const HostTokenCache&) = delete;
  HostTokenCache& operator=(const HostTokenCache&) = delete;

  // authenticate_host() (host_auth.h), through the cache.
  std::optional<std::string> authenticate(std::string_view token, Clock::time_point now = Clock::now());
  // Re-reads every kept token (one statement); what the refresher runs. A store failure keeps
  // the entries as they are: they expire on their own.
  void refresh(Clock::time_point now = Clock::now());

 private:
  struct Entry {
    std::string host_id, secret_hash;
    Clock::time_point until;  // believed until then without the store
    Clock::time_point used;   // last request that presented it
  };
  Store& store_;
  std::chrono::milliseconds ttl_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> by_token_id_;  // at most one per issued token
  std::unique_ptr<PeriodicThread> refresher_;  // last: stopped before the rest goes
};

}  // namespace sandnet::api
