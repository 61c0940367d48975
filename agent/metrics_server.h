// The agent's GET /metrics listener (--metrics-listen ADDR:PORT). Deliberately tiny: one
// connection at a time, one request per connection (Connection: close), the request head
// bounded to 8 KiB and to 2 s, so nothing a client sends grows the agent's memory or holds a
// thread. Prometheus scrapes this shape fine; it is not a general HTTP server.
#pragma once
#include <functional>
#include <string>
#include <thread>

#include "loader/unique_fd.h"

namespace sandnet::agent {

class MetricsServer {
 public:
  // Binds now (throws std::runtime_error naming the address on failure: a port taken is a
  // start-up error, not a silent missing endpoint), then serves on a thread of its own.
  // `render` may throw: that scrape answers 500.
  MetricsServer(const std::string& listen, std::function<std::string()> render);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  uint16_t port() const { return port_; }  // the bound port (useful with :0)

 private:
  void serve();
  void answer(int fd);

  std::function<std::string()> render_;
  dp::UniqueFd listen_fd_, stop_fd_;
  uint16_t port_ = 0;
  std::thread thread_;
};

// "127.0.0.1:9465" or "[::1]:9465" -> (address, port); throws std::invalid_argument.
std::pair<std::string, std::string> split_listen_address(const std::string& listen);

}  // namespace sandnet::agent
