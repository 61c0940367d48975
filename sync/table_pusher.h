// Delivers each local guest's hosts table to its sandnet-guestd, in the background: a table
// is pushed when its content changes or the guest (re)plugs, and retried with jittered
// exponential backoff until the guest answers (its guestd may not be up yet). update() only
// hands tables over and never waits for a guest: a guest can accept the connection and never
// answer, and the caller holds the reconciler's lock. Each connection has its own deadline
// (push_timeout), a worker takes guests that answer before the others, and guests that never
// answered or are failing never hold the last `reserved_for_answering` workers: stalling guests
// delay only their own tables.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "sandnet/dp_abi.h"
#include "sync/guest_tables.h"

namespace sandnet::sync {

struct TablePusherOptions {
  std::string host_link_local = "169.254.0.1";
  uint16_t port = SN_PUSH_PORT;  // the datapath lets no other port through
  std::chrono::milliseconds push_timeout{2000};
  std::chrono::milliseconds max_backoff{5000};
  // Connections in flight at once. Guests that never answered or are failing (a hostile
  // tenant's new VMs can stall on purpose) may hold all but `reserved_for_answering` of them, so
  // a guest that answers always finds a worker.
  int workers = 16;
  int reserved_for_answering = 4;
  // With the overlay: the MTU every guest's overlay interface must have, pushed with each table
  // ("SNT2"); 0: none (single host: the runtime's MTU stands).
  uint32_t guest_mtu = 0;
};

struct PushStats {
  uint64_t delivered = 0;
  uint64_t failed_attempts = 0;
  size_t pending = 0;  // tables not yet delivered
};

using SharedTable = std::shared_ptr<const GuestTable>;

class TablePusher {
 public:
  explicit TablePusher(TablePusherOptions options);
  ~TablePusher();
  TablePusher(const TablePusher&) = delete;
  TablePusher& operator=(const TablePusher&) = delete;

  // The tables every local guest must have now (guests missing from `tables` are forgotten);
  // `generation` is stored in changed tables. `repush` lists guests that get their table again
  // even if unchanged (they just plugged). Returns at once: the workers deliver. `touched`,
  // when given, lists the only tables that may differ from the last update (the others are
  // not compared).
  void update(const std::map<std::string, SharedTable>& tables, uint64_t generation,
              const std::vector<std::string>& repush, const std::set<std::string>* touched = nullptr);
  PushStats stats();

 private:
  struct Item {
    SharedTable table;
    uint64_t generation = 0;          // stored in the table when it is encoded
    std::vector<unsigned char> bytes;  // the encoded table, once a worker has encoded it
    uint64_t version = 0;            // bumps when the table must be (re)delivered
    uint64_t delivered_version = 0;
    int failures = 0;                // consecutive
    std::chrono::steady_clock::time_point next_try{};
    bool in_flight = false;
    bool failing_logged = false;
    bool answered_before = false;    // a delivery ever succeeded
  };
  void work();
  std::chrono::milliseconds backoff(int failures);

  TablePusherOptions options_;
  std::mutex mu_;
  std::condition_variable wake_;   // workers: something is due or we stop
  std::map<std::string, Item> items_;
  uint64_t next_version_ = 1;
  int unproven_in_flight_ = 0;  // pushes in flight to guests not answering lately
  bool stopping_ = false;
  PushStats stats_;
  std::vector<std::thread> workers_;
};

}  // namespace sandnet::sync
