#include "test_host.h"

#include <fmt/format.h>
#include <net/if.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "loader/tap_attacher.h"

namespace sandnet::dp::testkit {

bool enter_private_netns() {
  static const bool ok = [] {
    if (unshare(CLONE_NEWNET) != 0) {
      std::fprintf(stderr, "unshare(CLONE_NEWNET): %s (tests need root)\n", std::strerror(errno));
      return false;
    }
    return std::system("ip link set lo up") == 0;
  }();
  return ok;
}

uint32_t add_device(const std::string& name, const MacAddr& mac, uint32_t index) {
  // veth, because this kernel has no dummy driver; the peer end is unused.
  // Both ends stay down: no background traffic (IPv6 ND...) can reach the
  // programs and disturb counters; test_run and TCX work on down devices.
  auto cmd = fmt::format("ip link add {0} {2} address {1} type veth peer name {0}p", name,
                         format_mac(mac), index ? fmt::format("index {}", index) : "");
  if (std::system(cmd.c_str()) != 0) {
    std::fprintf(stderr, "failed: %s\n", cmd.c_str());
    std::abort();
  }
  return if_nametoindex(name.c_str());
}

BpffsRoot::BpffsRoot(const std::string& tag)
    : path_(fmt::format("/sys/fs/bpf/sandnet-test-{}-{}", tag, getpid())) {
  purge_datapath(path_);  // leftovers of a crashed run with the same pid
}

BpffsRoot::~BpffsRoot() {
  try {
    purge_datapath(path_);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "purge %s: %s\n", path_.c_str(), e.what());
  }
}

}  // namespace sandnet::dp::testkit
