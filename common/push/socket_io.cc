#include "common/push/socket_io.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace sandnet::table_push {
namespace {

// Waits for `events` on fd until the deadline. False on timeout or poll error.
bool wait_for(int fd, short events, Deadline deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, events, 0};
    int rc = poll(&p, 1, static_cast<int>(left.count()));
    if (rc > 0) return true;
    if (rc < 0 && errno != EINTR) return false;
  }
}

}  // namespace

bool read_exact(int fd, void* data, size_t size, Deadline deadline) {
  auto* p = static_cast<unsigned char*>(data);
  while (size > 0) {
    if (!wait_for(fd, POLLIN, deadline)) return false;
    ssize_t n = recv(fd, p, size, MSG_DONTWAIT);
    if (n == 0) return false;
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return false;
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

bool write_all(int fd, const void* data, size_t size, Deadline deadline) {
  const auto* p = static_cast<const unsigned char*>(data);
  while (size > 0) {
    if (!wait_for(fd, POLLOUT, deadline)) return false;
    ssize_t n = send(fd, p, size, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return false;
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

}  // namespace sandnet::table_push
