// Tells the agent when a network interface disappears (RTM_DELLINK on an rtnetlink socket
// subscribed to link events), so a tap that vanished under it is cleaned up and reported.
#pragma once
#include <functional>
#include <string>
#include <thread>

namespace sandnet::sync {

class TapWatcher {
 public:
  using OnGone = std::function<void(const std::string& ifname)>;
  using OnOverflow = std::function<void()>;
  // Subscribes at once (throws std::system_error), so no deletion after construction is missed.
  // When the kernel drops events (ENOBUFS), `on_overflow` runs: the owner must re-check every
  // device it cares about, since any deletion may be among the lost ones.
  TapWatcher(OnGone on_gone, OnOverflow on_overflow);
  ~TapWatcher();
  TapWatcher(const TapWatcher&) = delete;
  TapWatcher& operator=(const TapWatcher&) = delete;

 private:
  void run();
  OnGone on_gone_;
  OnOverflow on_overflow_;
  int fd_ = -1;
  int stop_fd_ = -1;
  std::thread thread_;
};

}  // namespace sandnet::sync
