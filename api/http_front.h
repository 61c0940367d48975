// The connection front of sandnet-api. One epoll thread holds every connection while it is
// idle (keep-alive) or still sending its request, and hands a connection to a worker only
// once a whole request, headers and body, is buffered and within limits (request_scan.h).
// So idle keep-alive clients and slow senders (slowloris) cost a descriptor and a bounded
// buffer, never a worker; a request that takes longer than request_timeout to arrive gets
// 408; when the queue of complete requests waiting for a worker is full, the front answers
// 503 + Retry-After at once instead of queueing without bound. With TLS the handshake happens
// on the epoll thread too (non-blocking), within request_timeout.
//
// Why not httplib's own loop: cpp-httplib 0.11 parks a worker thread on every connection
// for its whole keep-alive life, has no header deadline, reads chunked or length-less bodies
// without bound and inflates gzip/br bodies without a cap (docs/api.md, Connection limits).
#pragma once
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include <httplib.h>
#include <openssl/ssl.h>

#include "api/request_scan.h"

namespace sandnet::api {

struct FrontOptions {
  ScanLimits scan;
  int workers = 72;
  size_t queue_capacity = 1024;     // complete requests waiting for a worker
  size_t max_connections = 2048;    // open at once; more are answered 503 and closed
  int request_timeout_ms = 10000;   // first byte of a request -> whole request buffered
  int idle_timeout_ms = 5000;       // keep-alive connection with no request in progress
  int write_timeout_ms = 10000;     // answering one request
  int max_requests_per_connection = 1000;
  int retry_after_s = 1;            // on the front's own 503
  SSL_CTX* tls = nullptr;           // set: every connection speaks TLS (not owned)
};

class HttpFront {
 public:
  // Parses and answers one buffered request (httplib's process_request); false when the
  // connection must close.
  using Serve = std::function<bool(httplib::Stream&, bool close_connection,
                                   bool& connection_closed)>;
  // The complete HTTP response bytes for a refusal the front makes itself (JSend body,
  // request id, Retry-After for 503). Called on the front's threads.
  using Reject = std::function<std::string(int status, const char* code, const char* message,
                                           int retry_after_s)>;

  HttpFront(FrontOptions options, Serve serve, Reject reject);
  ~HttpFront();
  HttpFront(const HttpFront&) = delete;
  HttpFront& operator=(const HttpFront&) = delete;

  void start();
  // Takes ownership of an accepted socket (called from the accept thread).
  void adopt(int fd);
  // Stops reading new requests, answers those already queued or in progress, closes every
  // connection and joins the threads. Idempotent.
  void stop();

  // On a worker thread while it serves a request: that request's raw header block (httplib
  // percent-decodes header values; some must be compared byte for byte).
  static std::string_view current_headers();

  struct Conn;

 private:
  using Clock = std::chrono::steady_clock;

  void park_loop();
  void work_loop();
  void register_conn(std::unique_ptr<Conn> c);
  void on_readable(Conn& c);
  // Decides what the buffered input of a parked connection means; may dispatch or close it.
  void advance(int fd);
  void dispatch(int fd, size_t header_end, size_t request_end);
  void refuse(Conn& c, int status, const char* code, const char* message);
  void close_conn(Conn& c);
  void close_parked(int fd);
  void sweep_deadlines(Clock::time_point now);
  void wake();
  void finish(std::unique_ptr<Conn> c, bool keep);
  // Worker side: answers the buffered request; false when the connection must close.
  bool serve_buffered(Conn& c);
  bool next_request_soon(Conn& c);

  FrontOptions options_;
  Serve serve_;
  Reject reject_;
  int epoll_fd_ = -1;
  int event_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> open_{0};

  // Owned by the park thread.
  std::unordered_map<int, std::unique_ptr<Conn>> parked_;

  std::mutex inbox_mu_;  // connections handed to the park thread
  std::vector<std::unique_ptr<Conn>> inbox_;

  std::mutex queue_mu_;  // complete requests waiting for a worker
  std::condition_variable queue_cv_;
  std::deque<std::unique_ptr<Conn>> queue_;

  std::thread park_thread_;
  std::vector<std::thread> workers_;
  bool started_ = false;
};

}  // namespace sandnet::api
