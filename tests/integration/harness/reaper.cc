#include "tests/integration/harness/reaper.h"

#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "tests/integration/harness/proc_start_time.h"

extern char** environ;

namespace sandnet::testing {
namespace {

std::string reaper_binary() {
  if (const char* env = std::getenv("SANDNET_TEST_REAPER")) return env;
#ifdef SANDNET_TEST_REAPER_PATH
  return SANDNET_TEST_REAPER_PATH;
#else
  return "";
#endif
}

}  // namespace

Reaper& Reaper::instance() {
  static Reaper reaper;
  return reaper;
}

Reaper::Reaper() {
  const std::string binary = reaper_binary();
  int p[2];
  if (binary.empty() || access(binary.c_str(), X_OK) != 0 || pipe2(p, O_CLOEXEC) != 0) {
    std::fprintf(stderr, "harness: WARNING no cleanup reaper (%s); a crashed test may leave namespaces\n",
                 binary.c_str());
    return;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, p[0], STDIN_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Own session: a terminal's Ctrl-C or a process-group kill of the test spares the reaper.
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
  char* argv[] = {const_cast<char*>(binary.c_str()), nullptr};
  pid_t pid = 0;
  int rc = posix_spawn(&pid, binary.c_str(), &actions, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(p[0]);
  if (rc != 0) {
    close(p[1]);
    std::fprintf(stderr, "harness: WARNING cannot start reaper %s\n", binary.c_str());
    return;
  }
  fd_ = p[1];
}

void Reaper::send(const std::string& line) {
  std::lock_guard lock(mu_);
  if (fd_ < 0) return;
  std::string l = line + "\n";
  (void)!write(fd_, l.data(), l.size());
}

void Reaper::track_pid(pid_t pid) { send(fmt::format("+pid {} {}", pid, proc_start_time(pid))); }
void Reaper::forget_pid(pid_t pid) { send(fmt::format("-pid {}", pid)); }
void Reaper::track_netns(const std::string& name) { send("+netns " + name); }
void Reaper::forget_netns(const std::string& name) { send("-netns " + name); }
void Reaper::track_bpffs(const std::string& dir, const std::string& agent) {
  send(fmt::format("+bpffs {} {}", dir, agent.empty() ? "-" : agent));
}
void Reaper::forget_bpffs(const std::string& dir) { send("-bpffs " + dir); }
void Reaper::track_dir(const std::string& path) { send("+dir " + path); }
void Reaper::forget_dir(const std::string& path) { send("-dir " + path); }

}  // namespace sandnet::testing
