#include "common/netlink/link_admin.h"

#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include "common/netlink/netlink_request.h"

namespace sandnet::netlink {

int set_link_up(unsigned ifindex, bool up) {
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = static_cast<int>(ifindex);
  ifi.ifi_flags = up ? IFF_UP : 0;
  ifi.ifi_change = IFF_UP;  // only this flag changes
  return Request(RTM_SETLINK, 0, &ifi, sizeof ifi).execute();
}

int set_link_mtu(unsigned ifindex, unsigned mtu) {
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = static_cast<int>(ifindex);
  Request r(RTM_SETLINK, 0, &ifi, sizeof ifi);
  uint32_t value = mtu;
  r.add_attribute(IFLA_MTU, &value, sizeof value);
  return r.execute();
}

}  // namespace sandnet::netlink
