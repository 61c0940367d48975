#include "common/netlink/link_admin.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <system_error>
#include <vector>

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

std::optional<bool> link_is_up(unsigned ifindex) {
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = static_cast<int>(ifindex);
  Request ask(RTM_GETLINK, 0, &ifi, sizeof ifi);
  uint32_t no_stats = RTEXT_FILTER_SKIP_STATS;
  ask.add_attribute(IFLA_EXT_MASK, &no_stats, sizeof no_stats);
  std::vector<char> reply(32768);
  if (int e = ask.execute(reply); e != 0) {
    if (e == ENODEV) return std::nullopt;
    throw std::system_error(e, std::generic_category(), "RTM_GETLINK ifindex " + std::to_string(ifindex));
  }
  auto* info = static_cast<ifinfomsg*>(NLMSG_DATA(reinterpret_cast<nlmsghdr*>(reply.data())));
  return (info->ifi_flags & IFF_UP) != 0;
}

}  // namespace sandnet::netlink
