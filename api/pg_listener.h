// A dedicated PostgreSQL connection that LISTENs on channels and reports each notification
// to a callback, from a thread of its own. The notifications are pokes (their payload is
// empty, and any sent while no connection listens are lost), so after every (re)connection
// it reports every channel once. A broken link is reconnected with backoff (0.1 s doubling
// to 5 s).
#pragma once
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sandnet::api {

class PgListener {
 public:
  using Callback = std::function<void(const std::string& channel)>;
  PgListener(std::string uri, std::vector<std::string> channels, Callback callback);
  ~PgListener();  // stops the thread
  PgListener(const PgListener&) = delete;
  PgListener& operator=(const PgListener&) = delete;

 private:
  void run();
  void listen_until_broken();

  std::string uri_;
  std::vector<std::string> channels_;
  Callback callback_;
  int wake_fd_ = -1;  // eventfd: stop() interrupts poll()
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace sandnet::api
