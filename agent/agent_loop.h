// The agent's main loop: apply the state file at start, on SIGHUP and when
// the file changes (inotify on its directory, so rename-replace is seen);
// exit on SIGTERM/SIGINT leaving every pinned object in place (fail-static).
#pragma once
#include <string>

#include "loader/agent_config.h"

namespace sandnet::dp {

struct AgentOptions {
  std::string state_file;
  std::string bpffs_root;
  std::string run_dir;
  AgentConfig config;
  std::string metrics_listen;  // ADDR:PORT of GET /metrics; empty: none
};

// Returns the process exit code.
int run_agent(const AgentOptions& options);

}  // namespace sandnet::dp
