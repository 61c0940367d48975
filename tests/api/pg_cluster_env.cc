#include "tests/api/pg_cluster_env.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <stdexcept>

#include <gtest/gtest.h>

#include "api/pg_conn.h"

namespace sandnet::test {
namespace {

std::string g_dir;  // the cluster's directory (its socket lives there)

std::string run_script(const char* command) {
  std::string cmd = std::string(SANDNET_PG_CLUSTER_SCRIPT) + " " + command;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("popen failed");
  std::string out;
  char buf[512];
  while (fgets(buf, sizeof buf, p)) out += buf;
  int status = pclose(p);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  if (status != 0) throw std::runtime_error(cmd + " failed (see stderr)");
  return out;
}

class PgClusterEnv : public ::testing::Environment {
 public:
  void SetUp() override {
    g_dir = run_script("start");
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    watchdog_ = fork();
    if (watchdog_ == 0) {
      // Own session: a Ctrl-C or a kill of the test's process group does not reach it.
      setsid();
      close(fds[1]);
      char c;
      while (read(fds[0], &c, 1) > 0) {
      }
      // EOF: the test binary tore down or died. Remove the cluster either way.
      execl(SANDNET_PG_CLUSTER_SCRIPT, SANDNET_PG_CLUSTER_SCRIPT, "remove", g_dir.c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
    close(fds[0]);
    alive_fd_ = fds[1];
  }

  void TearDown() override {
    if (alive_fd_ >= 0) close(alive_fd_);
    alive_fd_ = -1;
    if (watchdog_ > 0) waitpid(watchdog_, nullptr, 0);  // the removal has finished
    watchdog_ = -1;
  }

 private:
  pid_t watchdog_ = -1;
  int alive_fd_ = -1;
};

[[maybe_unused]] ::testing::Environment* const g_env =
    ::testing::AddGlobalTestEnvironment(new PgClusterEnv);

}  // namespace

std::string PgCluster::uri(const std::string& db) {
  return "postgresql:///" + db + "?host=" + g_dir + "&user=postgres";
}

void PgCluster::stop() { run_script(("stop " + g_dir).c_str()); }

void PgCluster::resume() { run_script(("resume " + g_dir).c_str()); }

std::string PgCluster::fresh_database() {
  static std::atomic<int> next{0};
  std::string name = "t" + std::to_string(getpid()) + "_" + std::to_string(next++);
  sandnet::api::PgConn admin(uri());
  admin.exec_script("CREATE DATABASE " + name);  // a generated identifier, not user input
  return uri(name);
}

}  // namespace sandnet::test
