// sandnet-agent under test: started in the host namespace with a per-test pin root
// (/sys/fs/bpf/sandnet-test-<prefix>) and run dir, driven through its state file, watched
// through status.json, and stopped gently, killed or restarted as a test needs. The pins
// are purged when the object goes (and by the reaper if the test process dies).
#pragma once
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/integration/harness/process.h"
#include "tests/integration/harness/topology.h"

namespace sandnet::testing {

struct AgentPaths {
  std::string binary;      // sandnet-agent
  std::string netns;       // where it runs (the topology's host namespace)
  std::string bpffs_root;  // /sys/fs/bpf/sandnet-test-<prefix>
  std::string run_dir;     // holds status.json
  std::string state_file;
  std::string log_file;    // stdout+stderr of every run, appended
  std::vector<std::string> extra_args;
};

// The agent binary this build made: $SANDNET_AGENT, else the path CMake compiled in.
std::string default_agent_binary();

class AgentProcess {
 public:
  explicit AgentProcess(AgentPaths paths);
  // Paths derived from a topology: everything under its scratch dir, pins under the prefix.
  static AgentPaths paths_for(const Topology& topo);
  ~AgentProcess();
  AgentProcess(const AgentProcess&) = delete;
  AgentProcess& operator=(const AgentProcess&) = delete;

  const AgentPaths& paths() const { return paths_; }
  void start();
  bool running();
  // SIGTERM and wait (bounded) for the exit; returns false if it had to be killed.
  bool stop(std::chrono::milliseconds timeout = std::chrono::milliseconds(10000));
  void kill9();
  void send_signal(int sig);  // e.g. SIGHUP to reload

  // Replaces the state file; returns its sha256.
  std::string write_state(const std::string& json);
  // Polls status.json until it reports `sha256` applied with ok=true. On failure (timeout,
  // applied with ok=false, agent exited) returns false and explains in *why.
  bool wait_applied(const std::string& sha256, std::chrono::milliseconds timeout, std::string* why);
  std::optional<nlohmann::json> status() const;
  std::string log() const { return read_text_file(paths_.log_file); }

  // `sandnet-agent purge` of this test's pins, then removal of the directory.
  void purge();

 private:
  AgentPaths paths_;
  std::unique_ptr<ChildProcess> child_;
};

}  // namespace sandnet::testing
