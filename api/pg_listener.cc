#include "api/pg_listener.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "api/pg_conn.h"

namespace sandnet::api {

PgListener::PgListener(std::string uri, std::vector<std::string> channels, Callback callback)
    : uri_(std::move(uri)), channels_(std::move(channels)), callback_(std::move(callback)) {
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) throw std::runtime_error("eventfd failed");
  thread_ = std::thread([this] { run(); });
}

PgListener::~PgListener() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
  thread_.join();
  ::close(wake_fd_);
}

void PgListener::run() {
  auto backoff = std::chrono::milliseconds(100);
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
    }
    try {
      listen_until_broken();
      return;  // stopping
    } catch (const std::exception& e) {
      spdlog::warn("listen connection: {} (reconnecting in {} ms)", e.what(), backoff.count());
    }
    std::unique_lock<std::mutex> lock(mu_);
    if (cv_.wait_for(lock, backoff, [this] { return stopping_; })) return;
    backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
  }
}

// Returns when stopping; throws when the link breaks.
void PgListener::listen_until_broken() {
  PgConn conn(uri_);
  for (const std::string& channel : channels_) conn.exec("LISTEN " + channel);
  // Whatever was notified while no connection listened is lost: poke every channel once.
  for (const std::string& channel : channels_) callback_(channel);
  while (true) {
    pollfd fds[2] = {{conn.socket(), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    // The timeout only bounds how long a silently dead link goes unnoticed.
    int n = ::poll(fds, 2, 1000);
    if (fds[1].revents) return;
    if (n < 0 && errno != EINTR) throw std::runtime_error("poll failed");
    for (const std::string& channel : conn.notifications()) callback_(channel);
  }
}

}  // namespace sandnet::api
