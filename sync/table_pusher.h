// Delivers each local guest's hosts table to its sandnet-guestd, in the background: a table
// is pushed when its content changes or the guest (re)plugs, and retried with jittered
// exponential backoff until the guest answers (its guestd may not be up yet). update() only
// hands tables over and never waits for a guest: a guest can accept the connection and never
// answer, and the caller holds the reconciler's lock. Each connection has its own deadline
// (push_timeout), a worker takes guests that answer before the others, and guests that never
// answered or are failing never hold the last `reserved_for_answering` workers: stalling guests
// delay only their own tables.
//
// The pusher keeps each guest's table (TableEntries), patched in place by the index's updates:
// a change costs O(change) here. A guest that acknowledged a table gets the changes since as
// one "SNT3" delta against it (common/push/table_delta.h); the whole table goes on a plug, to
// a guest that has not acknowledged one, after a delta it did not take (base mismatch: a
// restarted guest; an older guestd that does not know the frame gets only whole tables from
// then on), and when the changes outnumber the table. Each send carries a new generation (the
// revision, or one more than the last sent when the revision did not move), so a guest never
// holds two different tables under one generation. A guest that keeps refusing deltas gets its
// whole tables with backoff, and a failing guest's changes wait for its next try: neither
// makes the agent encode a whole table per change.
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

#include "common/push/table_delta.h"
#include "sandnet/dp_abi.h"
#include "sync/guest_tables.h"
#include "sync/table_delta_plan.h"
#include "sync/table_update.h"

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
  uint64_t delivered = 0;         // tables delivered (whole or as a delta)
  uint64_t deltas_delivered = 0;  // of which as a delta
  uint64_t deltas_refused = 0;    // deltas a guest answered with anything but ok
  uint64_t failed_attempts = 0;
  size_t pending = 0;  // tables not yet delivered
};

class TablePusher {
 public:
  explicit TablePusher(TablePusherOptions options);
  ~TablePusher();
  TablePusher(const TablePusher&) = delete;
  TablePusher& operator=(const TablePusher&) = delete;

  // Applies each guest's update to the table kept for it (nullopt: the guest has no table any
  // more: forgotten); with `every_guest`, guests not in `updates` are forgotten too.
  // `generation` (the revision) is stored in tables that change. `repush` lists guests that get
  // their whole table again even if unchanged (they just plugged). Returns at once: the workers
  // deliver.
  void update(const std::map<std::string, std::optional<TableUpdate>>& updates, uint64_t generation,
              const std::vector<std::string>& repush, bool every_guest);
  PushStats stats();
  // The table kept for a guest (tests).
  std::optional<GuestTable> table_of(const std::string& id);

 private:
  struct Item {
    uint64_t born = 0;  // tells a guest forgotten and added again while a push was in flight
    std::string guest_ip, tap;
    TableEntries entries;
    uint64_t generation = 0;           // the revision of the last change
    uint64_t last_sent_generation = 0;
    std::vector<unsigned char> bytes;  // the whole table encoded, once a worker has (for retries)
    uint64_t bytes_generation = 0;
    // What the guest holds: the generation it acknowledged (in this process), and every key
    // changed since with its value in that table. Dropped when a delta would not pay.
    std::optional<uint64_t> acked;
    ChangedEntries since_acked;
    std::optional<ChangedEntries> since_sent;  // while a push is in flight: keys changed since its snapshot
    bool no_delta = false;              // refused a delta frame as unknown: whole tables only
    int delta_refusals = 0;             // consecutive
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
