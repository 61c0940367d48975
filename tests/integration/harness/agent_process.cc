#include "tests/integration/harness/agent_process.h"

#include <signal.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "tests/integration/harness/poll.h"
#include "tests/integration/harness/reaper.h"
#include "tests/integration/harness/state_file.h"

namespace sandnet::testing {

std::string default_agent_binary() {
  if (const char* env = std::getenv("SANDNET_AGENT")) return env;
#ifdef SANDNET_AGENT_PATH
  return SANDNET_AGENT_PATH;
#else
  return "";
#endif
}

AgentPaths AgentProcess::paths_for(const Topology& topo) {
  AgentPaths p;
  p.binary = default_agent_binary();
  p.netns = topo.host_netns();
  p.bpffs_root = "/sys/fs/bpf/sandnet-test-" + topo.prefix();
  p.run_dir = topo.scratch_dir() + "/run";
  p.state_file = topo.scratch_dir() + "/state/state.json";
  p.log_file = topo.scratch_dir() + "/agent.log";
  return p;
}

AgentProcess::AgentProcess(AgentPaths paths) : paths_(std::move(paths)) {
  if (paths_.binary.empty()) throw std::runtime_error("no sandnet-agent binary (set SANDNET_AGENT)");
  Reaper::instance().track_bpffs(paths_.bpffs_root, paths_.binary);
  std::filesystem::create_directories(paths_.run_dir);
  std::filesystem::create_directories(std::filesystem::path(paths_.state_file).parent_path());
}

AgentProcess::~AgentProcess() {
  if (child_) child_->kill_now();
  purge();
  Reaper::instance().forget_bpffs(paths_.bpffs_root);
}

void AgentProcess::start() {
  if (child_ && child_->running()) throw std::logic_error("agent already running");
  std::vector<std::string> argv{paths_.binary, "--state-file", paths_.state_file, "--bpffs-root",
                                paths_.bpffs_root, "--run-dir", paths_.run_dir};
  argv.insert(argv.end(), paths_.extra_args.begin(), paths_.extra_args.end());
  // A status.json left by an earlier run must not pass for this run's.
  std::error_code ec;
  std::filesystem::remove(paths_.run_dir + "/status.json", ec);
  std::ofstream(paths_.log_file, std::ios::app) << "---- harness: starting agent\n";
  child_ = std::make_unique<ChildProcess>(argv, paths_.netns, paths_.log_file);
}

bool AgentProcess::running() { return child_ && child_->running(); }

bool AgentProcess::stop(std::chrono::milliseconds timeout) {
  if (!running()) return true;
  child_->send_signal(SIGTERM);
  if (child_->wait_exit(timeout)) return true;
  child_->kill_now();
  return false;
}

void AgentProcess::kill9() {
  if (child_) child_->kill_now();
}

void AgentProcess::send_signal(int sig) {
  if (child_) child_->send_signal(sig);
}

std::string AgentProcess::write_state(const std::string& json) {
  return write_file_atomically(paths_.state_file, json);
}

std::optional<nlohmann::json> AgentProcess::status() const {
  std::ifstream in(paths_.run_dir + "/status.json");
  if (!in) return std::nullopt;
  auto doc = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return std::nullopt;
  return doc;
}

bool AgentProcess::wait_applied(const std::string& sha256, std::chrono::milliseconds timeout, std::string* why) {
  std::string reason = "timed out";
  bool applied = false;
  eventually(timeout, milliseconds(20), [&] {
    if (!running()) {
      reason = "agent is not running";
      return true;
    }
    auto st = status();
    if (!st) return false;
    reason = "last status: " + st->dump();
    if (st->value("applied_sha256", "") != sha256) return false;
    applied = st->value("ok", false);  // same bytes rejected: waiting longer will not help
    return true;
  });
  if (!applied && why) *why = reason + "\nagent log:\n" + log();
  return applied;
}

void AgentProcess::purge() {
  if (std::filesystem::exists(paths_.bpffs_root)) {
    CommandResult r = run_command({paths_.binary, "purge", "--bpffs-root", paths_.bpffs_root}, {.netns = paths_.netns});
    if (!r.ok()) std::fprintf(stderr, "harness: agent purge failed: %s\n", r.output.c_str());
  }
  std::error_code ec;
  std::filesystem::remove_all(paths_.bpffs_root, ec);
}

}  // namespace sandnet::testing
