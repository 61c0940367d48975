#include "api/feed_follower.h"

#include <algorithm>
#include <map>
#include <set>
#include <optional>

#include <spdlog/spdlog.h>

namespace sandnet::api {

FeedFollower::FeedFollower(Store& store, AppliedTracker& applied, Options options)
    : store_(store), applied_(applied), options_(options) {
  store_.read([&](ReadTx& tx) { known_ = tx.current_revision(); });
  thread_ = std::thread([this] { run(); });
}

FeedFollower::~FeedFollower() {
  shutdown();
  thread_.join();
}

void FeedFollower::committed(int64_t revision) {
  std::lock_guard<std::mutex> lock(mu_);
  committed_ = std::max(committed_, revision);
  if (revision <= known_) return;  // already read (another poke came first)
  poked_ = true;
  poke_cv_.notify_one();
}

void FeedFollower::poke() {
  std::lock_guard<std::mutex> lock(mu_);
  poked_ = true;
  poke_cv_.notify_one();
}

void FeedFollower::poke_applied() {
  std::lock_guard<std::mutex> lock(mu_);
  applied_poked_ = true;
  poke_cv_.notify_one();
}

int64_t FeedFollower::known() {
  std::lock_guard<std::mutex> lock(mu_);
  return known_;
}

int64_t FeedFollower::committed() {
  std::lock_guard<std::mutex> lock(mu_);
  return committed_;
}

size_t FeedFollower::waiting() {
  std::lock_guard<std::mutex> lock(mu_);
  return waiting_.size() + behind_.size();
}

void FeedFollower::shutdown() {
  std::lock_guard<std::mutex> lock(mu_);
  stopping_ = true;
  poke_cv_.notify_one();
  for (auto& [host, w] : waiting_) wake(w);
  for (Waiter* w : behind_) wake(w);
}

void FeedFollower::wake(Waiter* w) {
  w->woken = true;
  w->cv.notify_one();
}

namespace {

// What a host that applied `earlier` and then `later` holds, as one answer: for every id the
// later verdict wins. Equal to the answer for both deltas at once, since an id the later
// delta does not name did not change for this host in between (that change would have
// touched the host).
class MergedChanges {
 public:
  void add(const ViewChanges& c) {
    for (const ViewSandbox& s : c.sandboxes) sandboxes_[s.id] = s;
    for (const ViewNetwork& n : c.networks) networks_[n.id] = n;
    for (const std::string& id : c.removed_sandboxes) sandboxes_[id] = std::nullopt;
    for (const std::string& id : c.removed_networks) networks_[id] = std::nullopt;
    for (const ViewHost& h : c.hosts) hosts_[h.id] = h;
    changed_hosts_.insert(c.changed_hosts.begin(), c.changed_hosts.end());
  }
  bool empty() const { return sandboxes_.empty() && networks_.empty() && hosts_.empty(); }
  // Sorted by id, as compute_view_changes lists them.
  ViewChanges take(int64_t revision) {
    ViewChanges out;
    out.revision = revision;
    for (auto& [id, s] : sandboxes_) {
      if (s) {
        out.sandboxes.push_back(std::move(*s));
      } else {
        out.removed_sandboxes.push_back(id);
      }
    }
    for (auto& [id, n] : networks_) {
      if (n) {
        out.networks.push_back(std::move(*n));
      } else {
        out.removed_networks.push_back(id);
      }
    }
    // The hosts the answer for both deltas at once lists, each as the later delta saw it:
    // a record that changed in between touched this host, so that delta carries it.
    for (const std::string& id : listed_host_ids(changed_hosts_, out.sandboxes)) {
      auto it = hosts_.find(id);
      if (it != hosts_.end()) out.hosts.push_back(it->second);
    }
    out.changed_hosts = std::move(changed_hosts_);
    return out;
  }

 private:
  std::map<std::string, std::optional<ViewSandbox>> sandboxes_;
  std::map<std::string, std::optional<ViewNetwork>> networks_;
  std::map<std::string, ViewHost> hosts_;
  std::set<std::string> changed_hosts_;
};

}  // namespace

bool FeedFollower::walk(const std::string& host, int64_t& since, ViewChanges& answer,
                        bool& found) const {
  auto it = std::find_if(deltas_.begin(), deltas_.end(),
                         [&](const auto& d) { return d->from == since; });
  found = it != deltas_.end();
  MergedChanges merged;
  for (; it != deltas_.end(); ++it) {
    since = (*it)->to;
    auto touched = (*it)->hosts.find(host);
    if (touched != (*it)->hosts.end()) merged.add(touched->second);
  }
  if (merged.empty()) return false;
  answer = merged.take(since);
  return true;
}

FeedFollower::Outcome FeedFollower::wait(const std::string& host, int64_t& since,
                                         Deadline deadline, Deadline catch_up,
                                         ViewChanges& answer) {
  std::unique_lock<std::mutex> lock(mu_);
  Waiter me;
  bool expired = false;
  auto sleep = [&](bool at_known, Deadline until) {
    // Registered only while asleep: a publish wakes the hosts it touched, and every waiter
    // that was ahead of the follower.
    if (at_known) {
      waiting_.emplace(host, &me);
    } else {
      behind_.insert(&me);
    }
    me.woken = false;
    bool woken = me.cv.wait_until(lock, until, [&] { return me.woken || stopping_; });
    if (at_known) {
      auto [first, last] = waiting_.equal_range(host);
      for (auto it = first; it != last; ++it) {
        if (it->second == &me) {
          waiting_.erase(it);
          break;
        }
      }
    } else {
      behind_.erase(&me);
    }
    return woken;
  };
  while (true) {
    if (stopping_) return Outcome::kShutdown;
    if (since == 0) return Outcome::kAsk;  // a snapshot
    // Writes this process acknowledged come first: a host polling right after one is
    // answered with it (read your writes), as when every poll read the store.
    if (committed_ > known_) {
      if (!sleep(false, catch_up)) return Outcome::kBehind;
      continue;
    }
    if (since < known_) {
      bool found = false;
      if (walk(host, since, answer, found)) return Outcome::kAnswer;
      if (!found) return Outcome::kAsk;
    }
    if (expired) return since == known_ ? Outcome::kNothing : Outcome::kBehind;
    expired = !sleep(since == known_, deadline);
  }
}

void FeedFollower::publish(std::shared_ptr<const FeedDelta> delta) {
  if (delta->to <= known_) return;  // nothing new
  if (delta->log_lost || delta->from != known_) {
    // The kept deltas no longer lead to the present: every waiter asks the store.
    deltas_.clear();
    known_ = delta->to;
    for (auto& [host, w] : waiting_) wake(w);
    for (Waiter* w : behind_) wake(w);
    return;
  }
  deltas_.push_back(delta);
  while (deltas_.size() > options_.history) deltas_.pop_front();
  known_ = delta->to;
  for (const auto& [host, changes] : delta->hosts) {
    auto [first, last] = waiting_.equal_range(host);
    for (auto it = first; it != last; ++it) wake(it->second);
  }
  for (Waiter* w : behind_) wake(w);
}

void FeedFollower::run() {
  bool failing = false;
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    // A timeout reads too: the bounded fallback for pokes that never came.
    poke_cv_.wait_for(lock, options_.recheck,
                      [this] { return poked_ || applied_poked_ || stopping_; });
    if (stopping_) break;
    bool applied = applied_poked_;
    poked_ = applied_poked_ = false;
    int64_t from = known_;
    lock.unlock();
    std::shared_ptr<FeedDelta> delta;
    std::vector<std::pair<std::string, int64_t>> applied_rows;
    bool ok = true;
    try {
      store_.read([&](ReadTx& tx) {
        delta = std::make_shared<FeedDelta>(read_feed_delta(tx, from));
        if (applied) applied_rows = tx.applied_revisions();
      });
      if (applied) applied_.load(applied_rows);
      if (failing) spdlog::info("feed follower: reading the store again");
      failing = false;
    } catch (const std::exception& e) {
      // Waiters keep waiting (or time out with what they had); the next poke or recheck
      // tries again.
      if (!failing) spdlog::warn("feed follower: cannot read the store: {}", e.what());
      failing = true;
      ok = false;
    }
    lock.lock();
    if (ok) {
      publish(std::move(delta));
    } else if (applied) {
      applied_poked_ = true;  // not loaded: retry at the next round
    }
  }
}

}  // namespace sandnet::api
