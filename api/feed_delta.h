// Everything committed after a revision, as the answer each touched host's feed would give:
// the feed follower's one shared read (feed_follower.h). A constant number of statements in
// one read transaction, whatever the number of hosts: the records every answer needs are
// read in batches, then each host's answer is assembled in memory exactly as
// compute_view_changes(tx, host, from) assembles it from the database.
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>

#include "api/host_view.h"
#include "api/store.h"

namespace sandnet::api {

struct FeedDelta {
  int64_t from = 0;  // the revision the answers start from
  int64_t to = 0;    // the transaction's revision: where they bring a host
  // Changes after `from` were compacted away: no answers; every host must ask the store.
  bool log_lost = false;
  // Every host a change in (from, to] touched, with its answer; an untouched host holding
  // its view at `from` has nothing to apply and holds it at `to` too.
  std::unordered_map<std::string, ViewChanges> hosts;
};

FeedDelta read_feed_delta(ReadTx& tx, int64_t from);

}  // namespace sandnet::api
