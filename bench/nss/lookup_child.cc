#include "bench/nss/lookup_child.h"

#include <netdb.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>

#include "common/hosts_table/hosts_table.h"
#include "tests/nss/support/private_nss_namespace.h"

namespace sandnet::nss_bench {
namespace {

constexpr const char* kFloorName = "sbconst-peer";  // the one name libnss_sbconst answers

double now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

bool resolves(const char* name) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(name, nullptr, &hints, &res);
  if (rc == 0) freeaddrinfo(res);
  return rc == 0;
}

// The child's whole life: set up the namespace, warm up, time, report through the pipe.
[[noreturn]] void child_main(int out_fd, Source source, bool hits, const Dataset& d, const Modules& m,
                             const std::filesystem::path& scratch, std::chrono::milliseconds trial) {
  Measurement result;
  try {
    nss_test::PrivateNssConfig config;
    config.modules = {m.sandnet, m.sbconst};
    config.hosts_sources = source == Source::kFloor ? "sbconst" : source == Source::kSandnet ? "sandnet" : "files";
    if (source == Source::kFiles) config.etc_hosts = d.hosts_file;
    nss_test::enter_private_nss_namespace(config, scratch);
    if (source == Source::kSandnet) {
      std::filesystem::create_directories("/run/sandnet");
      std::filesystem::copy_file(d.table_file, SANDNET_HOSTS_TABLE_DEFAULT_PATH);
    }
    std::vector<std::string> names;
    if (source == Source::kFloor)
      names = {hits ? kFloorName : "absent-0"};
    else
      names = hits ? d.hit_names : d.miss_names;
    for (int i = 0; i < 3; i++) resolves(names[0].c_str());  // warm-up: load module, map table
    double start = now_ns(), deadline = start + static_cast<double>(trial.count()) * 1e6, end = start;
    do {
      for (const auto& n : names) {
        if (resolves(n.c_str()) != hits) result.wrong_answers++;
        result.lookups++;
        if (result.lookups % 8 == 0 && (end = now_ns()) >= deadline) break;
      }
      end = now_ns();
    } while (end < deadline || result.lookups < 3);
    result.ns_per_lookup = (end - start) / static_cast<double>(result.lookups);
  } catch (const std::exception& e) {
    result.lookups = -1;
    snprintf(result.error, sizeof result.error, "%s", e.what());
  }
  [[maybe_unused]] ssize_t n = write(out_fd, &result, sizeof result);
  _exit(0);
}

}  // namespace

std::string to_string(Source source) {
  switch (source) {
    case Source::kFloor: return "floor";
    case Source::kSandnet: return "sandnet";
    case Source::kFiles: return "files";
  }
  return "?";
}

Measurement measure(Source source, bool hits, const Dataset& dataset, const Modules& modules,
                    const std::filesystem::path& scratch, std::chrono::milliseconds trial) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    close(fds[0]);
    child_main(fds[1], source, hits, dataset, modules, scratch, trial);
  }
  close(fds[1]);
  Measurement m;
  ssize_t n = read(fds[0], &m, sizeof m);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (n != static_cast<ssize_t>(sizeof m) || m.lookups <= 0)
    throw std::runtime_error("measurement child failed for " + to_string(source) + ": " + m.error);
  return m;
}

}  // namespace sandnet::nss_bench
