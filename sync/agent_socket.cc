#include "sync/agent_socket.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <system_error>

#include <spdlog/spdlog.h>

namespace sandnet::sync {
namespace {

sockaddr_un unix_address(const std::string& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (path.size() >= sizeof a.sun_path) throw std::system_error(ENAMETOOLONG, std::generic_category(), path);
  std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
  return a;
}

// Reads up to the first newline within the deadline; false on timeout, EOF first or overflow.
bool read_line(int fd, std::string& line, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  char buf[1024];
  while (line.find('\n') == std::string::npos) {
    if (line.size() > kMaxRequestBytes * 16) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    int r = poll(&p, 1, static_cast<int>(left));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return !line.empty();
    line.append(buf, static_cast<size_t>(n));
  }
  line.resize(line.find('\n'));
  return true;
}

bool write_all(int fd, const std::string& text) {
  for (size_t done = 0; done < text.size();) {
    ssize_t n = send(fd, text.data() + done, text.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

std::string agent_socket_path(const std::string& run_dir) { return run_dir + "/agent.sock"; }

AgentSocketServer::AgentSocketServer(const std::string& path, Handler handler)
    : path_(path), handler_(std::move(handler)) {
  auto addr = unix_address(path);
  listen_fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::system_error(errno, std::generic_category(), "unix socket");
  unlink(path.c_str());
  mode_t old = umask(0177);  // born 0600: no window where others could connect
  int rc = bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  int e = errno;
  umask(old);
  if (rc != 0 || chmod(path.c_str(), 0600) != 0 || listen(listen_fd_, 16) != 0) {
    if (rc == 0) e = errno;
    close(listen_fd_);
    throw std::system_error(e, std::generic_category(), "agent socket " + path);
  }
  stop_fd_ = eventfd(0, EFD_CLOEXEC);
  thread_ = std::thread([this] { run(); });
}

AgentSocketServer::~AgentSocketServer() {
  uint64_t one = 1;
  if (write(stop_fd_, &one, sizeof one) < 0) spdlog::warn("agent socket: cannot wake its thread");
  thread_.join();
  close(listen_fd_);
  close(stop_fd_);
  unlink(path_.c_str());
}

void AgentSocketServer::run() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents) return;
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    serve_one(fd);
    close(fd);
  }
}

void AgentSocketServer::serve_one(int fd) {
  std::string line;
  nlohmann::json answer;
  if (!read_line(fd, line, 5000) || line.size() > kMaxRequestBytes) {
    answer = {{"ok", false}, {"error", "expected one JSON line of at most 4096 bytes"}};
  } else {
    auto request = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (request.is_discarded()) answer = {{"ok", false}, {"error", "request is not JSON"}};
    else answer = handler_(request);
  }
  write_all(fd, answer.dump() + "\n");
}

nlohmann::json agent_request(const std::string& socket_path, const nlohmann::json& request, int timeout_ms) {
  auto addr = unix_address(socket_path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int e = errno;
    close(fd);
    throw std::runtime_error("cannot reach the agent at " + socket_path + ": " + std::strerror(e));
  }
  std::string line;
  bool ok = write_all(fd, request.dump() + "\n") && read_line(fd, line, timeout_ms);
  close(fd);
  if (!ok) throw std::runtime_error("no answer from the agent at " + socket_path);
  auto answer = nlohmann::json::parse(line, nullptr, false);
  if (!answer.is_object()) throw std::runtime_error("the agent answered garbage: " + line.substr(0, 200));
  return answer;
}

}  // namespace sandnet::sync
