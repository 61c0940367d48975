#include "common/netlink/vxlan_device.h"

#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "common/netlink/netlink_request.h"

namespace sandnet::netlink {

int create_vxlan(const std::string& name, uint16_t port) {
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  Request r(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof ifi);
  r.add_attribute(IFLA_IFNAME, name.c_str(), name.size() + 1);
  size_t info = r.begin_nested(IFLA_LINKINFO);
  r.add_attribute(IFLA_INFO_KIND, "vxlan", sizeof "vxlan");
  size_t data = r.begin_nested(IFLA_INFO_DATA);
  uint8_t on = 1, off = 0;
  r.add_attribute(IFLA_VXLAN_COLLECT_METADATA, &on, sizeof on);
  uint16_t port_be = htons(port);
  r.add_attribute(IFLA_VXLAN_PORT, &port_be, sizeof port_be);
  r.add_attribute(IFLA_VXLAN_LEARNING, &off, sizeof off);  // no FDB: the programs address every frame
  r.end_nested(data);
  r.end_nested(info);
  return r.execute();
}

}  // namespace sandnet::netlink
