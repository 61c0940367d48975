#include "api/serve.h"

#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <thread>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "api/open_store.h"

namespace sandnet::api {

int run_serve(ServeConfig config) {
  finalize(config);
  // stdout carries only the "listening on" line (scripts read it); logs go to stderr.
  spdlog::set_default_logger(spdlog::stderr_color_mt("sandnet-api"));
  spdlog::set_level(spdlog::level::from_str(config.log_level));

  // Block the stop signals before any thread exists, so that only the watcher receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  std::unique_ptr<Store> store = open_store(config.db, config.store);
  ApiServer server(*store, config.server);
  int port = server.bind();
  bool tls = !config.server.tls_cert.empty();
  std::printf("listening on %s://%s:%d\n", tls ? "https" : "http", config.server.host.c_str(),
              port);
  std::fflush(stdout);
  spdlog::info("sandnet-api {} serving {} on port {}, pool {}", SANDNET_VERSION,
               db_for_log(config.db), port, config.server.ipam.pool.to_string());

  std::thread watcher([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    spdlog::info("signal {}: stopping (finishing in-flight requests)", sig);
    server.stop();
  });
  server.run();
  // run() can also end on its own (listen error); wake the watcher so it can be joined.
  pthread_kill(watcher.native_handle(), SIGTERM);
  watcher.join();
  spdlog::info("stopped");
  return 0;
}

}  // namespace sandnet::api
