// sandnet-agent: loads the BPF datapath, attaches it to the local taps and
// keeps the maps equal to the desired-state file. See docs/datapath.md.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "loader/agent_config.h"
#include "agent/agent_loop.h"
#include "loader/pin_paths.h"
#include "loader/tap_attacher.h"
#include "agent/api_agent.h"  // API mode (--api): the reconciler lives in sync/

int main(int argc, char** argv) {
  using namespace sandnet::dp;
  CLI::App app{"sandnet-agent: the host datapath of sandnet"};
  app.set_version_flag("--version", std::string(SANDNET_VERSION));
  std::string state_file, config_file, log_level = "info";
  std::string bpffs_root = kDefaultBpffsRoot, run_dir = "/run/sandnet";
  app.add_option("--state-file", state_file, "desired-state JSON (docs/state-file.md)");
  app.add_option("--bpffs-root", bpffs_root, "where maps and links are pinned")->capture_default_str();
  app.add_option("--run-dir", run_dir, "where status.json is written")->capture_default_str();
  app.add_option("--config", config_file, "agent configuration JSON (docs/datapath.md)");
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error")->capture_default_str();
  // API mode (sync/, docs/agent.md): the host feed instead of a state file.
  std::vector<std::string> api_urls;
  std::string host_id, token_file, state_dir = "/var/lib/sandnet";
  int long_poll = 25;
  std::string metrics_listen;
  app.add_option("--metrics-listen", metrics_listen,
                 "ADDR:PORT to serve Prometheus text on GET /metrics (e.g. 127.0.0.1:9465); off when empty");
  app.add_option("--api", api_urls,
                 "sandnet-api base URL: follow the host feed (API mode); several (comma-separated or "
                 "repeated): replicas of one API, tried in turn")
      ->delimiter(',');
  app.add_option("--host-id", host_id, "this host's id in the API (API mode)");
  app.add_option("--host-token-file", token_file, "file holding the host token (API mode)");
  app.add_option("--state-dir", state_dir, "API mode checkpoint directory")->capture_default_str();
  app.add_option("--long-poll", long_poll, "API mode feed long-poll seconds")->check(CLI::Range(1, 60))->capture_default_str();
  auto* purge = app.add_subcommand("purge", "detach every pinned link and remove the pin directory");
  purge->add_option("--bpffs-root", bpffs_root, "pin directory to remove")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  spdlog::set_level(spdlog::level::from_str(log_level));
  try {
    if (*purge) {
      purge_datapath(bpffs_root);
      spdlog::info("purged {}", bpffs_root);
      return 0;
    }
    if (!api_urls.empty()) {
      if (!state_file.empty() || host_id.empty() || token_file.empty()) {
        spdlog::critical("--api needs --host-id and --host-token-file, and excludes --state-file");
        return 2;
      }
      sandnet::sync::ApiAgentOptions api{api_urls, host_id, token_file, state_dir, run_dir, bpffs_root,
                                         config_file.empty() ? default_agent_config() : load_agent_config(config_file),
                                         long_poll, metrics_listen};
      return sandnet::sync::run_api_agent(api);
    }
    if (state_file.empty()) {
      spdlog::critical("--state-file or --api is required");
      return 2;
    }
    AgentOptions opts{state_file, bpffs_root, run_dir,
                      config_file.empty() ? default_agent_config() : load_agent_config(config_file),
                      metrics_listen};
    return run_agent(opts);
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
}
