#include "tests/overlay/underlay_net.h"

#include "tests/integration/harness/process.h"

namespace sandnet::testing {

UnderlayNet::UnderlayNet(std::string prefix) : prefix_(std::move(prefix)) {
  ns_ = std::make_unique<Netns>(prefix_ + "-ul");
  // A fixed MAC: a bridge otherwise takes its ports' lowest, which changes as hosts join and
  // leaves whoever cached the old one (the API listens on br0 in tests/overlay_fleet) unable to
  // reach it until their ARP entry goes stale.
  run_checked({"ip", "-n", ns_->name(), "link", "add", "br0", "address", "02:53:4e:ff:00:01", "type", "bridge"});
  run_checked({"ip", "-n", ns_->name(), "link", "set", "br0", "up"});
}

void UnderlayNet::plug(const std::string& ns, const std::string& tag, const std::string& ip,
                       const std::string& ifname) {
  const std::string port = prefix_ + "u" + tag;
  run_checked({"ip", "-n", ns_->name(), "link", "add", port, "type", "veth", "peer", "name", ifname, "netns", ns});
  run_checked({"ip", "-n", ns_->name(), "link", "set", port, "master", "br0", "up"});
  run_checked({"ip", "-n", ns, "addr", "add", ip + "/24", "dev", ifname});
  run_checked({"ip", "-n", ns, "link", "set", ifname, "up"});
}

}  // namespace sandnet::testing
