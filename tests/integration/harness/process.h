// Child processes for tests: one-shot commands with captured output, and long-running
// daemons (the agent, a guest daemon). Either may run inside a network namespace, entered
// with setns() in the forked child: `ip netns exec` would remount /sys and hide /sys/fs/bpf.
#pragma once
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace sandnet::testing {

struct CommandResult {
  int exit_code = -1;  // -1 when killed by a signal or on timeout
  bool timed_out = false;
  std::string output;  // stdout and stderr interleaved
  bool ok() const { return exit_code == 0; }
};

struct CommandOptions {
  std::string netns;  // empty: the caller's namespace
  std::chrono::milliseconds timeout{10000};
  std::string stdin_data;
};

// Runs argv (argv[0] looked up in PATH) and waits, killing it at the timeout.
CommandResult run_command(const std::vector<std::string>& argv, const CommandOptions& options = {});

// Like run_command, but throws std::runtime_error with the output when it fails.
std::string run_checked(const std::vector<std::string>& argv, const CommandOptions& options = {});

// A long-running child. It dies with the test process (PR_SET_PDEATHSIG, and the reaper
// for the case where the spawning thread has gone), and the destructor kills it.
// Create it from a thread that outlives it (the test's main thread): the kernel sends the
// death signal when the spawning *thread* exits.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::string& netns, const std::string& log_path);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& log_path() const { return log_path_; }
  // True while the child has not exited (reaps it when it has).
  bool running();
  void send_signal(int sig);
  // Waits up to timeout for the exit; returns the wait status, or nullopt if still running.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  // SIGKILL and reap. Idempotent.
  void kill_now();

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::string log_path_;
};

// The file's contents, or "" if unreadable (log dumps in failure messages).
std::string read_text_file(const std::string& path);

}  // namespace sandnet::testing
