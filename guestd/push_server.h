// The guest end of the table push: a TCP listener that takes one connection at a time, only
// from the host's link-local address, reads one framed table with a deadline, hands it to a
// handler and answers one status byte. The transport is separate from what is done with the
// table, so another transport (e.g. vsock) can feed the same TableInstaller.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>

#include "common/push/push_protocol.h"

namespace sandnet::guestd {

struct PushServerOptions {
  std::string listen_address = "0.0.0.0";
  uint16_t port = table_push::kDefaultPort;       // 0: any free port (tests)
  std::string allowed_peer{table_push::kDefaultHostAddress};
  std::optional<std::string> device;              // SO_BINDTODEVICE: only the overlay link
  std::chrono::milliseconds frame_timeout{10000}; // whole frame, from accept
  uint32_t max_table_size = table_push::kMaxTableSize;
  // Called with an "SNT2" frame's MTU once its table was accepted, and the local address the
  // push arrived on (network order): the overlay interface is the one holding it.
  std::function<void(uint32_t mtu, uint32_t local_address)> on_mtu;
};

using TableHandler = std::function<table_push::PushStatus(std::span<const unsigned char>)>;

class PushServer {
 public:
  // Binds and listens; throws std::system_error. `delta_handler` takes "SNT3" payloads (a
  // table delta); without one, such a frame is answered kBadFrame as an older guestd does.
  PushServer(PushServerOptions options, TableHandler handler, TableHandler delta_handler = {});
  ~PushServer();
  PushServer(const PushServer&) = delete;
  PushServer& operator=(const PushServer&) = delete;

  uint16_t port() const { return port_; }
  // Waits for connections until one carried a table the handler accepted (returns true) or
  // stop() was called (returns false).
  bool serve_until_installed();
  // Serves until stop().
  void serve_forever();
  // Thread- and signal-safe.
  void stop();

 private:
  // Accepts one connection (or stop); returns the handler's status if a frame arrived.
  std::optional<table_push::PushStatus> serve_one();
  void handle_connection(int fd, std::optional<table_push::PushStatus>& outcome);

  PushServerOptions options_;
  TableHandler handler_;
  TableHandler delta_handler_;
  int listen_fd_ = -1;
  int stop_fds_[2] = {-1, -1};
  uint16_t port_ = 0;
  uint32_t allowed_peer_ = 0;  // network byte order
};

}  // namespace sandnet::guestd
