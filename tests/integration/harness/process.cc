#include "tests/integration/harness/process.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "tests/integration/harness/poll.h"
#include "tests/integration/harness/reaper.h"

namespace sandnet::testing {
namespace {

// Everything the child needs is prepared before fork(): after fork in a threaded
// process only async-signal-safe calls are allowed.
struct ExecPlan {
  std::vector<std::string> args;
  std::vector<char*> argv;
  std::string netns_path;
  explicit ExecPlan(const std::vector<std::string>& a, const std::string& netns) : args(a) {
    if (args.empty()) throw std::invalid_argument("empty argv");
    for (auto& s : args) argv.push_back(s.data());
    argv.push_back(nullptr);
    if (!netns.empty()) netns_path = "/run/netns/" + netns;
  }
};

// Runs in the forked child; never returns.
[[noreturn]] void exec_child(const ExecPlan& plan, pid_t parent, int stdin_fd, int out_fd) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(126);
  if (!plan.netns_path.empty()) {
    int fd = open(plan.netns_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
      const char msg[] = "harness: cannot enter netns\n";
      (void)!write(out_fd, msg, sizeof msg - 1);
      _exit(125);
    }
  }
  dup2(stdin_fd, STDIN_FILENO);
  dup2(out_fd, STDOUT_FILENO);
  dup2(out_fd, STDERR_FILENO);
  // A test's SIGPIPE/SIGINT dispositions must not leak into the tools it runs.
  signal(SIGPIPE, SIG_DFL);
  signal(SIGINT, SIG_DFL);
  execvp(plan.argv[0], plan.argv.data());
  const char msg[] = "harness: exec failed\n";
  (void)!write(out_fd, msg, sizeof msg - 1);
  _exit(127);
}

int open_dev_null() { return open("/dev/null", O_RDONLY | O_CLOEXEC); }

}  // namespace

CommandResult run_command(const std::vector<std::string>& argv, const CommandOptions& options) {
  ExecPlan plan(argv, options.netns);
  int out_pipe[2];
  int in_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(in_pipe, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe2 failed");
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) exec_child(plan, parent, in_pipe[0], out_pipe[1]);
  close(out_pipe[1]);
  close(in_pipe[0]);
  if (!options.stdin_data.empty())
    (void)!write(in_pipe[1], options.stdin_data.data(), options.stdin_data.size());
  close(in_pipe[1]);

  CommandResult result;
  const auto deadline = Clock::now() + options.timeout;
  char buf[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      result.timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    pollfd pfd{out_pipe[0], POLLIN, 0};
    int n = poll(&pfd, 1, static_cast<int>(left));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    ssize_t got = read(out_pipe[0], buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    result.output.append(buf, static_cast<size_t>(got));
  }
  close(out_pipe[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!result.timed_out && WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

std::string run_checked(const std::vector<std::string>& argv, const CommandOptions& options) {
  CommandResult r = run_command(argv, options);
  if (!r.ok()) {
    throw std::runtime_error(fmt::format("command failed (exit {}{}{}): {}\n{}", r.exit_code,
                                         r.timed_out ? ", timed out" : "",
                                         options.netns.empty() ? "" : ", netns " + options.netns,
                                         fmt::join(argv, " "), r.output));
  }
  return r.output;
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::string& netns,
                           const std::string& log_path)
    : log_path_(log_path) {
  ExecPlan plan(argv, netns);
  int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  int null_fd = open_dev_null();
  if (log_fd < 0 || null_fd < 0) throw std::runtime_error("cannot open log " + log_path);
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) exec_child(plan, parent, null_fd, log_fd);
  close(log_fd);
  close(null_fd);
  Reaper::instance().track_pid(pid_);
}

ChildProcess::~ChildProcess() { kill_now(); }

bool ChildProcess::running() {
  if (status_) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    status_ = status;
    Reaper::instance().forget_pid(pid_);
    return false;
  }
  return true;
}

void ChildProcess::send_signal(int sig) {
  if (running()) kill(pid_, sig);
}

std::optional<int> ChildProcess::wait_exit(std::chrono::milliseconds timeout) {
  eventually(timeout, milliseconds(10), [&] { return !running(); });
  return status_;
}

void ChildProcess::kill_now() {
  if (pid_ <= 0 || status_) return;
  kill(pid_, SIGKILL);
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  status_ = status;
  Reaper::instance().forget_pid(pid_);
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace sandnet::testing
