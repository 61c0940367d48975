// The HTTP(S) server: routing, authentication, body limits, JSend for every error httplib
// produces on its own (404, 405, 413, 400, 500), metrics, and graceful stop.
#pragma once
#include <memory>
#include <string>

#include "api/applied_persister.h"
#include "api/applied_tracker.h"
#include "api/change_notifier.h"
#include "api/host_presence.h"
#include "api/host_token_cache.h"
#include "api/lease_keeper.h"
#include "api/datapath_limits.h"
#include "api/feed_follower.h"
#include "api/http_front.h"
#include "api/ipam.h"
#include "api/metrics.h"
#include "api/rate_limiter.h"
#include "api/routes.h"
#include "api/store.h"
#include "api/wait_slots.h"

namespace sandnet::api {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: pick a free port
  std::string tls_cert;  // both set: HTTPS
  std::string tls_key;
  size_t max_body_bytes = 64 * 1024;
  // Workers that run requests. A worker is busy only while it answers one complete,
  // buffered request (http_front.h): idle and slow connections hold none.
  int threads = 8;
  // Extra workers for requests that wait (feed long-polls, ?wait=applied): at most this many
  // wait at once (wait_slots.h), so waiters never take the `threads` that serve the rest.
  int wait_threads = 64;
  size_t max_header_bytes = 16 * 1024;
  size_t max_connections = 2048;
  size_t max_queued_requests = 1024;
  int request_timeout_seconds = 10;
  int keep_alive_timeout_seconds = 5;
  int max_waits_per_caller = 4;  // wait slots one host or tenant may hold at once
  TenantQuotas quotas;
  // Token buckets (burst = 2 s worth); 0 = unlimited.
  double tenant_requests_per_second = 1000;
  double host_requests_per_second = 1000;  // a host plugging a boot storm of VMs: 2 calls a plug
  IpamConfig ipam;
  DatapathLimits limits;
  // One shared feed poll per replica (feed_follower.h); false: every long-poll reads the
  // store itself (the fan-out bench's baseline).
  bool feed_follower = true;
  // The follower reads at least this often even without a poke (a poke lost while the
  // database restarted costs at most this).
  int feed_recheck_ms = 1000;
  // How often hosts' applied reports are stored (applied_persister.h); 0: every 1000 ms on
  // a store of its own, every 100 ms when replicas share it (the bound on ?wait=applied
  // across replicas).
  int applied_persist_ms = 0;
  // How long a verified host token is believed without asking the store (host_token_cache.h):
  // the bound on how late a revocation takes effect. 0: ask every time.
  int host_token_cache_ms = 2000;
  // A host that made no request for this long is lost (lease_keeper.h, docs/host-feed.md).
  int host_lease_ms = 30000;
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
  std::string front_refusal(int status, const char* code, const char* message,
                            int retry_after_s);

  Store& store_;
  ServerOptions options_;
  std::unique_ptr<ChangeNotifier> notifier_;
  AppliedTracker applied_;
  std::unique_ptr<FeedFollower> follower_;
  std::unique_ptr<AppliedPersister> applied_persister_;
  HostPresence host_presence_;
  std::unique_ptr<LeaseKeeper> lease_keeper_;
  WaitSlots wait_slots_;
  RateLimiter tenant_rate_, host_rate_;
  HostTokenCache host_tokens_;
  RouteEnv env_;
  ApiRouter router_;
  Metrics metrics_;
  std::unique_ptr<httplib::Server> http_;
  struct TlsFree {
    void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
  };
  std::unique_ptr<SSL_CTX, TlsFree> tls_;  // set: HTTPS
  std::unique_ptr<HttpFront> front_;
  int listen_fd_ = -1;
};

}  // namespace sandnet::api
