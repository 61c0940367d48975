#include "tests/integration/harness/netns.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "tests/integration/harness/process.h"
#include "tests/integration/harness/reaper.h"

namespace sandnet::testing {

Netns::Netns(std::string name) : name_(std::move(name)) {
  Reaper::instance().track_netns(name_);
  run_checked({"ip", "netns", "add", name_});
  run_checked({"ip", "-n", name_, "link", "set", "lo", "up"});
}

Netns::~Netns() {
  run_command({"ip", "netns", "delete", name_});
  Reaper::instance().forget_netns(name_);
}

NetnsGuard::NetnsGuard(const std::string& name) {
  original_fd_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  int target = open(("/run/netns/" + name).c_str(), O_RDONLY | O_CLOEXEC);
  if (original_fd_ < 0 || target < 0) {
    if (target >= 0) close(target);
    if (original_fd_ >= 0) close(original_fd_);
    throw std::runtime_error("cannot open netns " + name);
  }
  int rc = setns(target, CLONE_NEWNET);
  close(target);
  if (rc != 0) {
    close(original_fd_);
    throw std::runtime_error("setns " + name + ": " + std::strerror(errno));
  }
}

NetnsGuard::~NetnsGuard() {
  setns(original_fd_, CLONE_NEWNET);
  close(original_fd_);
}

int socket_in_netns(const std::string& netns, int domain, int type, int protocol) {
  return in_netns(netns, [&] {
    int fd = socket(domain, type | SOCK_CLOEXEC, protocol);
    if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    return fd;
  });
}

void set_sysctl(const std::string& netns, const std::string& key, const std::string& value) {
  run_checked({"sysctl", "-qw", key + "=" + value}, {.netns = netns});
}

}  // namespace sandnet::testing
