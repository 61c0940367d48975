// A private world for datapath tests and benchmarks: the process moves into
// its own network namespace (so devices it creates vanish with it) and gets
// a bpffs root of its own under /sys/fs/bpf, purged on destruction.
#pragma once
#include <cstdint>
#include <string>

#include "loader/net_addr.h"

namespace sandnet::dp::testkit {

// unshare(CLONE_NEWNET) once per process; call before any thread starts.
// Returns false (with a message on stderr) when not permitted.
bool enter_private_netns();

// Creates a device named `name` (<= 12 chars) with `mac` in the current
// netns, at ifindex `index` when not 0 (to make taps share a slot, or a huge
// ifindex). Returns its ifindex; aborts the test program on failure.
uint32_t add_device(const std::string& name, const MacAddr& mac, uint32_t index = 0);

class BpffsRoot {
 public:
  explicit BpffsRoot(const std::string& tag);  // /sys/fs/bpf/sandnet-test-<tag>-<pid>
  ~BpffsRoot();                                // purges links and pins
  BpffsRoot(const BpffsRoot&) = delete;
  BpffsRoot& operator=(const BpffsRoot&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace sandnet::dp::testkit
