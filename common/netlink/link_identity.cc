#include "common/netlink/link_identity.h"

#include <errno.h>
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <system_error>
#include <vector>

#include "common/ifname.h"
#include "common/netlink/netlink_request.h"

namespace sandnet::netlink {

namespace {

// IFLA_LINKINFO: the kind, and for a VXLAN device its mode and port.
void read_link_info(const rtattr* linkinfo, LinkIdentity& out) {
  int len = static_cast<int>(RTA_PAYLOAD(linkinfo));
  for (auto* a = static_cast<const rtattr*>(RTA_DATA(linkinfo)); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
    if (a->rta_type == IFLA_INFO_KIND) {
      out.kind.assign(static_cast<const char*>(RTA_DATA(a)),
                      strnlen(static_cast<const char*>(RTA_DATA(a)), RTA_PAYLOAD(a)));
    } else if (a->rta_type == IFLA_INFO_DATA) {
      int dlen = static_cast<int>(RTA_PAYLOAD(a));
      for (auto* d = static_cast<const rtattr*>(RTA_DATA(a)); RTA_OK(d, dlen); d = RTA_NEXT(d, dlen)) {
        if (d->rta_type == IFLA_VXLAN_COLLECT_METADATA && RTA_PAYLOAD(d) >= 1)
          out.vxlan_external = *static_cast<const uint8_t*>(RTA_DATA(d)) != 0;
        else if (d->rta_type == IFLA_VXLAN_PORT && RTA_PAYLOAD(d) >= 2)
          out.vxlan_port = ntohs(*static_cast<const uint16_t*>(RTA_DATA(d)));
      }
    }
  }
}

// RTM_GETLINK of one device, by ifindex or (when `name` is set) by name.
std::optional<LinkIdentity> get_link(unsigned ifindex, const std::string* name) {
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = static_cast<int>(ifindex);
  Request ask(RTM_GETLINK, 0, &ifi, sizeof ifi);
  if (name) ask.add_attribute(IFLA_IFNAME, name->c_str(), name->size() + 1);
  uint32_t no_stats = RTEXT_FILTER_SKIP_STATS;  // the answer stays small
  ask.add_attribute(IFLA_EXT_MASK, &no_stats, sizeof no_stats);
  std::vector<char> reply(32768);
  if (int e = ask.execute(reply); e != 0) {
    if (e == ENODEV) return std::nullopt;
    throw std::system_error(e, std::generic_category(),
                            "RTM_GETLINK " + (name ? *name : "ifindex " + std::to_string(ifindex)));
  }
  auto* h = reinterpret_cast<nlmsghdr*>(reply.data());
  auto* info = static_cast<ifinfomsg*>(NLMSG_DATA(h));
  LinkIdentity out;
  out.ifindex = static_cast<unsigned>(info->ifi_index);
  out.up = (info->ifi_flags & IFF_UP) != 0;
  int len = static_cast<int>(IFLA_PAYLOAD(h));
  for (auto* a = IFLA_RTA(info); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
    if (a->rta_type == IFLA_IFALIAS)
      out.alias.assign(static_cast<const char*>(RTA_DATA(a)),
                       strnlen(static_cast<const char*>(RTA_DATA(a)), RTA_PAYLOAD(a)));
    else if (a->rta_type == IFLA_MTU && RTA_PAYLOAD(a) >= sizeof(uint32_t))
      std::memcpy(&out.mtu, RTA_DATA(a), sizeof(uint32_t));
    else if (a->rta_type == IFLA_LINKINFO)
      read_link_info(a, out);
  }
  return out;
}

}  // namespace

std::optional<LinkIdentity> query_link(const std::string& name) {
  if (!is_valid_ifname(name)) return std::nullopt;
  return get_link(0, &name);
}

std::optional<LinkIdentity> query_link(unsigned ifindex) {
  if (ifindex == 0) return std::nullopt;
  return get_link(ifindex, nullptr);
}

int set_link_alias(unsigned ifindex, const std::string& alias) {
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = static_cast<int>(ifindex);
  Request set(RTM_SETLINK, 0, &ifi, sizeof ifi);
  set.add_attribute(IFLA_IFALIAS, alias.data(), alias.size());
  return set.execute();
}

}  // namespace sandnet::netlink
