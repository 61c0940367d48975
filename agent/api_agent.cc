#include "agent/api_agent.h"

#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "agent/agent_metrics.h"
#include "agent/metrics_server.h"
#include "common/dns_label.h"
#include "loader/datapath.h"
#include "loader/net_addr.h"
#include "sync/agent_socket.h"
#include "sync/feed_client.h"
#include "sync/kernel_datapath.h"
#include "sync/reconciler.h"
#include "sync/table_pusher.h"
#include "sync/tap_watcher.h"

namespace sandnet::sync {
namespace {

std::string read_token(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read the host token file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string token = ss.str();
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.front()))) token.erase(0, 1);
  if (token.empty()) throw std::runtime_error("the host token file " + path + " is empty");
  if (token.find_first_of("\r\n") != std::string::npos) throw std::runtime_error("the host token file holds several lines");
  return token;
}

}  // namespace

int run_api_agent(const ApiAgentOptions& o) {
  if (!is_dns_label(o.host_id)) {
    spdlog::critical("--host-id must be a DNS label");
    return 2;
  }
  // Few threads allocate much (feed parsing, checkpoints): two arenas keep the peak RSS of a
  // 100k-membership view well under the target instead of one arena per thread.
  mallopt(M_ARENA_MAX, 2);
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGHUP);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  pthread_sigmask(SIG_BLOCK, &mask, nullptr);  // before any thread starts: they inherit it

  std::filesystem::create_directories(o.run_dir);
  std::filesystem::create_directories(o.state_dir);
  FeedClient client({o.api_urls, o.host_id, read_token(o.host_token_file)});
  dp::Datapath datapath(o.config, o.bpffs_root);
  KernelDatapath kernel(datapath);
  TablePusherOptions push_options;
  push_options.host_link_local = dp::format_ipv4(o.config.host_link_local_be);
  // With the overlay the guests' MTU is the VXLAN device's (the underlay's minus 50), which the
  // datapath set up above and wrote into its config.
  if (auto cfg = datapath.maps().read_config(); cfg && cfg->vxlan_ifindex != 0) push_options.guest_mtu = cfg->overlay_mtu;
  TablePusher pusher(push_options);
  ReconcilerOptions ro;
  ro.host_id = o.host_id;
  ro.state_dir = o.state_dir;
  ro.config = o.config;
  ro.long_poll = std::chrono::seconds(o.long_poll_seconds);
  Reconciler reconciler(ro, client, kernel, pusher);

  TapWatcher watcher([&](const std::string& ifname) { reconciler.tap_gone(ifname); },
                     [&] { reconciler.recheck_taps(); });
  reconciler.restore();
  std::optional<agent::AgentMetrics> metrics;
  std::optional<agent::MetricsServer> metrics_server;
  if (!o.metrics_listen.empty()) {
    metrics.emplace([&] { return datapath.maps().read_counters(); }, &reconciler);
    metrics_server.emplace(o.metrics_listen, [&] { return metrics->render(); });
    spdlog::info("metrics on {} (GET /metrics)", o.metrics_listen);
  }
  AgentSocketServer socket(agent_socket_path(o.run_dir), [&](const nlohmann::json& r) { return reconciler.handle(r); });
  spdlog::info("agent {} following {} (state {}, socket {})", o.host_id, fmt::join(o.api_urls, ", "), o.state_dir,
               agent_socket_path(o.run_dir));

  std::atomic<bool> stop{false};
  std::thread feed([&] { reconciler.run(stop); });
  for (;;) {
    int sig = 0;
    if (sigwait(&mask, &sig) != 0) continue;
    if (sig == SIGHUP) {
      spdlog::info("SIGHUP: nothing to reload in API mode");
      continue;
    }
    // Exit without unwinding: the feed thread may sit in a long poll for many seconds. Taking
    // the reconciler's lock first guarantees no apply or checkpoint write is half-done; the
    // pinned datapath keeps enforcing (fail-static) and the checkpoint is consistent.
    std::lock_guard lock(reconciler.mutex());
    spdlog::info("signal {}: exiting; the datapath keeps enforcing", sig);
    spdlog::shutdown();
    unlink(agent_socket_path(o.run_dir).c_str());
    _exit(0);
  }
}

}  // namespace sandnet::sync
