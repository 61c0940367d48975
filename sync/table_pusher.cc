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

void TablePusher::update(const std::map<std::string, std::optional<TableUpdate>>& updates, uint64_t generation,
                         const std::vector<std::string>& repush, bool every_guest) {
  std::lock_guard lock(mu_);
  for (auto it = items_.begin(); it != items_.end();) {
    auto u = updates.find(it->first);
    bool keep = u != updates.end() ? u->second.has_value() : !every_guest;
    it = keep ? std::next(it) : items_.erase(it);
  }
  for (auto& [id, u] : updates) {
    if (!u) continue;
    bool again = std::find(repush.begin(), repush.end(), id) != repush.end();
    auto [slot, created] = items_.try_emplace(id);
    auto& item = slot->second;
    if (created) item.born = next_version_++;
    bool changed = false;
    if (item.tap != u->tap || item.guest_ip != u->guest_ip) {
      item.tap = u->tap;
      item.guest_ip = u->guest_ip;
      again = changed = true;  // another device or address: whatever is there holds nothing of ours
    }
    changed = apply_update(item.entries, *u,
                           [&](const EntryKey& key, const std::optional<Networks>& was) {
                             if (item.acked) item.since_acked.try_emplace(key, was);
                             if (item.since_sent) item.since_sent->try_emplace(key, was);
                           }) ||
              changed;
    if (item.since_acked.size() > item.entries.size()) {  // a delta would not pay: whole next
      item.acked.reset();
      item.since_acked.clear();
    }
    if (again) {  // just plugged: the whole table, and deltas are worth trying again
      item.acked.reset();
      item.since_acked.clear();
      item.no_delta = false;
      item.delta_refusals = 0;
    }
    if (!changed && !again) continue;
    if (changed) {
      item.generation = generation;
      item.bytes.clear();  // encoded by the worker that sends it: a table replaced before its turn never is
    }
    item.version = next_version_++;
    // A change is tried at once, except at a failing guest: its table waits for the backoff
    // (failures keep their count), so a guest that never answers is not re-encoded per change.
    if (again || item.failures == 0) item.next_try = Clock::now();
  }
  wake_.notify_all();
}

std::optional<GuestTable> TablePusher::table_of(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = items_.find(id);
  if (it == items_.end()) return std::nullopt;
  return GuestTable{id, it->second.guest_ip, it->second.tap, entries_of(it->second.entries)};
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
    table_push::PushTarget target;
    target.guest_address = item.guest_ip;
    target.port = options_.port;
    target.source_address = options_.host_link_local;
    target.device = item.tap;
    target.mark = SN_MARK_HOST_CHANNEL;  // tap_egress passes nothing else from the host link-local address
    target.timeout = options_.push_timeout;
    if (options_.guest_mtu) target.mtu = options_.guest_mtu;
    // Under the lock: the delta (O(change)), or the whole table's snapshot when it must be
    // encoded again (O(table): a plug, a guest without a base, a refused delta).
    std::optional<table_push::TableDelta> delta;
    if (item.acked && !item.no_delta) delta = delta_since(item.entries, item.since_acked, *item.acked);
    if (delta && delta->removed.empty() && delta->upserted.empty()) {  // back to what the guest holds
      item.in_flight = false;
      if (unproven) --unproven_in_flight_;
      item.delivered_version = version;
      continue;
    }
    const uint64_t born = item.born;
    std::vector<TableEntry> snapshot;
    std::vector<unsigned char> bytes;
    uint64_t sent_generation = 0;
    if (delta) {
      sent_generation = delta->generation = std::max(item.generation, item.last_sent_generation + 1);
    } else if (!item.bytes.empty()) {
      bytes = item.bytes;  // a retry of the same table
      sent_generation = item.bytes_generation;
    } else {
      snapshot = entries_of(item.entries);
      sent_generation = std::max(item.generation, item.last_sent_generation + 1);
    }
    item.last_sent_generation = std::max(item.last_sent_generation, sent_generation);
    item.since_sent.emplace();
    const bool encoded_now = !delta && bytes.empty();
    lock.unlock();
    std::string encode_error;
    try {
      if (delta) bytes = table_push::encode_delta(*delta);
      else if (encoded_now) bytes = encode_table(GuestTable{pick, target.guest_address, *target.device, std::move(snapshot)}, sent_generation);
    } catch (const std::exception& e) {
      encode_error = e.what();
    }
    table_push::PushResult result;
    if (encode_error.empty()) result = delta ? table_push::push_table_delta(target, bytes) : table_push::push_table(target, bytes);
    lock.lock();
    if (unproven) --unproven_in_flight_;
    auto it = items_.find(pick);
    if (it == items_.end() || it->second.born != born) continue;  // forgotten meanwhile
    auto& done = it->second;
    done.in_flight = false;
    auto since_sent = std::move(*done.since_sent);
    done.since_sent.reset();
    if (!encode_error.empty()) {
      if (delta) {  // cannot be said as a delta: whole next time
        done.acked.reset();
        done.since_acked.clear();
        done.next_try = Clock::now();
        continue;
      }
      spdlog::error("hosts table for {}: {}; the guest keeps its last table", pick, encode_error);
      if (done.version == version) done.delivered_version = version;
      continue;
    }
    if (encoded_now && done.version == version) {  // for the retries
      done.bytes = bytes;
      done.bytes_generation = sent_generation;
    }
    if (result.ok()) {
      stats_.delivered++;
      if (delta) stats_.deltas_delivered++;
      if (done.version == version) done.delivered_version = version;
      if (done.failing_logged) spdlog::info("hosts table for {} delivered after {} failed attempts", pick, done.failures);
      done.failures = 0;
      done.failing_logged = false;
      done.answered_before = true;
      if (delta) done.delta_refusals = 0;
      // The guest holds the table sent: what changed since its snapshot is the next delta.
      done.acked = sent_generation;
      done.since_acked = std::move(since_sent);
      if (done.since_acked.size() > done.entries.size()) {
        done.acked.reset();
        done.since_acked.clear();
      }
    } else if (delta && result.delivered) {
      // Not taken: a restarted guest (base mismatch) or an older guestd (bad frame) gets the
      // whole table; one refusal resends at once, a guest that keeps refusing waits for it.
      stats_.deltas_refused++;
      done.acked.reset();
      done.since_acked.clear();
      if (result.status == table_push::PushStatus::kBadFrame) {
        if (!done.no_delta) spdlog::info("hosts table for {}: guestd does not take deltas; whole tables from now on", pick);
        done.no_delta = true;
      }
      done.delta_refusals++;
      done.next_try = done.delta_refusals <= 1 ? Clock::now() : Clock::now() + backoff(done.delta_refusals - 1);
    } else {
      stats_.failed_attempts++;
      done.failures++;
      if (delta) {  // whether the guest took it is unknown: whole next time
        done.acked.reset();
        done.since_acked.clear();
      }
      spdlog::debug("hosts table for {}: attempt {} failed: {}", pick, done.failures,
                    result.delivered ? fmt::format("guestd answered status {}", static_cast<int>(result.status)) : result.error);
      if (!done.failing_logged) {  // once per failing streak, not per retry
        spdlog::warn("hosts table for {} ({} via {}) not delivered: {}; retrying with backoff", pick,
                     done.guest_ip, done.tap,
                     result.delivered ? "guestd rejected it" : result.error);
        done.failing_logged = true;
      }
      done.next_try = Clock::now() + backoff(done.failures);
    }
    wake_.notify_all();
  }
}

}  // namespace sandnet::sync
