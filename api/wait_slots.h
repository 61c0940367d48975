// Bounds how many requests may block a worker thread waiting (feed long-polls and
// ?wait=applied). The HTTP pool has `threads` + `wait_threads` workers, and at most
// `wait_threads` of them wait at once, so waiting agents can never starve user requests.
#pragma once
#include <mutex>

namespace sandnet::api {

class WaitSlots {
 public:
  explicit WaitSlots(int slots) : free_(slots) {}

  // RAII: holds a slot while alive when acquired() is true.
  class Slot {
   public:
    explicit Slot(WaitSlots& slots) : slots_(slots) {
      std::lock_guard<std::mutex> lock(slots_.mu_);
      if (slots_.free_ > 0) {
        --slots_.free_;
        acquired_ = true;
      }
    }
    ~Slot() {
      if (!acquired_) return;
      std::lock_guard<std::mutex> lock(slots_.mu_);
      ++slots_.free_;
    }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    bool acquired() const { return acquired_; }

   private:
    WaitSlots& slots_;
    bool acquired_ = false;
  };

 private:
  std::mutex mu_;
  int free_;
};

}  // namespace sandnet::api
