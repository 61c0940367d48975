#include "tests/integration/harness/probes.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/icmp.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>
#include <system_error>

#include <fmt/format.h>

#include "tests/integration/harness/netns.h"
#include "tests/integration/harness/poll.h"

namespace sandnet::testing {

sockaddr_in make_addr(const std::string& ip, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  if (inet_pton(AF_INET, ip.c_str(), &a.sin_addr) != 1) throw std::invalid_argument("bad IPv4 " + ip);
  return a;
}

namespace {

int ms_left(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::max<int64_t>(left, 0));
}

// Waits for `events` on fd until the deadline; false on timeout.
bool wait_fd(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    int n = poll(&p, 1, ms_left(deadline));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return false;
  }
}

uint16_t inet_checksum(const uint8_t* data, size_t len) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < len; i += 2) sum += static_cast<uint32_t>(data[i] << 8 | data[i + 1]);
  if (len & 1) sum += static_cast<uint32_t>(data[len - 1] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

// SO_MARK needs CAP_NET_ADMIN, which these tests have (they run as root).
void set_mark(int fd, uint32_t mark) {
  if (setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) != 0)
    throw std::system_error(errno, std::generic_category(), "SO_MARK");
}

// Distinct ICMP ids for concurrent probes in one process (replies reach every raw socket).
uint16_t next_icmp_id() {
  static std::atomic<uint16_t> counter{static_cast<uint16_t>(getpid() * 7919)};
  return counter.fetch_add(1);
}

// A raw ICMP socket in a namespace that only receives echo replies.
class IcmpSocket {
 public:
  IcmpSocket(const std::string& netns, const std::string& dst_ip, uint32_t mark = 0)
      : fd_(socket_in_netns(netns, AF_INET, SOCK_RAW, IPPROTO_ICMP)), dst_(make_addr(dst_ip, 0)), id_(next_icmp_id()) {
    icmp_filter filter{~(1U << ICMP_ECHOREPLY)};
    setsockopt(fd_, SOL_RAW, ICMP_FILTER, &filter, sizeof filter);
    if (mark) set_mark(fd_, mark);
  }
  ~IcmpSocket() { close(fd_); }

  bool send(uint16_t seq) {
    uint8_t pkt[8 + 24] = {};
    pkt[0] = ICMP_ECHO;
    pkt[4] = static_cast<uint8_t>(id_ >> 8);
    pkt[5] = static_cast<uint8_t>(id_);
    pkt[6] = static_cast<uint8_t>(seq >> 8);
    pkt[7] = static_cast<uint8_t>(seq);
    std::memcpy(pkt + 8, "sandnet-harness-probe....", 24);
    uint16_t sum = inet_checksum(pkt, sizeof pkt);
    pkt[2] = static_cast<uint8_t>(sum >> 8);
    pkt[3] = static_cast<uint8_t>(sum);
    return sendto(fd_, pkt, sizeof pkt, 0, reinterpret_cast<const sockaddr*>(&dst_), sizeof dst_) ==
           static_cast<ssize_t>(sizeof pkt);
  }

  // The sequence number of the next echo reply for our id from dst, or -1 at the deadline.
  int receive(Clock::time_point deadline) {
    uint8_t buf[2048];
    while (wait_fd(fd_, POLLIN, deadline)) {
      sockaddr_in from{};
      socklen_t from_len = sizeof from;
      ssize_t n = recvfrom(fd_, buf, sizeof buf, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from), &from_len);
      if (n < 20) continue;
      size_t ihl = static_cast<size_t>(buf[0] & 0x0f) * 4;
      if (static_cast<size_t>(n) < ihl + 8 || from.sin_addr.s_addr != dst_.sin_addr.s_addr) continue;
      const uint8_t* icmp = buf + ihl;
      uint16_t id = static_cast<uint16_t>(icmp[4] << 8 | icmp[5]);
      if (icmp[0] != ICMP_ECHOREPLY || id != id_) continue;
      return icmp[6] << 8 | icmp[7];
    }
    return -1;
  }

 private:
  int fd_;
  sockaddr_in dst_;
  uint16_t id_;
};

}  // namespace

bool ping_once(const std::string& netns, const std::string& dst_ip, milliseconds timeout, uint32_t mark) {
  IcmpSocket sock(netns, dst_ip, mark);
  const auto deadline = Clock::now() + timeout;
  if (!sock.send(1)) {
    // e.g. ENETUNREACH, or EHOSTUNREACH from a failed ARP: not reachable. Do not spin.
    std::this_thread::sleep_for(std::min(timeout, milliseconds(100)));
    return false;
  }
  for (;;) {
    int seq = sock.receive(deadline);
    if (seq < 0) return false;
    if (seq == 1) return true;
  }
}

bool ping_eventually(const std::string& netns, const std::string& dst_ip, milliseconds deadline, uint32_t mark) {
  return eventually(deadline, milliseconds(0), [&] { return ping_once(netns, dst_ip, milliseconds(500), mark); });
}

PingStreamResult ping_stream(const std::string& netns, const std::string& dst_ip, int count, milliseconds interval,
                             milliseconds tail) {
  IcmpSocket sock(netns, dst_ip);
  std::vector<bool> seen(static_cast<size_t>(count), false);
  std::atomic<bool> sending_done{false};
  std::atomic<Clock::time_point::rep> receive_deadline{0};
  std::mutex mu;
  int received = 0;

  std::thread receiver([&] {
    for (;;) {
      auto deadline = sending_done ? Clock::time_point(Clock::duration(receive_deadline.load()))
                                   : Clock::now() + milliseconds(100);
      int seq = sock.receive(deadline);
      std::lock_guard lock(mu);
      if (seq >= 0 && seq < count && !seen[static_cast<size_t>(seq)]) {
        seen[static_cast<size_t>(seq)] = true;
        ++received;
      }
      if (received == count) return;
      if (sending_done && Clock::now() >= Clock::time_point(Clock::duration(receive_deadline.load()))) return;
    }
  });

  PingStreamResult result;
  auto next = Clock::now();
  for (int seq = 0; seq < count; ++seq) {
    std::this_thread::sleep_until(next);
    next += interval;
    if (sock.send(static_cast<uint16_t>(seq))) ++result.sent;
  }
  receive_deadline = (Clock::now() + tail).time_since_epoch().count();
  sending_done = true;
  receiver.join();

  result.received = received;
  for (int seq = 0; seq < count; ++seq)
    if (!seen[static_cast<size_t>(seq)]) result.lost.push_back(seq);
  return result;
}

TcpEchoServer::TcpEchoServer(const std::string& netns, const std::string& ip, uint16_t port) {
  listen_fd_ = socket_in_netns(netns, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr = make_addr(ip, port);
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(listen_fd_, 128) != 0) {
    int err = errno;
    close(listen_fd_);
    throw std::runtime_error(fmt::format("echo server {}:{} in {}: {}", ip, port, netns, std::strerror(err)));
  }
  stop_fd_ = eventfd(0, EFD_CLOEXEC);
  thread_ = std::thread([this] { serve(); });
}

TcpEchoServer::~TcpEchoServer() {
  uint64_t one = 1;
  (void)!write(stop_fd_, &one, sizeof one);
  thread_.join();
  close(stop_fd_);
  close(listen_fd_);
}

void TcpEchoServer::serve() {
  // Per client: bytes read but not yet echoed. A client with pending bytes is not read from
  // until they are written (backpressure), so bulk transfers echo every byte.
  std::map<int, std::string> clients;
  for (;;) {
    std::vector<pollfd> fds{{stop_fd_, POLLIN, 0}, {listen_fd_, POLLIN, 0}};
    for (const auto& [fd, pending] : clients)
      fds.push_back({fd, static_cast<short>(pending.empty() ? POLLIN : POLLOUT), 0});
    if (poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) break;
    if (fds[0].revents) break;
    if (fds[1].revents & POLLIN) {
      int c = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (c >= 0) clients[c];
    }
    for (size_t i = 2; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      const int c = fds[i].fd;
      std::string& pending = clients[c];
      bool closed = false;
      if (pending.empty()) {
        char buf[65536];
        ssize_t n = read(c, buf, sizeof buf);
        if (n > 0) pending.assign(buf, static_cast<size_t>(n));
        else if (n == 0 || (errno != EAGAIN && errno != EINTR)) closed = true;
      }
      if (!pending.empty() && !closed) {
        ssize_t w = send(c, pending.data(), pending.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0) pending.erase(0, static_cast<size_t>(w));
        else if (w < 0 && errno != EAGAIN && errno != EINTR) closed = true;
      }
      if (closed) {
        close(c);
        clients.erase(c);
      }
    }
  }
  for (const auto& [fd, pending] : clients) close(fd);
}

const char* to_string(TcpOutcome outcome) {
  switch (outcome) {
    case TcpOutcome::kEchoed: return "echoed";
    case TcpOutcome::kRefused: return "refused";
    case TcpOutcome::kTimeout: return "timeout";
    case TcpOutcome::kError: return "error";
  }
  return "?";
}

namespace {

// Non-blocking connect within the deadline; returns 0 or the errno.
int connect_until(int fd, const sockaddr_in& addr, Clock::time_point deadline) {
  if (connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) return 0;
  if (errno != EINPROGRESS) return errno;
  if (!wait_fd(fd, POLLOUT, deadline)) return ETIMEDOUT;
  int err = 0;
  socklen_t len = sizeof err;
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
  return err;
}

// Closes with a RST so that no FIN_WAIT/TIME_WAIT lingers between probes.
void close_abortive(int fd) {
  linger l{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  close(fd);
}

}  // namespace

TcpOutcome tcp_probe(const std::string& netns, const std::string& ip, uint16_t port, milliseconds timeout,
                     uint32_t mark) {
  const auto deadline = Clock::now() + timeout;
  int fd = socket_in_netns(netns, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (mark) set_mark(fd, mark);
  int err = connect_until(fd, make_addr(ip, port), deadline);
  TcpOutcome outcome = TcpOutcome::kError;
  if (err == ETIMEDOUT) {
    outcome = TcpOutcome::kTimeout;
  } else if (err == ECONNREFUSED) {
    outcome = TcpOutcome::kRefused;
  } else if (err == 0) {
    static constexpr char kMsg[] = "sandnet-probe\n";
    outcome = TcpOutcome::kTimeout;
    if (send(fd, kMsg, sizeof kMsg - 1, MSG_NOSIGNAL) == static_cast<ssize_t>(sizeof kMsg - 1)) {
      std::string got;
      char buf[64];
      while (got.size() < sizeof kMsg - 1 && wait_fd(fd, POLLIN, deadline)) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        got.append(buf, static_cast<size_t>(n));
      }
      if (got == kMsg) outcome = TcpOutcome::kEchoed;
    }
  }
  close_abortive(fd);
  return outcome;
}

TcpOutcome tcp_probe_eventually(const std::string& netns, const std::string& ip, uint16_t port, milliseconds deadline,
                                uint32_t mark) {
  TcpOutcome last = TcpOutcome::kTimeout;
  eventually(deadline, milliseconds(50), [&] {
    last = tcp_probe(netns, ip, port, milliseconds(1000), mark);
    return last == TcpOutcome::kEchoed;
  });
  return last;
}

TcpEchoClient::TcpEchoClient(const std::string& netns, const std::string& ip, uint16_t port, milliseconds timeout) {
  fd_ = socket_in_netns(netns, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int err = connect_until(fd_, make_addr(ip, port), Clock::now() + timeout);
  if (err != 0) {
    close(fd_);
    throw std::runtime_error(fmt::format("connect {}:{} from {}: {}", ip, port, netns, std::strerror(err)));
  }
}

TcpEchoClient::~TcpEchoClient() { close_abortive(fd_); }

bool TcpEchoClient::exchange(milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  const std::string msg = fmt::format("message {}\n", sent_);
  ssize_t n = send(fd_, msg.data(), msg.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  if (n > 0) sent_ += static_cast<uint64_t>(n);
  char buf[4096];
  while (received_ < sent_) {
    if (!wait_fd(fd_, POLLIN, deadline)) return false;
    ssize_t got = recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (got == 0) return false;
    if (got < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return false;
    }
    received_ += static_cast<uint64_t>(got);
  }
  return true;
}

bool TcpEchoClient::exchange_bulk(size_t bytes, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::vector<char> chunk(64 * 1024, 'x');
  const uint64_t target = sent_ + bytes;
  char buf[64 * 1024];
  while (received_ < target) {
    short events = POLLIN;
    if (sent_ < target) events |= POLLOUT;
    if (!wait_fd(fd_, events, deadline)) return false;
    if (sent_ < target) {
      size_t n = std::min<uint64_t>(chunk.size(), target - sent_);
      ssize_t w = send(fd_, chunk.data(), n, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (w > 0) sent_ += static_cast<uint64_t>(w);
      else if (w < 0 && errno != EAGAIN && errno != EINTR) return false;
    }
    ssize_t got = recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (got == 0) return false;
    if (got > 0) received_ += static_cast<uint64_t>(got);
    else if (errno != EAGAIN && errno != EINTR) return false;
  }
  return true;
}

}  // namespace sandnet::testing
