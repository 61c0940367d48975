// sandnet-test-reaper: reads "+kind args" / "-kind args" lines on stdin from a test process;
// when stdin closes (the test exited, however it exited) it removes what is still tracked:
// child processes first, then pinned BPF directories, namespaces, scratch directories.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/harness/proc_start_time.h"

namespace {

int run(const std::vector<std::string>& argv) {
  pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

int main() {
  signal(SIGINT, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  std::map<pid_t, uint64_t> pids;
  std::map<std::string, std::string> bpffs;  // dir -> agent binary or "-"
  std::set<std::string> netns, dirs;

  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string op, a, b;
    in >> op >> a >> b;
    if (op == "+pid") pids[std::stoi(a)] = std::stoull(b);
    else if (op == "-pid") pids.erase(std::stoi(a));
    else if (op == "+netns") netns.insert(a);
    else if (op == "-netns") netns.erase(a);
    else if (op == "+bpffs") bpffs[a] = b;
    else if (op == "-bpffs") bpffs.erase(a);
    else if (op == "+dir") dirs.insert(a);
    else if (op == "-dir") dirs.erase(a);
  }

  const size_t leftovers = pids.size() + bpffs.size() + netns.size() + dirs.size();
  if (leftovers == 0) return 0;
  std::fprintf(stderr, "sandnet-test-reaper: test exited with %zu resources left, cleaning up\n", leftovers);
  for (auto [pid, start] : pids) {
    if (start != 0 && sandnet::testing::proc_start_time(pid) == start) {
      kill(pid, SIGKILL);
      for (int i = 0; i < 200 && sandnet::testing::proc_start_time(pid) == start; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  for (const auto& [dir, agent] : bpffs) {
    if (agent != "-" && access(agent.c_str(), X_OK) == 0) run({agent, "purge", "--bpffs-root", dir});
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  for (const auto& name : netns) run({"ip", "netns", "delete", name});
  for (const auto& dir : dirs) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  return 0;
}
