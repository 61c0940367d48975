#include "api/lease_keeper.h"

#include <spdlog/spdlog.h>

#include "api/clock.h"

namespace sandnet::api {

LeaseKeeper::LeaseKeeper(Store& store, HostPresence& presence, std::chrono::milliseconds lease)
    : store_(store), presence_(presence), lease_(lease) {
  timer_ = std::make_unique<PeriodicThread>(lease_ / 4, [this] { keep(); });
}

LeaseKeeper::~LeaseKeeper() = default;

void LeaseKeeper::keep() {
  std::vector<std::string> renewed = presence_.take();
  int64_t now = unix_ms_now();
  try {
    LeaseTransitions turned;
    store_.write([&](WriteTx& tx) {
      turned = tx.keep_host_leases(renewed, now, now + lease_.count());
    });
    for (const std::string& host : turned.lost) {
      spdlog::warn("host {} is lost: no request within its lease ({} ms)", host, lease_.count());
    }
    for (const std::string& host : turned.live) spdlog::info("host {} is live again", host);
  } catch (const std::exception& e) {
    // Seen all the same: the next round renews them.
    spdlog::warn("cannot store hosts' leases (retrying): {}", e.what());
    presence_.mark_seen(renewed);
  }
}

}  // namespace sandnet::api
