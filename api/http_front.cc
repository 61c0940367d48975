#include "api/http_front.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include <openssl/err.h>
#include <spdlog/spdlog.h>

namespace sandnet::api {

struct HttpFront::Conn {
  int fd = -1;
  SSL* ssl = nullptr;              // TLS connections only
  bool handshaken = false;
  std::string in;                  // received, not yet answered
  Clock::time_point deadline;      // idle, request or drain deadline
  bool in_request = false;         // part of a request is buffered
  bool draining = false;           // refused: discard input until EOF or the deadline
  bool peer_done = false;          // the client half-closed: answer what is buffered, then close
  int served = 0;
  size_t header_end = 0, request_end = 0;  // of the request handed to a worker
  size_t scanned = 0;      // bytes of `in` the last scan saw
  size_t complete_at = 0;  // a Content-Length body is complete at this size of `in`
};

namespace {

using Clock = std::chrono::steady_clock;

thread_local std::string_view tl_headers;

constexpr size_t kReadChunk = 16 * 1024;
constexpr int kDrainMs = 2000;
constexpr int kLingerMs = 2;
constexpr size_t kRescanBytes = 4096;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

void set_nonblocking(int fd) {
  int flags = fcntl(fd, F_GETFL, 0);
  fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

// One non-blocking write attempt of the socket or TLS layer: bytes written, 0 when it would
// block (`want_read` set when TLS needs to read first), -1 on error.
ssize_t write_some(int fd, SSL* ssl, std::string_view bytes, bool& want_read) {
  want_read = false;
  if (!ssl) {
    ssize_t n = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n >= 0) return n;
    return errno == EAGAIN || errno == EINTR ? 0 : -1;
  }
  int n = SSL_write(ssl, bytes.data(), static_cast<int>(bytes.size()));
  if (n > 0) return n;
  int err = SSL_get_error(ssl, n);
  want_read = err == SSL_ERROR_WANT_READ;
  return err == SSL_ERROR_WANT_WRITE || want_read ? 0 : -1;
}

// Best effort, never blocks: small answers fit the socket buffer.
void send_now(int fd, SSL* ssl, std::string_view bytes) {
  bool want_read;
  while (!bytes.empty()) {
    ssize_t n = write_some(fd, ssl, bytes, want_read);
    if (n <= 0) return;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

void address_of(int fd, bool peer, std::string& ip, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  int rc = peer ? getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len)
                : getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  if (rc != 0) return;
  char text[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
    port = ntohs(a->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
    port = ntohs(a->sin6_port);
  }
  ip = text;
}

// One buffered request for httplib's parser: reads come from memory (never block, end at
// the request's last byte), writes go to the non-blocking socket with a deadline.
class FrontStream final : public httplib::Stream {
 public:
  FrontStream(int fd, SSL* ssl, std::string_view request, Clock::time_point write_deadline)
      : fd_(fd), ssl_(ssl), request_(request), deadline_(write_deadline) {}

  bool is_readable() const override { return true; }
  bool is_writable() const override { return !failed_; }

  ssize_t read(char* ptr, size_t size) override {
    size_t n = std::min(size, request_.size());
    std::memcpy(ptr, request_.data(), n);
    request_.remove_prefix(n);
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    size_t done = 0;
    while (done < size && !failed_) {
      bool want_read = false;
      ssize_t n = write_some(fd_, ssl_, std::string_view(ptr + done, size - done), want_read);
      if (n > 0) {
        done += static_cast<size_t>(n);
        continue;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now());
      pollfd p{fd_, static_cast<short>(want_read ? POLLIN : POLLOUT), 0};
      if (n == 0 && left.count() > 0 && poll(&p, 1, static_cast<int>(left.count())) > 0) {
        continue;  // a TLS write retries with the same bytes, as OpenSSL requires
      }
      failed_ = true;
    }
    return failed_ ? -1 : static_cast<ssize_t>(size);
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    address_of(fd_, true, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    address_of(fd_, false, ip, port);
  }
  // httplib only compares this with FD_SETSIZE (its select() guard); nothing here is
  // select()ed, so a high descriptor number must not turn every request into a 500.
  socket_t socket() const override { return 0; }

  bool failed() const { return failed_; }

 private:
  int fd_;
  SSL* ssl_;
  std::string_view request_;
  Clock::time_point deadline_;
  bool failed_ = false;
};

}  // namespace

HttpFront::HttpFront(FrontOptions options, Serve serve, Reject reject)
    : options_(std::move(options)), serve_(std::move(serve)), reject_(std::move(reject)) {}

HttpFront::~HttpFront() { stop(); }

std::string_view HttpFront::current_headers() { return tl_headers; }

void HttpFront::start() {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  event_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_fd_ < 0 || event_fd_ < 0) throw std::runtime_error("cannot create epoll/eventfd");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = event_fd_;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, event_fd_, &ev);
  started_ = true;
  park_thread_ = std::thread([this] { park_loop(); });
  for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { work_loop(); });
}

void HttpFront::wake() {
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(event_fd_, &one, sizeof one);
}

void HttpFront::adopt(int fd) {
  if (stopping_ || !started_) {
    close(fd);
    return;
  }
  set_nonblocking(fd);
  int on = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  if (open_.load() >= options_.max_connections) {
    if (!options_.tls) {  // a TLS client could not read a plaintext answer
      send_now(fd, nullptr,
               reject_(503, "too_many_connections",
                       "the server holds its maximum of open connections; retry shortly",
                       options_.retry_after_s));
    }
    close(fd);
    return;
  }
  ++open_;
  auto c = std::make_unique<Conn>();
  c->fd = fd;
  if (options_.tls) {
    c->ssl = SSL_new(options_.tls);
    if (!c->ssl || SSL_set_fd(c->ssl, fd) != 1) {
      if (c->ssl) SSL_free(c->ssl);
      close(fd);
      --open_;
      return;
    }
    SSL_set_accept_state(c->ssl);
  }
  {
    std::lock_guard<std::mutex> lock(inbox_mu_);
    inbox_.push_back(std::move(c));
  }
  wake();
}

void HttpFront::register_conn(std::unique_ptr<Conn> c) {
  int fd = c->fd;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP;
  ev.data.fd = fd;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    close_conn(*c);
    return;
  }
  // A TLS handshake must finish within the request deadline too.
  c->in_request = !c->in.empty() || (c->ssl && !c->handshaken);
  c->deadline = Clock::now() + std::chrono::milliseconds(c->in_request
                                                             ? options_.request_timeout_ms
                                                             : options_.idle_timeout_ms);
  parked_[fd] = std::move(c);
  advance(fd);  // a returned connection may already hold the next request
}

void HttpFront::close_conn(Conn& c) {
  if (c.ssl) {
    if (c.handshaken) SSL_shutdown(c.ssl);  // close_notify, best effort
    SSL_free(c.ssl);
    c.ssl = nullptr;
  }
  close(c.fd);
  --open_;
}

void HttpFront::close_parked(int fd) {
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  close_conn(*parked_.at(fd));
  parked_.erase(fd);
}

// Answers, then reads and discards what the client still sends for a moment: closing a
// socket with unread input sends a reset, which can destroy the answer before the client
// reads it (a client streaming a 100 MB body would never see its 413).
void HttpFront::refuse(Conn& c, int status, const char* code, const char* message) {
  send_now(c.fd, c.ssl, reject_(status, code, message, status == 503 ? options_.retry_after_s : 0));
  if (c.ssl) SSL_shutdown(c.ssl);
  shutdown(c.fd, SHUT_WR);
  c.draining = true;
  c.in.clear();
  c.in.shrink_to_fit();
  c.deadline = Clock::now() + std::chrono::milliseconds(kDrainMs);
}

void HttpFront::on_readable(Conn& c) {
  const size_t cap = options_.scan.max_header_bytes + options_.scan.max_body_bytes +
                     options_.scan.max_chunk_overhead + kReadChunk;
  char buf[kReadChunk];
  if (c.ssl && !c.handshaken && !c.draining) {
    int rc = SSL_accept(c.ssl);
    if (rc != 1) {
      int err = SSL_get_error(c.ssl, rc);
      if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) close_parked(c.fd);
      return;  // the rest of the handshake comes with the next bytes
    }
    c.handshaken = true;
    c.in_request = false;
    c.deadline = Clock::now() + std::chrono::milliseconds(options_.idle_timeout_ms);
  }
  while (true) {
    ssize_t n;
    if (c.ssl && !c.draining) {
      int rc = SSL_read(c.ssl, buf, sizeof buf);
      int err = rc > 0 ? SSL_ERROR_NONE : SSL_get_error(c.ssl, rc);
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) break;
      n = err == SSL_ERROR_NONE ? rc : (err == SSL_ERROR_ZERO_RETURN ? 0 : -1);
      if (n < 0) errno = EIO;
    } else {
      n = recv(c.fd, buf, sizeof buf, 0);  // a draining TLS connection: raw bytes, discarded
    }
    if (n == 0 && !c.draining && !c.in.empty()) {
      c.peer_done = true;  // e.g. a request followed by shutdown(SHUT_WR): still answered
      break;
    }
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
      close_parked(c.fd);
      return;
    }
    if (n < 0) break;
    if (c.draining) continue;
    if (c.in.empty() && !c.in_request) {
      c.in_request = true;
      c.deadline = Clock::now() + std::chrono::milliseconds(options_.request_timeout_ms);
    }
    c.in.append(buf, static_cast<size_t>(n));
    if (c.in.size() > cap) break;  // the scan refuses it; never buffer past the limits
  }
  if (!c.draining) advance(c.fd);
}

void HttpFront::advance(int fd) {
  Conn& c = *parked_.at(fd);
  if (c.in.empty()) return;
  // Rescanning on every read would make a slow sender cost O(n^2). A request can only become
  // complete when a line ends or when its Content-Length body's last byte arrives; limits are
  // checked at least every 4 KiB.
  bool line_ended = c.in.find('\n', std::min(c.scanned, c.in.size())) != std::string::npos;
  bool body_done = c.complete_at != 0 && c.in.size() >= c.complete_at;
  bool grown = c.in.size() >= c.scanned + kRescanBytes;
  if (c.scanned != 0 && !line_ended && !body_done && !grown) return;
  c.scanned = c.in.size();
  ScanResult r = scan_request(c.in, options_.scan);
  c.complete_at = r.kind == ScanResult::kIncomplete ? r.request_end : 0;
  if (r.kind == ScanResult::kReject) {
    refuse(c, r.status, r.code, r.message);
    return;
  }
  if (r.expect_length > 0) {
    // The front answers the expectation itself (only once the headers passed the limits),
    // and removes the header so that httplib does not answer it a second time.
    c.in.erase(r.expect_offset, r.expect_length);
    if (r.kind == ScanResult::kIncomplete) send_now(c.fd, c.ssl, kContinue);
    r = scan_request(c.in, options_.scan);
    c.scanned = c.in.size();
    c.complete_at = r.kind == ScanResult::kIncomplete ? r.request_end : 0;
  }
  if (r.kind == ScanResult::kComplete) {
    dispatch(fd, r.header_end, r.request_end);
  } else if (c.peer_done) {
    close_parked(fd);  // the rest of the request can never arrive
  }
}

void HttpFront::dispatch(int fd, size_t header_end, size_t request_end) {
  std::unique_ptr<Conn> c = std::move(parked_.at(fd));
  parked_.erase(fd);
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  c->header_end = header_end;
  c->request_end = request_end;
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    if (queue_.size() < options_.queue_capacity) {
      queue_.push_back(std::move(c));
      queue_cv_.notify_one();
      return;
    }
  }
  Conn& refused = *c;
  parked_[fd] = std::move(c);
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP;
  ev.data.fd = fd;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
  refuse(refused, 503, "overloaded", "every worker is busy and the request queue is full");
}

void HttpFront::sweep_deadlines(Clock::time_point now) {
  std::vector<int> expired;
  for (auto& [fd, c] : parked_) {
    if (c->deadline <= now) expired.push_back(fd);
  }
  for (int fd : expired) {
    Conn& c = *parked_.at(fd);
    if (c.in_request && !c.draining && (!c.ssl || c.handshaken)) {
      refuse(c, 408, "request_timeout", "the request did not arrive in time");
    } else {
      close_parked(fd);  // idle keep-alive, or done draining
    }
  }
}

void HttpFront::park_loop() {
  std::vector<epoll_event> events(256);
  auto last_sweep = Clock::now();
  while (!stopping_) {
    int n = epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), 100);
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == event_fd_) {
        uint64_t count;
        [[maybe_unused]] ssize_t r = ::read(event_fd_, &count, sizeof count);
        continue;
      }
      auto it = parked_.find(fd);
      if (it != parked_.end()) on_readable(*it->second);
    }
    std::vector<std::unique_ptr<Conn>> arrived;
    {
      std::lock_guard<std::mutex> lock(inbox_mu_);
      arrived.swap(inbox_);
    }
    for (auto& c : arrived) register_conn(std::move(c));
    auto now = Clock::now();
    if (now - last_sweep > std::chrono::milliseconds(100)) {
      sweep_deadlines(now);
      last_sweep = now;
    }
  }
  std::vector<int> fds;
  for (auto& [fd, c] : parked_) fds.push_back(fd);
  for (int fd : fds) close_parked(fd);
}

void HttpFront::finish(std::unique_ptr<Conn> c, bool keep) {
  if (!keep || stopping_) {
    close_conn(*c);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(inbox_mu_);
    inbox_.push_back(std::move(c));
  }
  wake();
}

void HttpFront::work_loop() {
  while (true) {
    std::unique_ptr<Conn> c;
    {
      std::unique_lock<std::mutex> lock(queue_mu_);
      queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and every queued request was answered
      c = std::move(queue_.front());
      queue_.pop_front();
    }
    bool keep = true;
    while (keep) {
      keep = serve_buffered(*c);
      if (keep && !next_request_soon(*c)) break;
    }
    finish(std::move(c), keep);
  }
}

bool HttpFront::serve_buffered(Conn& c) {
  FrontStream stream(c.fd, c.ssl, std::string_view(c.in).substr(0, c.request_end),
                     Clock::now() + std::chrono::milliseconds(options_.write_timeout_ms));
  tl_headers = std::string_view(c.in).substr(0, c.header_end);
  bool close_after = stopping_ || ++c.served >= options_.max_requests_per_connection;
  bool closed_by_client = false;
  bool ok = false;
  try {
    ok = serve_(stream, close_after, closed_by_client);
  } catch (const std::exception& e) {
    spdlog::error("request failed outside the handlers: {}", e.what());
  }
  tl_headers = {};
  c.in.erase(0, c.request_end);
  c.scanned = c.complete_at = 0;
  return ok && !close_after && !closed_by_client && !stream.failed() && !c.peer_done;
}

// A keep-alive client usually sends its next request within a round trip of the answer:
// wait for it here, briefly, rather than handing the connection back to the epoll thread
// (two thread switches and two epoll_ctl calls per request). Bounded by kLingerMs and
// skipped while other requests wait for a worker, so it never keeps a worker from anyone;
// anything unusual (a partial or refused request, EOF, Expect) goes back to the epoll thread.
bool HttpFront::next_request_soon(Conn& c) {
  if (c.in.empty()) {
    {
      std::lock_guard<std::mutex> lock(queue_mu_);
      if (!queue_.empty() || stopping_) return false;
    }
    bool pending = c.ssl && SSL_pending(c.ssl) > 0;
    pollfd p{c.fd, POLLIN, 0};
    if (!pending && poll(&p, 1, kLingerMs) <= 0) return false;
    char buf[kReadChunk];
    ssize_t n = c.ssl ? SSL_read(c.ssl, buf, sizeof buf) : recv(c.fd, buf, sizeof buf, 0);
    if (n <= 0) {
      // Nothing after all, EOF or an error: the epoll thread sees it again and decides.
      if (c.ssl) ERR_clear_error();
      return false;
    }
    c.in.append(buf, static_cast<size_t>(n));
  }
  ScanResult r = scan_request(c.in, options_.scan);
  if (r.kind != ScanResult::kComplete || r.expect_length > 0) return false;
  c.header_end = r.header_end;
  c.request_end = r.request_end;
  return true;
}

void HttpFront::stop() {
  {
    // Under the queue's lock: a worker between checking the predicate and sleeping would
    // otherwise miss the wake-up and never exit.
    std::lock_guard<std::mutex> lock(queue_mu_);
    if (!started_ || stopping_.exchange(true)) return;
  }
  wake();
  queue_cv_.notify_all();
  if (park_thread_.joinable()) park_thread_.join();
  for (std::thread& t : workers_) t.join();
  workers_.clear();
  {
    std::lock_guard<std::mutex> lock(inbox_mu_);
    for (auto& c : inbox_) close_conn(*c);
    inbox_.clear();
  }
  close(epoll_fd_);
  close(event_fd_);
}

}  // namespace sandnet::api
