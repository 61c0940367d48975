#include "sync/table_pusher.h"

#include <algorithm>
#include <random>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/push/table_push_client.h"

namespace sandnet::sync {

using Clock = std::chrono::steady_clock;

TablePusher::TablePusher(TablePusherOptions options) : options_(std::move(options)) {
  for (int i = 0; i < std::max(1, options_.workers); ++i) workers_.emplace_back([this] { work(); });
}

TablePusher::~TablePusher() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

std::chrono::milliseconds TablePusher::backoff(int failures) {
  // Full jitter over an exponential ceiling: 100 ms, 200 ms, ... up to max_backoff.
  thread_local std::mt19937 rng{std::random_device{}()};
  auto ceiling = std::min<int64_t>(options_.max_backoff.count(), 100LL << std::min(failures, 10));
  std::uniform_int_distribution<int64_t> pick(ceiling / 2, ceiling);
  return std::chrono::milliseconds(pick(rng));
}

void TablePusher::update(const std::map<std::string, SharedTable>& tables, uint64_t generation,
                         const std::vector<std::string>& repush, const std::set<std::string>* touched) {
  std::lock_guard lock(mu_);
  for (auto it = items_.begin(); it != items_.end();) {
    it = tables.count(it->first) ? std::next(it) : items_.erase(it);
  }
  for (auto& [id, table] : tables) {
    bool again = std::find(repush.begin(), repush.end(), id) != repush.end();
    if (touched && !touched->count(id) && !again && items_.count(id)) continue;
    auto& item = items_[id];
    bool changed = !item.table || (item.table != table && (item.table->entries != table->entries ||
                                                           item.table->tap != table->tap ||
                                                           item.table->guest_ip != table->guest_ip));
    if (!changed && !again) continue;
    if (changed) {
      // Encoded by the worker that sends it: a table replaced before its turn is never encoded.
      item.table = table;
      item.generation = generation;
      item.bytes.clear();
    }
    item.version = next_version_++;
    item.next_try = Clock::now();  // a new table is tried at once; failures keep their count
  }
  wake_.notify_all();
}

PushStats TablePusher::stats() {
  std::lock_guard lock(mu_);
  PushStats s = stats_;
  s.pending = 0;
  for (auto& [_, item] : items_) s.pending += item.delivered_version != item.version ? 1 : 0;
  return s;
}

void TablePusher::work() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    auto now = Clock::now();
    auto next_due = Clock::time_point::max();
    // Of the due tables, one whose guest answers first, then the fewest failures: guests that
    // stall (each up to push_timeout) cannot hold the workers while answering guests wait, and
    // never the reserved ones.
    const bool unproven_room =
        unproven_in_flight_ < std::max(1, options_.workers - std::max(0, options_.reserved_for_answering));
    std::string pick;
    int pick_rank = 0;
    for (auto& [id, item] : items_) {
      if (item.in_flight || item.delivered_version == item.version) continue;
      if (item.next_try > now) {
        next_due = std::min(next_due, item.next_try);
        continue;
      }
      bool answers = item.answered_before && item.failures == 0;
      if (!answers && !unproven_room) continue;
      int rank = answers ? 0 : 1 + item.failures;
      if (pick.empty() || rank < pick_rank) {
        pick = id;
        pick_rank = rank;
        if (rank == 0) break;
      }
    }
    if (pick.empty()) {
      if (next_due == Clock::time_point::max()) wake_.wait(lock);
      else wake_.wait_until(lock, next_due);
      continue;
    }
    auto& item = items_[pick];
    item.in_flight = true;
    const bool unproven = pick_rank != 0;
    if (unproven) ++unproven_in_flight_;
    uint64_t version = item.version;
    SharedTable table = item.table;
    uint64_t generation = item.generation;
    auto bytes = item.bytes;
    table_push::PushTarget target;
    target.guest_address = table->guest_ip;
    target.port = options_.port;
    target.source_address = options_.host_link_local;
    target.device = table->tap;
    target.mark = SN_MARK_HOST_CHANNEL;  // tap_egress passes nothing else from the host link-local address
    target.timeout = options_.push_timeout;
    if (options_.guest_mtu) target.mtu = options_.guest_mtu;
    lock.unlock();
    bool encoded_now = bytes.empty();
    if (encoded_now) {
      try {
        bytes = encode_table(*table, generation);
      } catch (const std::exception& e) {
        spdlog::error("hosts table for {}: {}; the guest keeps its last table", pick, e.what());
        lock.lock();
        if (unproven) --unproven_in_flight_;
        auto it = items_.find(pick);
        if (it != items_.end()) {
          it->second.in_flight = false;
          if (it->second.version == version) it->second.delivered_version = version;
        }
        continue;
      }
    }
    auto result = table_push::push_table(target, bytes);
    lock.lock();
    if (unproven) --unproven_in_flight_;
    auto it = items_.find(pick);
    if (it == items_.end()) continue;  // forgotten meanwhile
    auto& done = it->second;
    done.in_flight = false;
    if (encoded_now && done.table == table) done.bytes = std::move(bytes);  // for the retries
    if (result.ok()) {
      stats_.delivered++;
      if (done.version == version) done.delivered_version = version;
      if (done.failing_logged) spdlog::info("hosts table for {} delivered after {} failed attempts", pick, done.failures);
      done.failures = 0;
      done.failing_logged = false;
      done.answered_before = true;
    } else {
      stats_.failed_attempts++;
      done.failures++;
      spdlog::debug("hosts table for {}: attempt {} failed: {}", pick, done.failures,
                    result.delivered ? fmt::format("guestd answered status {}", static_cast<int>(result.status)) : result.error);
      if (!done.failing_logged) {  // once per failing streak, not per retry
        spdlog::warn("hosts table for {} ({} via {}) not delivered: {}; retrying with backoff", pick,
                     table->guest_ip, table->tap,
                     result.delivered ? "guestd rejected it" : result.error);
        done.failing_logged = true;
      }
      done.next_try = Clock::now() + backoff(done.failures);
    }
    wake_.notify_all();
  }
}

}  // namespace sandnet::sync
