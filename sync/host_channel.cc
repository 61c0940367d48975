#include "sync/host_channel.h"

#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include <cerrno>
#include <fstream>
#include <stdexcept>
#include <system_error>

#include "common/netlink/netlink_request.h"

namespace sandnet::sync {
namespace {

in_addr ipv4(const std::string& text) {
  in_addr a{};
  if (inet_pton(AF_INET, text.c_str(), &a) != 1) throw std::invalid_argument("not an IPv4 address: " + text);
  return a;
}

netlink::Request address_request(uint16_t type, uint16_t flags, unsigned ifindex, in_addr local) {
  ifaddrmsg ifa{};
  ifa.ifa_family = AF_INET;
  ifa.ifa_prefixlen = 32;
  ifa.ifa_scope = RT_SCOPE_LINK;
  ifa.ifa_index = ifindex;
  netlink::Request r(type, flags, &ifa, sizeof ifa);
  r.add_attribute(IFA_LOCAL, &local, sizeof local);
  r.add_attribute(IFA_ADDRESS, &local, sizeof local);
  return r;
}

netlink::Request route_request(uint16_t type, uint16_t flags, unsigned ifindex, in_addr guest, in_addr source) {
  netlink::Request r = netlink::host_route_request(type, flags, ifindex, guest);
  r.add_attribute(RTA_PREFSRC, &source, sizeof source);
  return r;
}
// Strict reverse-path filtering on the tap (rp_filter = 1): the host accepts a packet arriving
// on it only from an address routed back through it, i.e. the guest's /32. A second line behind
// the datapath's SPOOF_IP, and the only one should a tap ever be without its programs. The
// kernel applies max(all, tap), so a stricter host-wide setting stays in force.
void set_strict_rp_filter(const std::string& tap) {
  std::ofstream f("/proc/sys/net/ipv4/conf/" + tap + "/rp_filter");
  f << "1\n";
  f.flush();
  if (!f) throw std::system_error(errno ? errno : EIO, std::generic_category(), "rp_filter on " + tap);
}
}  // namespace

void open_host_channel(const std::string& tap, const std::string& guest_ip, const std::string& host_link_local) {
  in_addr guest = ipv4(guest_ip), source = ipv4(host_link_local);
  unsigned ifindex = if_nametoindex(tap.c_str());
  if (ifindex == 0) throw std::system_error(errno, std::generic_category(), "tap " + tap);
  set_strict_rp_filter(tap);  // tap names a device now: no path tricks
  int rc = address_request(RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, ifindex, source).execute();
  if (rc != 0) throw std::system_error(rc, std::generic_category(), "link-local address on " + tap);
  rc = route_request(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, ifindex, guest, source).execute();
  if (rc != 0) throw std::system_error(rc, std::generic_category(), "route to " + guest_ip + " via " + tap);
}

void close_host_channel(const std::string& tap, const std::string& guest_ip, const std::string& host_link_local) {
  unsigned ifindex = if_nametoindex(tap.c_str());
  if (ifindex == 0) return;
  in_addr guest = ipv4(guest_ip), source = ipv4(host_link_local);
  route_request(RTM_DELROUTE, 0, ifindex, guest, source).execute();
  address_request(RTM_DELADDR, 0, ifindex, source).execute();
}

}  // namespace sandnet::sync
