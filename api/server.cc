#include "api/server.h"

#include <sys/socket.h>

#include <chrono>
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
    case 416: return {"range_not_satisfiable", "range not satisfiable"};
    default:
      if (status >= 500) return {"internal", "internal server error"};
      return {"client_error", fmt::format("request failed with HTTP {}", status)};
  }
}

void write_json(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  // replace: a stray invalid UTF-8 byte must never turn an answer into an exception.
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), kJsonType);
}

}  // namespace

namespace {

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
      wait_slots_(options_.wait_threads),
      env_{store_, options_.ipam, *notifier_, applied_, wait_slots_, options_.limits} {
  store_.read([&](ReadTx& tx) { applied_.load(tx.applied_revisions()); });
  store_.set_commit_listener([this](int64_t revision, const std::vector<std::string>& hosts) {
    notifier_->publish(revision, hosts);
  });
  if (!options_.tls_cert.empty() || !options_.tls_key.empty()) {
    auto tls = std::make_unique<httplib::SSLServer>(options_.tls_cert.c_str(),
                                                    options_.tls_key.c_str());
    if (!tls->is_valid()) {
      throw std::runtime_error("cannot load TLS certificate/key: " + options_.tls_cert + ", " +
                               options_.tls_key);
    }
    http_ = std::move(tls);
  } else {
    http_ = std::make_unique<httplib::Server>();
  }
  add_network_routes(router_, env_);
  add_sandbox_routes(router_, env_);
  add_membership_routes(router_, env_);
  add_host_routes(router_, env_);
  router_.add("GET", "/healthz", {false, [this](Call&) {
                if (!store_.healthy()) throw ApiError(503, "unhealthy", "store unavailable");
                return Reply{200, jsend_success({{"ok", true}, {"version", SANDNET_VERSION}})};
              }});
  // Prometheus text, not JSend; like /healthz it needs no key (it names no tenant data).
  router_.add("GET", "/metrics", {false, [this](Call&) {
                Reply r;
                r.text = metrics_.render();
                return r;
              }});
  install_handlers();
}

ApiServer::~ApiServer() { store_.set_commit_listener(nullptr); }

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
  if (match.handler->host_auth) {
    // Host scope only: a user's API key is no credential here.
    std::optional<std::string> host =
        authenticate_host(store_, req.get_header_value("X-Host-Token"));
    if (!host) throw ApiError(401, "unauthorized", "missing or invalid host token");
    // Another host's resources do not exist for this token.
    if (match.params.at("host") != *host) throw not_found("host");
    call.host = *host;
  } else if (match.handler->needs_auth) {
    std::optional<UserId> user = authenticate(store_, req.get_header_value("X-Api-Key"));
    if (!user) throw ApiError(401, "unauthorized", "missing or invalid API key");
    call.user = *user;
  }
  return match.handler->handle(call);
}

void ApiServer::install_handlers() {
  httplib::Server& http = *http_;
  http.set_payload_max_length(options_.max_body_bytes);
  int threads = options_.threads + options_.wait_threads;
  http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  // httplib sends headers and body in separate writes: without TCP_NODELAY, Nagle plus the
  // client's delayed ACK add ~40 ms to every keep-alive request.
  http.set_tcp_nodelay(true);
  // httplib's default closes a keep-alive connection after 5 requests.
  http.set_keep_alive_max_count(1000);
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
    return httplib::Server::HandlerResponse::Unhandled;
  });

  auto handler = [this](const httplib::Request& req, httplib::Response& res) {
    Reply reply;
    try {
      reply = dispatch(req);
    } catch (const ApiError& e) {
      reply = {e.status, jsend_for_status(e.status, e.code, e.what(), e.extra)};
      if (e.status == 405) res.set_header("Allow", e.extra.value("allow", ""));
    } catch (const std::exception& e) {
      spdlog::error("{} {}: {}", req.method, req.path, e.what());
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
          spdlog::error("{} {}: {}", req.method, req.path, e.what());
        } catch (...) {
          spdlog::error("{} {}: unknown exception", req.method, req.path);
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
    spdlog::debug("{} {} -> {} ({:.3f} ms)", req.method, req.path, res.status, seconds * 1e3);
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

void ApiServer::run() { http_->listen_after_bind(); }

void ApiServer::stop() {
  // Waiting requests answer now, so that stop() does not wait out their timeouts.
  notifier_->shutdown();
  applied_.shutdown();
  http_->stop();
}

}  // namespace sandnet::api
