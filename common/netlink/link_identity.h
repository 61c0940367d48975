// What identifies a network device beyond its name, read and written over rtnetlink: its
// ifindex and its alias (IFLA_IFALIAS). Both die with the device, so a new device that takes
// the name has another ifindex or no alias (see docs/agent.md "How a plug is bound").
#pragma once
#include <optional>
#include <string>

namespace sandnet::netlink {

struct LinkIdentity {
  unsigned ifindex = 0;
  std::string alias;  // empty: none
  bool up = false;    // administratively up (IFF_UP)
  unsigned mtu = 0;
  std::string kind{};  // IFLA_INFO_KIND: "veth", "vxlan", ...; empty for a plain device
  // kind "vxlan" only:
  bool vxlan_external = false;  // collect-metadata mode
  uint16_t vxlan_port = 0;      // destination UDP port, host order
};

// The device called `name` in this network namespace; nullopt when there is none.
// Throws std::system_error when the kernel cannot be asked.
std::optional<LinkIdentity> query_link(const std::string& name);
// The same for the device with this ifindex.
std::optional<LinkIdentity> query_link(unsigned ifindex);

// Sets the alias of device `ifindex`. Returns 0 or the positive errno.
int set_link_alias(unsigned ifindex, const std::string& alias);

}  // namespace sandnet::netlink
