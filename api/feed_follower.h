// One shared feed poll per API replica (docs/host-feed.md, "One poll per replica"). A thread
// reads everything committed after the last revision it knows, in one read transaction of a
// constant number of statements (feed_delta.h), builds every touched host's answer in
// memory, and wakes only the long-polls of those hosts; they answer without a query.
//
// It reads when poked: by this process's commits, by another replica's NOTIFY (the store's
// remote commit watch, PostgreSQL only: a poke, never the data), and every `recheck` even
// without a poke, so a poke lost while no listen connection was up (a database restart)
// costs at most that delay. It also loads the hosts' applied revisions into the
// AppliedTracker when told they changed elsewhere (?wait=applied across replicas).
//
// The store stays the truth: a host whose revision the follower cannot answer from (0, older
// than the deltas it keeps, or one it has not reached) is told to ask the store.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>

#include "api/applied_tracker.h"
#include "api/feed_delta.h"
#include "api/store.h"

namespace sandnet::api {

class FeedFollower {
 public:
  using Deadline = std::chrono::steady_clock::time_point;
  struct Options {
    std::chrono::milliseconds recheck{1000};  // read at least this often, poked or not
    size_t history = 64;  // deltas kept, for hosts that re-poll a little behind
  };

  // Starts at the store's current revision and its thread.
  FeedFollower(Store& store, AppliedTracker& applied, Options options);
  ~FeedFollower();
  FeedFollower(const FeedFollower&) = delete;
  FeedFollower& operator=(const FeedFollower&) = delete;

  // This process committed `revision`.
  void committed(int64_t revision);
  // Something may have been committed elsewhere / hosts' applied revisions changed elsewhere.
  void poke();
  void poke_applied();

  // The newest revision whose changes the follower has read.
  int64_t known();
  // The newest revision this process committed (0 before its first write).
  int64_t committed();
  // Long-polls asleep in wait() now (/metrics: sandnet_api_feed_waiting).
  size_t waiting();

  enum class Outcome {
    kAnswer,    // `answer` is the host's answer; `since` its revision
    kNothing,   // deadline: nothing for the host; `since` advanced to the newest known
    kAsk,       // the follower cannot answer for `since`: ask the store
    kBehind,    // deadline while the follower had not yet read up to `since`
    kShutdown,  // stopping
  };
  // For a host holding its view at `since`: answers from the deltas kept (everything up to
  // the newest, in one answer), else waits (no query) until a delta touches the host or the
  // deadline passes. Until `catch_up`, it first waits for the follower to read every write
  // this process committed (kBehind when it has not by then).
  Outcome wait(const std::string& host, int64_t& since, Deadline deadline, Deadline catch_up,
               ViewChanges& answer);

  // Wakes every waiter for good and stops the thread.
  void shutdown();

 private:
  struct Waiter {
    std::condition_variable cv;
    bool woken = false;
  };
  void run();
  void read_once(bool applied);
  // Called with mu_ held.
  void publish(std::shared_ptr<const FeedDelta> delta);
  void wake(Waiter* w);
  // Walks the deltas from `since` to known_: true when any touched the host (`answer` is
  // all of them merged, at known_); found=false when no kept delta starts at `since`
  // (it stays unchanged then).
  bool walk(const std::string& host, int64_t& since, ViewChanges& answer, bool& found) const;

  Store& store_;
  AppliedTracker& applied_;
  Options options_;

  std::mutex mu_;
  int64_t known_ = 0;
  int64_t committed_ = 0;  // newest revision this process committed
  std::deque<std::shared_ptr<const FeedDelta>> deltas_;  // consecutive; back()->to == known_
  std::unordered_multimap<std::string, Waiter*> waiting_;  // hosts at known_, by host
  std::set<Waiter*> behind_;  // waiting for the follower to reach their revision
  bool poked_ = false;
  bool applied_poked_ = false;
  bool stopping_ = false;
  std::condition_variable poke_cv_;
  std::thread thread_;
};

}  // namespace sandnet::api
