// Bounds how many requests may block a worker thread waiting (feed long-polls and
// ?wait=applied). The pool has `threads` + `wait_threads` workers, and a worker only ever
// runs a complete, buffered request (http_front.h: idle and slow connections hold none), so
// with at most `wait_threads` waiting at once the other `threads` workers always remain for
// requests that do not wait. Each caller (a host, a tenant) may hold at most `per_caller`
// slots, so one agent opening many long-polls cannot take every slot from the others.
#pragma once
#include <map>
#include <mutex>
#include <string>

namespace sandnet::api {

class WaitSlots {
 public:
  WaitSlots(int slots, int per_caller) : free_(slots), per_caller_(per_caller) {}

  // RAII: holds a slot while alive when acquired() is true.
  class Slot {
   public:
    Slot(WaitSlots& slots, std::string caller) : slots_(slots), caller_(std::move(caller)) {
      std::lock_guard<std::mutex> lock(slots_.mu_);
      int& held = slots_.held_[caller_];
      if (slots_.free_ > 0 && held < slots_.per_caller_) {
        --slots_.free_;
        ++held;
        acquired_ = true;
      } else if (held == 0) {
        slots_.held_.erase(caller_);
      }
    }
    ~Slot() {
      if (!acquired_) return;
      std::lock_guard<std::mutex> lock(slots_.mu_);
      ++slots_.free_;
      if (--slots_.held_[caller_] == 0) slots_.held_.erase(caller_);
    }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    bool acquired() const { return acquired_; }

   private:
    WaitSlots& slots_;
    std::string caller_;
    bool acquired_ = false;
  };

 private:
  std::mutex mu_;
  int free_;
  int per_caller_;
  std::map<std::string, int> held_;  // callers holding at least one slot
};

}  // namespace sandnet::api
