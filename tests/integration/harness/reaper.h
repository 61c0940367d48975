// Cleanup that survives the test process. A small helper process (sandnet-test-reaper, in its
// own session so Ctrl-C does not reach it) is told about every namespace, pinned bpffs
// directory, scratch directory and child pid a test creates. RAII objects clean up normally
// and tell it to forget; if the test process dies first (failed assertion that aborts, SIGINT,
// SIGKILL, ctest timeout) the reaper sees its pipe close and removes whatever is left.
#pragma once
#include <sys/types.h>

#include <mutex>
#include <string>

namespace sandnet::testing {

class Reaper {
 public:
  static Reaper& instance();

  void track_pid(pid_t pid);  // kills it only if /proc/<pid> still has the same start time
  void forget_pid(pid_t pid);
  void track_netns(const std::string& name);
  void forget_netns(const std::string& name);
  // Runs `<agent> purge --bpffs-root dir` (when agent is not empty), then removes dir.
  void track_bpffs(const std::string& dir, const std::string& agent);
  void forget_bpffs(const std::string& dir);
  void track_dir(const std::string& path);
  void forget_dir(const std::string& path);

  bool active() const { return fd_ >= 0; }

 private:
  Reaper();
  void send(const std::string& line);
  std::mutex mu_;
  int fd_ = -1;
};

}  // namespace sandnet::testing
