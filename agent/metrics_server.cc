#include "agent/metrics_server.h"

#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace sandnet::agent {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kMaxHead = 8192;
constexpr std::chrono::milliseconds kConnectionBudget{2000};

// Milliseconds left until `deadline` for poll(); 0 once past.
int ms_left(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

// Reads until the end of the request head, kMaxHead bytes, or the deadline. Empty: give up.
std::string read_head(int fd, Clock::time_point deadline) {
  std::string head;
  char buf[1024];
  while (head.size() < kMaxHead && head.find("\r\n\r\n") == std::string::npos) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, ms_left(deadline)) <= 0) return {};
    ssize_t n = recv(fd, buf, std::min(sizeof buf, kMaxHead - head.size()), 0);
    if (n <= 0) return {};
    head.append(buf, static_cast<size_t>(n));
  }
  return head;
}

void write_all(int fd, const std::string& bytes, Clock::time_point deadline) {
  size_t off = 0;
  while (off < bytes.size()) {
    pollfd p{fd, POLLOUT, 0};
    if (poll(&p, 1, ms_left(deadline)) <= 0) return;
    ssize_t n = send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

std::string response(int code, std::string_view reason, std::string_view type, const std::string& body) {
  return fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
                     code, reason, type, body.size(), body);
}

}  // namespace

std::pair<std::string, std::string> split_listen_address(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == listen.size())
    throw std::invalid_argument("--metrics-listen wants ADDR:PORT, e.g. 127.0.0.1:9465 or [::1]:9465");
  std::string addr = listen.substr(0, colon);
  if (addr.size() >= 2 && addr.front() == '[' && addr.back() == ']') addr = addr.substr(1, addr.size() - 2);
  return {addr, listen.substr(colon + 1)};
}

MetricsServer::MetricsServer(const std::string& listen, std::function<std::string()> render)
    : render_(std::move(render)) {
  auto [addr, port] = split_listen_address(listen);
  addrinfo hints{};
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = getaddrinfo(addr.c_str(), port.c_str(), &hints, &res); rc != 0)
    throw std::runtime_error(fmt::format("--metrics-listen {}: {}", listen, gai_strerror(rc)));
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owned(res, freeaddrinfo);
  listen_fd_.reset(socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  int one = 1;
  if (!listen_fd_.valid() || setsockopt(listen_fd_.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      bind(listen_fd_.get(), res->ai_addr, res->ai_addrlen) != 0 || ::listen(listen_fd_.get(), 16) != 0)
    throw std::runtime_error(fmt::format("--metrics-listen {}: {}", listen, std::strerror(errno)));
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  getsockname(listen_fd_.get(), reinterpret_cast<sockaddr*>(&bound), &len);
  port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                            : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  stop_fd_.reset(eventfd(0, EFD_CLOEXEC));
  if (!stop_fd_.valid()) throw std::runtime_error(fmt::format("eventfd: {}", std::strerror(errno)));
  thread_ = std::thread([this] { serve(); });
}

MetricsServer::~MetricsServer() {
  uint64_t one = 1;
  if (write(stop_fd_.get(), &one, sizeof one) < 0) spdlog::warn("metrics: cannot stop the listener");
  thread_.join();
}

void MetricsServer::serve() {
  for (;;) {
    pollfd fds[2] = {{stop_fd_.get(), POLLIN, 0}, {listen_fd_.get(), POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      spdlog::error("metrics: poll: {}", std::strerror(errno));
      return;
    }
    if (fds[0].revents) return;
    if (!(fds[1].revents & POLLIN)) continue;
    dp::UniqueFd conn(accept4(listen_fd_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (conn.valid()) answer(conn.get());
  }
}

void MetricsServer::answer(int fd) {
  auto deadline = Clock::now() + kConnectionBudget;
  std::string head = read_head(fd, deadline);
  auto line_end = head.find("\r\n");
  if (head.find("\r\n\r\n") == std::string::npos || line_end == std::string::npos) {
    write_all(fd, response(400, "Bad Request", "text/plain", "bad request\n"), deadline);
    return;
  }
  std::string line = head.substr(0, line_end);  // "GET /metrics HTTP/1.1"
  auto sp1 = line.find(' '), sp2 = line.rfind(' ');
  std::string method = line.substr(0, sp1);
  std::string target = sp1 == std::string::npos || sp2 <= sp1 ? "" : line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string path = target.substr(0, target.find('?'));
  if (path != "/metrics") {
    write_all(fd, response(404, "Not Found", "text/plain", "only /metrics is served\n"), deadline);
    return;
  }
  if (method != "GET") {
    write_all(fd, response(405, "Method Not Allowed", "text/plain", "GET only\n"), deadline);
    return;
  }
  std::string body;
  try {
    body = render_();
  } catch (const std::exception& e) {
    spdlog::warn("metrics: {}", e.what());
    write_all(fd, response(500, "Internal Server Error", "text/plain", std::string(e.what()) + "\n"), deadline);
    return;
  }
  write_all(fd, response(200, "OK", "text/plain; version=0.0.4; charset=utf-8", body), deadline);
}

}  // namespace sandnet::agent
