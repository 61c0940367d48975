#include "agent/agent_loop.h"

#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <algorithm>
#include <iterator>
#include <optional>
#include <set>
#include <sstream>

#include "agent/agent_metrics.h"
#include "agent/metrics_server.h"
#include "agent/status_file.h"
#include "loader/datapath.h"
#include "loader/unique_fd.h"

namespace sandnet::dp {
namespace {

class StateFileApplier {
 public:
  StateFileApplier(const AgentOptions& o, Datapath& dp) : opts_(o), dp_(dp) {}
  std::set<std::string> last_taps_;  // local taps of the last applied file

  void attempt() {
    status_.generation++;
    status_.warnings.clear();
    status_.map_writes = 0;
    try {
      std::ifstream in(opts_.state_file, std::ios::binary);
      if (!in) throw std::runtime_error("cannot read state file " + opts_.state_file);
      std::stringstream ss;
      ss << in.rdbuf();
      std::string bytes = ss.str();
      auto desired = parse_desired_state(bytes, opts_.config);
      // In this mode the file is the runtime's voice: a tap the last applied file named and
      // this one does not is unplugged. Any other tap that carries the programs (e.g. found
      // pinned at start) stays, drop-all.
      std::set<std::string> taps, release;
      for (auto& ep : desired.endpoints)
        if (ep.local()) taps.insert(ep.tap);
      std::set_difference(last_taps_.begin(), last_taps_.end(), taps.begin(), taps.end(),
                          std::inserter(release, release.end()));
      auto result = dp_.apply(desired, release);
      last_taps_ = std::move(taps);
      status_.ok = true;
      status_.error.clear();
      status_.applied_sha256 = sha256_hex(bytes);
      status_.warnings = result.warnings;
      status_.map_writes = result.map_writes;
      for (auto& w : result.warnings) spdlog::warn("{}", w);
      spdlog::info("generation {}: applied {} ({} endpoints, {} networks): {} map writes, "
                   "links {} new {} updated {} kept, {} detached",
                   status_.generation, opts_.state_file, desired.endpoints.size(),
                   desired.networks.size(), result.map_writes, result.attach.created,
                   result.attach.updated, result.attach.kept, result.detached);
    } catch (const std::exception& e) {
      status_.ok = false;
      status_.error = e.what();
      spdlog::error("generation {}: rejected, running state kept: {}", status_.generation,
                    e.what());
    }
    try {
      write_status_file(opts_.run_dir, status_);
    } catch (const std::exception& e) {
      spdlog::error("status file: {}", e.what());
    }
  }

 private:
  const AgentOptions& opts_;
  Datapath& dp_;
  AgentStatus status_;
};

}  // namespace

int run_agent(const AgentOptions& o) {
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGHUP);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  if (sigprocmask(SIG_BLOCK, &mask, nullptr) != 0) {
    spdlog::critical("sigprocmask: {}", std::strerror(errno));
    return 1;
  }
  UniqueFd sigfd(signalfd(-1, &mask, SFD_CLOEXEC));
  UniqueFd ino(inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  std::filesystem::path state(o.state_file);
  std::string dir = state.has_parent_path() ? state.parent_path().string() : ".";
  std::string base = state.filename().string();
  // Rename-replace (IN_MOVED_TO) and in-place writes once closed
  // (IN_CLOSE_WRITE); not IN_CREATE, which would read a still empty file.
  if (!sigfd.valid() || !ino.valid() ||
      inotify_add_watch(ino.get(), dir.c_str(), IN_CLOSE_WRITE | IN_MOVED_TO) < 0) {
    spdlog::critical("cannot watch {}: {}", dir, std::strerror(errno));
    return 1;
  }

  std::unique_ptr<Datapath> dp;
  try {
    dp = std::make_unique<Datapath>(o.config, o.bpffs_root);
  } catch (const std::exception& e) {
    spdlog::critical("cannot load the datapath: {}", e.what());
    AgentStatus failed;
    failed.generation = 1;
    failed.error = e.what();
    try {
      write_status_file(o.run_dir, failed);
    } catch (...) {
    }
    return 1;
  }
  std::optional<agent::AgentMetrics> metrics;
  std::optional<agent::MetricsServer> metrics_server;
  if (!o.metrics_listen.empty()) {
    metrics.emplace([&] { return dp->maps().read_counters(); }, nullptr);
    metrics_server.emplace(o.metrics_listen, [&] { return metrics->render(); });
    spdlog::info("metrics on {} (GET /metrics)", o.metrics_listen);
  }
  StateFileApplier applier(o, *dp);
  applier.attempt();

  for (;;) {
    pollfd fds[2] = {{sigfd.get(), POLLIN, 0}, {ino.get(), POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      spdlog::critical("poll: {}", std::strerror(errno));
      return 1;
    }
    if (fds[0].revents & POLLIN) {
      signalfd_siginfo si{};
      if (read(sigfd.get(), &si, sizeof si) == sizeof si) {
        if (si.ssi_signo == SIGHUP) {
          spdlog::info("SIGHUP: reloading");
          applier.attempt();
        } else {
          spdlog::info("signal {}: exiting; the datapath keeps enforcing", si.ssi_signo);
          return 0;
        }
      }
    }
    if (fds[1].revents & POLLIN) {
      alignas(inotify_event) char buf[4096];
      bool ours = false;
      ssize_t n;
      while ((n = read(ino.get(), buf, sizeof buf)) > 0) {
        for (char* p = buf; p < buf + n;) {
          auto* ev = reinterpret_cast<inotify_event*>(p);
          if (ev->len && base == ev->name) ours = true;
          p += sizeof(inotify_event) + ev->len;
        }
      }
      if (ours) applier.attempt();
    }
  }
}

}  // namespace sandnet::dp
