// sandnet-agent in API mode (--api URL): the datapath driven by the host feed instead of a
// state file. See docs/agent.md.
#pragma once
#include <string>
#include <vector>

#include "loader/agent_config.h"

namespace sandnet::sync {

struct ApiAgentOptions {
  std::vector<std::string> api_urls;  // one API, or replicas of one API (tried in turn)
  std::string host_id;
  std::string host_token_file;
  std::string state_dir = "/var/lib/sandnet";
  std::string run_dir = "/run/sandnet";
  std::string bpffs_root;
  dp::AgentConfig config;
  int long_poll_seconds = 25;
  std::string metrics_listen;  // ADDR:PORT of GET /metrics; empty: none
};

// Runs until SIGTERM/SIGINT; returns the process exit code.
int run_api_agent(const ApiAgentOptions& options);

}  // namespace sandnet::sync
