// A host built from network namespaces, for tests of the datapath and everything above it.
//
//   <prefix>-host   the "host": holds the host end of every sandbox's veth (the stand-in for
//                   a VM's tap, named <prefix>t<label>); the agent runs here. A namespace of
//                   its own rather than the root one, so that no route, sysctl or stray packet
//                   of a test ever touches the real machine (whose default route leads out).
//   <prefix>-sb<L>  one per sandbox: the guest end "eth0" with the sandbox's MAC and IP/16,
//                   like a guest's interface.
//   <prefix>-out    optional "outside" network reachable from the host by plain routing
//                   (198.18.0.0/24: host 198.18.0.1, outside 198.18.0.2).
//
// Every name carries a per-test random prefix ("sn" + 5 chars); all of it disappears when the
// Topology is destroyed, or through the reaper if the process dies.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/harness/netns.h"

namespace sandnet::testing {

struct Sandbox {
  std::string label;       // "A"
  std::string sandbox_id;  // sb_<ULID>, what state files and the API call it
  std::string netns;       // <prefix>-sbA
  std::string tap;         // host end, in the host namespace
  std::string guest_if;    // "eth0", in the sandbox namespace
  std::string ip;          // overlay address, 10.42.0.N
  std::string mac;         // guest MAC, 02:00:0a:2a:00:NN (mirrors the IP)
  bool tap_deleted = false;  // delete_tap() removed its veth: it has no interface any more
};

struct OutsideNet {
  std::string netns;
  std::string host_if;
  std::string host_ip = "198.18.0.1";
  std::string ip = "198.18.0.2";
  std::string cidr = "198.18.0.0/24";
};

// "sn" + 5 random [a-z0-9]: leaves room for interface suffixes within IFNAMSIZ (15 chars).
std::string random_test_prefix();

class Topology {
 public:
  // Sandbox i gets 10.42.0.(first_host_byte + i): hosts of one multi-host test take
  // disjoint ranges.
  explicit Topology(std::string prefix = random_test_prefix(), int first_host_byte = 10);
  ~Topology();
  Topology(const Topology&) = delete;
  Topology& operator=(const Topology&) = delete;

  const std::string& prefix() const { return prefix_; }
  const std::string& host_netns() const { return host_->name(); }
  // A scratch directory (/tmp/<prefix>) for state files, logs, run dirs; removed at the end.
  const std::string& scratch_dir() const { return scratch_dir_; }

  // Adds a sandbox (label: short, [A-Za-z0-9]); addresses are allocated in order.
  Sandbox& add_sandbox(const std::string& label);
  Sandbox& sandbox(const std::string& label);
  const std::vector<std::unique_ptr<Sandbox>>& sandboxes() const { return sandboxes_; }

  // Plain kernel routing in the host namespace: forwarding on, a /32 route and a permanent
  // neighbour entry per sandbox, and (optionally) proxy ARP on the taps so that guests
  // resolve each other through the host. With proxy ARP this is the "no filter" baseline
  // where everything reaches everything; without it, it gives the host routes to the
  // sandboxes, so anything a datapath wrongly hands to the host stack would be delivered.
  // Applies to sandboxes added later too.
  void enable_host_routing(bool proxy_arp);

  // The outside network (created once) and, per sandbox, a route to it with permanent
  // neighbour entries pointing at the tap, so the guest sends there without needing ARP.
  const OutsideNet& add_outside();
  void route_sandbox_to_outside(const std::string& label);

  // The MAC of a link in the host namespace.
  std::string host_link_mac(const std::string& ifname) const;
  // Deletes a sandbox's veth pair (as when a VM's tap vanishes); the sandbox stays listed.
  void delete_tap(const std::string& label);
  // A new device under the same tap name, its guest end in the same namespace with the same
  // address and MAC (a new VM the runtime has not plugged): nothing of the old one survives.
  // At ifindex `ifindex` when not 0.
  void recreate_tap(const std::string& label, uint32_t ifindex = 0);

 private:
  void route_one(const Sandbox& sb);
  void add_veth(const Sandbox& sb, uint32_t ifindex = 0);

  std::string prefix_;
  int first_host_byte_;
  std::string scratch_dir_;
  std::unique_ptr<Netns> host_;
  std::unique_ptr<Netns> outside_ns_;
  std::unique_ptr<OutsideNet> outside_;
  std::vector<std::unique_ptr<Netns>> sandbox_ns_;
  std::vector<std::unique_ptr<Sandbox>> sandboxes_;
  bool routing_ = false;
  bool proxy_arp_ = false;
};

}  // namespace sandnet::testing
