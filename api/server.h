// The HTTP(S) front: routing, authentication, body limits, JSend for every error httplib
// produces on its own (404, 405, 413, 400, 500), metrics, and graceful stop.
#pragma once
#include <memory>
#include <string>

#include "api/applied_tracker.h"
#include "api/change_notifier.h"
#include "api/datapath_limits.h"
#include "api/ipam.h"
#include "api/metrics.h"
#include "api/routes.h"
#include "api/store.h"
#include "api/wait_slots.h"

namespace httplib {
class Server;
}

namespace sandnet::api {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: pick a free port
  std::string tls_cert;  // both set: HTTPS
  std::string tls_key;
  size_t max_body_bytes = 64 * 1024;
  // httplib serves one connection per worker thread for as long as it is kept alive, so
  // this bounds concurrent clients (others queue until a connection closes).
  int threads = 8;
  // Extra workers reserved for requests that wait (feed long-polls, ?wait=applied): at most
  // this many wait at once, so they never take the `threads` that serve everyone else.
  int wait_threads = 64;
  IpamConfig ipam;
  DatapathLimits limits;
};

class ApiServer {
 public:
  ApiServer(Store& store, ServerOptions options);
  ~ApiServer();

  // Binds the socket; returns the port (useful with port 0). Throws on failure.
  int bind();
  // Serves until stop(); in-flight requests finish before it returns.
  void run();
  // Safe from any thread (e.g. a signal-watching thread).
  void stop();

 private:
  void install_handlers();
  Reply dispatch(const httplib::Request& req);

  Store& store_;
  ServerOptions options_;
  std::unique_ptr<ChangeNotifier> notifier_;
  AppliedTracker applied_;
  WaitSlots wait_slots_;
  RouteEnv env_;
  ApiRouter router_;
  Metrics metrics_;
  std::unique_ptr<httplib::Server> http_;
  int listen_fd_ = -1;
};

}  // namespace sandnet::api
