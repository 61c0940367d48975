#include "common/push/table_push_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include <fmt/format.h>

#include "common/push/socket_io.h"

namespace sandnet::table_push {
namespace {

std::optional<sockaddr_in> ipv4_endpoint(const std::string& address, uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  if (inet_pton(AF_INET, address.c_str(), &sa.sin_addr) != 1) return std::nullopt;
  return sa;
}

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

// Non-blocking connect bounded by the deadline.
bool connect_before(int fd, const sockaddr_in& sa, Deadline deadline, std::string& error) {
  if (connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0) return true;
  if (errno != EINPROGRESS) {
    error = fmt::format("connect: {}", std::strerror(errno));
    return false;
  }
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  pollfd p{fd, POLLOUT, 0};
  if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) != 1) {
    error = "connect: timed out";
    return false;
  }
  int so_error = 0;
  socklen_t len = sizeof so_error;
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
  if (so_error != 0) {
    error = fmt::format("connect: {}", std::strerror(so_error));
    return false;
  }
  return true;
}

}  // namespace

namespace {

PushResult push_frame(const PushTarget& target, std::span<const unsigned char> table, bool delta) {
  PushResult result;
  if (table.size() > kMaxTableSize) {
    result.error = "table larger than the protocol limit";
    return result;
  }
  auto guest = ipv4_endpoint(target.guest_address, target.port);
  if (!guest) {
    result.error = "invalid guest address " + target.guest_address;
    return result;
  }
  Deadline deadline = std::chrono::steady_clock::now() + target.timeout;
  Fd sock{socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
  if (sock.fd < 0) {
    result.error = fmt::format("socket: {}", std::strerror(errno));
    return result;
  }
  if (target.device &&
      setsockopt(sock.fd, SOL_SOCKET, SO_BINDTODEVICE, target.device->c_str(),
                 static_cast<socklen_t>(target.device->size())) != 0) {
    result.error = fmt::format("SO_BINDTODEVICE {}: {}", *target.device, std::strerror(errno));
    return result;
  }
  if (target.mark && setsockopt(sock.fd, SOL_SOCKET, SO_MARK, &*target.mark, sizeof *target.mark) != 0) {
    result.error = fmt::format("SO_MARK: {}", std::strerror(errno));
    return result;
  }
  if (target.source_address) {
    auto source = ipv4_endpoint(*target.source_address, 0);
    if (!source || bind(sock.fd, reinterpret_cast<const sockaddr*>(&*source), sizeof *source) != 0) {
      result.error = fmt::format("bind {}: {}", *target.source_address, std::strerror(errno));
      return result;
    }
  }
  if (!connect_before(sock.fd, *guest, deadline, result.error)) return result;
  auto length = static_cast<uint32_t>(table.size());
  auto v1 = encode_header(length);
  auto v2 = encode_header_with_mtu(length, target.mtu.value_or(0), delta ? kMagicDelta : kMagicWithMtu);
  std::span<const unsigned char> header =
      target.mtu || delta ? std::span<const unsigned char>(v2) : std::span<const unsigned char>(v1);
  unsigned char status = 0;
  bool sent = write_all(sock.fd, header.data(), header.size(), deadline) &&
              write_all(sock.fd, table.data(), table.size(), deadline);
  // A guest that refuses the frame early (an older guestd does at the magic) has answered
  // before closing: its status is read even when the rest of the frame could not be sent.
  if (!read_exact(sock.fd, &status, 1, deadline)) {
    if (!sent) {
      result.error = "send failed or timed out";
      return result;
    }
    result.error = "no status from guest";
    return result;
  }
  result.delivered = true;
  result.status = static_cast<PushStatus>(status);
  return result;
}

}  // namespace

PushResult push_table(const PushTarget& target, std::span<const unsigned char> table) {
  return push_frame(target, table, false);
}

PushResult push_table_delta(const PushTarget& target, std::span<const unsigned char> delta) {
  return push_frame(target, delta, true);
}

}  // namespace sandnet::table_push
