// The underlay of a multi-host test: a namespace with a bridge that every host (and any rogue
// machine) joins with a veth, as "ul0" with an address in 192.0.2.0/24, MTU 1500 (a bench adds
// a second link per host, for traffic that must not cross the first).
#pragma once
#include <memory>
#include <string>

#include "tests/integration/harness/netns.h"

namespace sandnet::testing {

class UnderlayNet {
 public:
  explicit UnderlayNet(std::string prefix);
  // A veth from namespace `ns` into the bridge: `ifname` there, with `ip`/24, up.
  void plug(const std::string& ns, const std::string& tag, const std::string& ip,
            const std::string& ifname = "ul0");
  const std::string& name() const { return ns_->name(); }

 private:
  std::string prefix_;
  std::unique_ptr<Netns> ns_;
};

}  // namespace sandnet::testing
