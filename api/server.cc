#include "api/server.h"

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <random>
#include <stdexcept>

#include <fmt/format.h>
#include <httplib.h>
#include <spdlog/spdlog.h>

#include "api/api_error.h"
#include "api/auth.h"
#include "api/host_auth.h"
#include "api/jsend.h"

namespace sandnet::api {
namespace {

using Clock = std::chrono::steady_clock;

// httplib runs a request start-to-finish on one worker thread, so the route template and the
// start time can travel from the handlers to the logger hook through thread-locals.
thread_local std::string tl_route;
thread_local Clock::time_point tl_start;
thread_local bool tl_started = false;
thread_local bool tl_observed = false;
thread_local std::string tl_request_id;

// Unique per process and unguessable across restarts: a random prefix and a counter.
std::string new_request_id() {
  static const uint64_t prefix = std::random_device{}();
  static std::atomic<uint64_t> counter{0};
  return fmt::format("req_{:08x}{:010x}", prefix & 0xffffffff, ++counter);
}

// httplib::Server with its connection handling replaced by HttpFront: the accept loop hands
// each socket over, and the front calls back into httplib's request parser for each complete
// request. (Overriding the private virtual is how httplib's own SSLServer plugs in.)
class FrontedServer final : public httplib::Server {
 public:
  HttpFront* front = nullptr;
  bool serve_one(httplib::Stream& stream, bool close_connection, bool& connection_closed) {
    return process_request(stream, close_connection, connection_closed, nullptr);
  }

 private:
  bool process_and_close_socket(socket_t sock) override {
    front->adopt(sock);
    return true;
  }
};

// The accept loop runs each "task" inline: adopting a socket never blocks.
class InlineQueue final : public httplib::TaskQueue {
 public:
  void enqueue(std::function<void()> fn) override { fn(); }
  void shutdown() override {}
};

const char* const kJsonType = "application/json";

// Default code and message for statuses httplib produces itself.
std::pair<std::string, std::string> describe_status(int status) {
  switch (status) {
    case 400:  // e.g. a POST without Content-Length or chunked encoding
      return {"bad_request", "malformed HTTP request (bodies need a Content-Length)"};
    case 401: return {"unauthorized", "missing or invalid API key"};
    case 404: return {"not_found", "no such route"};
    case 405: return {"method_not_allowed", "method not allowed on this route"};
    case 413: return {"payload_too_large", "request body too large"};
    case 414: return {"uri_too_long", "request URI too long"};
    case 415: return {"unsupported_media_type", "unsupported request body"};
    case 416: return {"range_not_satisfiable", "range not satisfiable"};
    default:
      if (status >= 500) return {"internal", "internal server error"};
      return {"client_error", fmt::format("request failed with HTTP {}", status)};
  }
}

// For the answers the connection front writes itself (httplib's table is not exported).
const char* reason_phrase(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

void write_json(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  // replace: a stray invalid UTF-8 byte must never turn an answer into an exception.
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), kJsonType);
}

}  // namespace

namespace {

void check_rate(RateLimiter& limiter, const std::string& caller) {
  if (int wait_s = limiter.take(caller)) {
    throw ApiError(429, "rate_limited", "too many requests per second; slow down", {},
                   wait_s);
  }
}

// The server side of TLS for the connection front: TLS 1.2+, the certificate chain and key
// from PEM files (the same files httplib's SSLServer took).
SSL_CTX* tls_context(const std::string& cert, const std::string& key) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx && SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) == 1 &&
      SSL_CTX_use_certificate_chain_file(ctx, cert.c_str()) == 1 &&
      SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) == 1 &&
      SSL_CTX_check_private_key(ctx) == 1) {
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    return ctx;
  }
  if (ctx) SSL_CTX_free(ctx);
  throw std::runtime_error("cannot load TLS certificate/key: " + cert + ", " + key);
}

std::unique_ptr<ChangeNotifier> notifier_at_current_revision(Store& store) {
  int64_t revision = 0;
  store.read([&](ReadTx& tx) { revision = tx.current_revision(); });
  return std::make_unique<ChangeNotifier>(revision);
}

}  // namespace

ApiServer::ApiServer(Store& store, ServerOptions options)
    : store_(store),
      options_(std::move(options)),
      notifier_(notifier_at_current_revision(store_)),
      wait_slots_(options_.wait_threads, options_.max_waits_per_caller),
      tenant_rate_(options_.tenant_requests_per_second, 2 * options_.tenant_requests_per_second),
      host_rate_(options_.host_requests_per_second, 2 * options_.host_requests_per_second),
      host_tokens_(store_, std::chrono::milliseconds(options_.host_token_cache_ms)),
      env_{store_,       options_.ipam,   *notifier_,     applied_,
           wait_slots_,  options_.limits, options_.quotas} {
  store_.read([&](ReadTx& tx) { applied_.load(tx.applied_revisions()); });
  if (options_.feed_follower) {
    follower_ = std::make_unique<FeedFollower>(
        store_, applied_,
        FeedFollower::Options{std::chrono::milliseconds(options_.feed_recheck_ms)});
    env_.follower = follower_.get();
  }
  store_.set_commit_listener([this](int64_t revision, const std::vector<std::string>& hosts) {
    notifier_->publish(revision, hosts);
    if (follower_) follower_->committed(revision);
  });
  bool shared = follower_ && store_.watch_remote_commits([this](Store::RemoteCommit kind) {
    if (kind == Store::RemoteCommit::kApplied) {
      follower_->poke_applied();
    } else {
      follower_->poke();
    }
  });
  int persist_ms = options_.applied_persist_ms > 0 ? options_.applied_persist_ms
                                                   : (shared ? 100 : 1000);
  applied_persister_ = std::make_unique<AppliedPersister>(store_, applied_,
                                                          std::chrono::milliseconds(persist_ms));
  lease_keeper_ = std::make_unique<LeaseKeeper>(store_, host_presence_,
                                                std::chrono::milliseconds(options_.host_lease_ms));
  if (!options_.tls_cert.empty() || !options_.tls_key.empty()) {
    tls_.reset(tls_context(options_.tls_cert, options_.tls_key));
  }
#ifdef SANDNET_BENCH_HTTPLIB_LOOP
  // bench/api's baseline only: the same handlers on httplib's own connection loop.
  http_ = std::make_unique<httplib::Server>();
#else
  {
    auto fronted = std::make_unique<FrontedServer>();
    FrontOptions fo;
    fo.tls = tls_.get();
    fo.scan.max_header_bytes = options_.max_header_bytes;
    fo.scan.max_body_bytes = options_.max_body_bytes;
    fo.workers = options_.threads + options_.wait_threads;
    fo.queue_capacity = options_.max_queued_requests;
    fo.max_connections = options_.max_connections;
    fo.request_timeout_ms = options_.request_timeout_seconds * 1000;
    fo.idle_timeout_ms = options_.keep_alive_timeout_seconds * 1000;
    FrontedServer* server = fronted.get();
    front_ = std::make_unique<HttpFront>(
        fo,
        [server](httplib::Stream& s, bool close, bool& closed) {
          return server->serve_one(s, close, closed);
        },
        [this](int status, const char* code, const char* message, int retry_after_s) {
          return front_refusal(status, code, message, retry_after_s);
        });
    server->front = front_.get();
    http_ = std::move(fronted);
  }
#endif
  add_network_routes(router_, env_);
  add_sandbox_routes(router_, env_);
  add_membership_routes(router_, env_);
  add_host_routes(router_, env_);
  router_.add("GET", "/healthz", {false, [this](Call&) {
                StoreHealth health = store_.health();
                if (!health.ok) {
                  spdlog::warn("/healthz: {}", health.problem);
                  std::string reason = health.problem.substr(0, health.problem.find(':'));
                  throw ApiError(503, "unhealthy", "store unavailable: " + reason, {}, 5);
                }
                return Reply{200, jsend_success({{"ok", true}, {"version", SANDNET_VERSION}})};
              }});
  // Prometheus text, not JSend; like /healthz it needs no key (it names no tenant data).
  router_.add("GET", "/metrics", {false, [this](Call&) {
                Reply r;
                r.text = metrics_.render();
                if (follower_) {
                  r.text += fmt::format(
                      "# HELP sandnet_api_feed_waiting Feed long-polls waiting on the shared poll.\n"
                      "# TYPE sandnet_api_feed_waiting gauge\nsandnet_api_feed_waiting {}\n"
                      "# HELP sandnet_api_feed_revision Newest revision the shared poll has read.\n"
                      "# TYPE sandnet_api_feed_revision gauge\nsandnet_api_feed_revision {}\n"
                      "# HELP sandnet_api_committed_revision Newest revision this replica committed.\n"
                      "# TYPE sandnet_api_committed_revision gauge\n"
                      "sandnet_api_committed_revision {}\n",
                      follower_->waiting(), follower_->known(), follower_->committed());
                }
                return r;
              }});
  install_handlers();
}

ApiServer::~ApiServer() {
  store_.set_commit_listener(nullptr);
  store_.watch_remote_commits(nullptr);
}

Reply ApiServer::dispatch(const httplib::Request& req) {
  ApiRouter::Match match = router_.match(req.method, req.path);
  tl_route = match.route.empty() ? "unmatched" : match.route;
  if (!match.handler) {
    if (match.allowed.empty()) throw ApiError(404, "not_found", "no such route");
    std::string allow;
    for (const std::string& m : match.allowed) allow += (allow.empty() ? "" : ", ") + m;
    throw ApiError(405, "method_not_allowed", req.method + " is not allowed here",
                   {{"allow", allow}});
  }
  Call call{req, match.params, match.route, 0, {}};
  std::optional<HostPresence::Visit> visit;  // renews the host's lease (lease_keeper.h)
  if (match.handler->host_auth) {
    // Host scope only: a user's API key is no credential here.
    std::optional<std::string> host =
        host_tokens_.authenticate(req.get_header_value("X-Host-Token"));
    if (!host) throw ApiError(401, "unauthorized", "missing or invalid host token");
    // Another host's resources do not exist for this token.
    if (match.params.at("host") != *host) throw not_found("host");
    call.host = *host;
    visit.emplace(host_presence_, *host);
    check_rate(host_rate_, caller_name(call));
  } else if (match.handler->needs_auth) {
    std::optional<UserId> user = authenticate(store_, req.get_header_value("X-Api-Key"));
    if (!user) throw ApiError(401, "unauthorized", "missing or invalid API key");
    call.user = *user;
    check_rate(tenant_rate_, caller_name(call));
  }
  return match.handler->handle(call);
}

std::string ApiServer::front_refusal(int status, const char* code, const char* message,
                                     int retry_after_s) {
  metrics_.observe("unmatched", "", status, 0.0);
  std::string id = new_request_id();
  spdlog::debug("{} refused by the connection front: {} {}", id, status, code);
  std::string body = jsend_for_status(status, code, message).dump();
  std::string head = fmt::format(
      "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n"
      "X-Request-Id: {}\r\n",
      status, reason_phrase(status), kJsonType, body.size(), id);
  if (retry_after_s > 0) head += fmt::format("Retry-After: {}\r\n", retry_after_s);
  return head + "\r\n" + body;
}

void ApiServer::install_handlers() {
  httplib::Server& http = *http_;
  http.set_payload_max_length(options_.max_body_bytes);
  http.set_keep_alive_timeout(options_.keep_alive_timeout_seconds);
  http.set_read_timeout(options_.request_timeout_seconds);
  // httplib closes a keep-alive connection after 5 requests by default; the front enforces
  // the count, this only makes the Keep-Alive header tell the truth.
  http.set_keep_alive_max_count(1000);
#ifdef SANDNET_BENCH_HTTPLIB_LOOP
  int workers = options_.threads + options_.wait_threads;
  http.new_task_queue = [workers] { return new httplib::ThreadPool(static_cast<size_t>(workers)); };
#else
  http.new_task_queue = [] { return new InlineQueue; };
#endif
  // httplib sends headers and body in separate writes: without TCP_NODELAY, Nagle plus the
  // client's delayed ACK add ~40 ms to every keep-alive request.
  http.set_tcp_nodelay(true);
  // httplib listens with a backlog of 5, which drops connections under a burst of clients;
  // remember the socket so bind() can raise it (Linux applies a repeated listen() call).
  http.set_socket_options([this](int fd) {
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    listen_fd_ = fd;
  });

  http.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
    tl_route = "unmatched";
    tl_start = Clock::now();
    tl_started = true;
    tl_observed = false;
    tl_request_id = new_request_id();
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // Runs just before any response's headers are written, httplib's own errors included.
  http.set_post_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    if (tl_request_id.empty()) tl_request_id = new_request_id();
    res.set_header("X-Request-Id", tl_request_id);
    if ((res.status == 503 || res.status == 429) && !res.has_header("Retry-After")) {
      res.set_header("Retry-After", "1");
    }
    if (res.status == 401 && !res.has_header("WWW-Authenticate")) {
      bool host_route = req.path.rfind("/v1/hosts/", 0) == 0;
      res.set_header("WWW-Authenticate", host_route
                                             ? "HostToken realm=\"sandnet\", header=\"X-Host-Token\""
                                             : "ApiKey realm=\"sandnet\", header=\"X-Api-Key\"");
    }
  });

  auto handler = [this](const httplib::Request& req, httplib::Response& res) {
    Reply reply;
    try {
      reply = dispatch(req);
    } catch (const ApiError& e) {
      reply = {e.status, jsend_for_status(e.status, e.code, e.what(), e.extra)};
      if (e.status == 405) res.set_header("Allow", e.extra.value("allow", ""));
      if (e.retry_after_s > 0) res.set_header("Retry-After", std::to_string(e.retry_after_s));
    } catch (const StoreBusy& e) {
      spdlog::warn("{} {} {}: {}", tl_request_id, req.method, req.path, e.what());
      // SQLite: another process held the lock; PostgreSQL: also an unreachable or restarting
      // server (api/pg_store.cc). The log has which.
      reply = {503, jsend_for_status(503, "store_busy",
                                     "the database is busy or unreachable; retry")};
      res.set_header("Retry-After", "1");
    } catch (const std::exception& e) {
      spdlog::error("{} {} {}: {}", tl_request_id, req.method, req.path, e.what());
      reply = {500, jsend_error("internal", "internal server error")};
    }
    // Counted before the answer leaves, so a client that saw it also sees it in /metrics.
    metrics_.observe(tl_route, req.method, reply.status,
                     std::chrono::duration<double>(Clock::now() - tl_start).count());
    tl_observed = true;
    if (reply.replayed) res.set_header("Idempotent-Replayed", "true");
    if (!reply.text.empty()) {
      res.status = reply.status;
      res.set_content(reply.text, "text/plain; version=0.0.4");
      return;
    }
    write_json(res, reply.status, reply.body);
  };
  // Every method reaches the router, which knows 404 from 405.
  http.Get(".*", handler);
  http.Post(".*", handler);
  http.Put(".*", handler);
  http.Patch(".*", handler);
  http.Delete(".*", handler);
  http.Options(".*", handler);

  // Statuses httplib sets itself (unparsable request, 413, ...) get a JSend body too.
  http.set_error_handler(httplib::Server::HandlerWithResponse(
      [](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        auto [code, message] = describe_status(res.status);
        write_json(res, res.status, jsend_for_status(res.status, code, message));
        return httplib::Server::HandlerResponse::Handled;
      }));
  http.set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
        try {
          if (ep) std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          spdlog::error("{} {} {}: {}", tl_request_id, req.method, req.path, e.what());
        } catch (...) {
          spdlog::error("{} {} {}: unknown exception", tl_request_id, req.method, req.path);
        }
        write_json(res, 500, jsend_error("internal", "internal server error"));
      });

  // Requests httplib answered without reaching a handler (413, unparsable) are counted here.
  http.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    double seconds = tl_started
                         ? std::chrono::duration<double>(Clock::now() - tl_start).count()
                         : 0.0;
    if (!tl_observed) metrics_.observe("unmatched", req.method, res.status, seconds);
    tl_started = tl_observed = false;
    spdlog::debug("{} {} {} -> {} ({:.3f} ms)", tl_request_id, req.method, req.path, res.status,
                  seconds * 1e3);
    tl_request_id.clear();
  });
}

int ApiServer::bind() {
  int port = options_.port;
  if (port == 0) {
    port = http_->bind_to_any_port(options_.host.c_str());
  } else if (!http_->bind_to_port(options_.host.c_str(), port)) {
    port = -1;
  }
  if (port <= 0) {
    throw std::runtime_error(fmt::format("cannot listen on {}:{}", options_.host, options_.port));
  }
  if (listen_fd_ >= 0 && ::listen(listen_fd_, SOMAXCONN) != 0) {
    spdlog::warn("cannot raise the listen backlog");
  }
  return port;
}

void ApiServer::run() {
  if (front_) front_->start();
  http_->listen_after_bind();
  // The accept loop has ended (stop()): answer what is queued or in progress, then close.
  if (front_) front_->stop();
}

void ApiServer::stop() {
  // Waiting requests answer now, so that stop() does not wait out their timeouts.
  notifier_->shutdown();
  if (follower_) follower_->shutdown();
  applied_.shutdown();
  // httplib's stop() does nothing until its accept loop has started, and that loop blocks in
  // accept(): a stop between bind() and run() used to leave the server running. Shutting the
  // listening socket down makes every accept() on it fail at once, whenever it is called.
  if (listen_fd_ >= 0) ::shutdown(listen_fd_, SHUT_RDWR);
  http_->stop();
}

}  // namespace sandnet::api
