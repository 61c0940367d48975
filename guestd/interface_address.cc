#include "guestd/interface_address.h"

#include "common/netlink/netlink_request.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>
#include <system_error>
#include <utility>
#include <vector>

namespace sandnet::guestd {
namespace {

[[noreturn]] void fail(int error, const std::string& what) {
  throw std::system_error(error, std::generic_category(), what);
}

// The shared rtnetlink request (common/netlink), with guestd's error style: throw, naming the step.
class NetlinkRequest {
 public:
  NetlinkRequest(uint16_t type, uint16_t flags, const void* payload, size_t payload_size)
      : request_(type, flags, payload, payload_size) {}
  explicit NetlinkRequest(netlink::Request request) : request_(std::move(request)) {}
  void add_attribute(uint16_t type, const void* data, size_t size) { request_.add_attribute(type, data, size); }
  void execute(const std::string& what) {
    if (int error = request_.execute(); error != 0) fail(error, what);
  }

 private:
  netlink::Request request_;
};

in_addr parse_ipv4(const std::string& text) {
  in_addr a{};
  if (inet_pton(AF_INET, text.c_str(), &a) != 1) throw std::invalid_argument("not an IPv4 address: " + text);
  return a;
}

}  // namespace

void configure_interface(const std::string& device, const std::string& cidr,
                         const std::optional<std::string>& host_link_local) {
  size_t slash = cidr.find('/');
  if (slash == std::string::npos) throw std::invalid_argument("expected ADDRESS/PREFIX: " + cidr);
  in_addr address = parse_ipv4(cidr.substr(0, slash));
  int prefix = -1;
  try {
    prefix = std::stoi(cidr.substr(slash + 1));
  } catch (const std::exception&) {
  }
  if (prefix < 1 || prefix > 32) throw std::invalid_argument("bad prefix length in " + cidr);
  unsigned index = if_nametoindex(device.c_str());
  if (index == 0) fail(errno, "interface " + device);

  ifaddrmsg ifa{};
  ifa.ifa_family = AF_INET;
  ifa.ifa_prefixlen = static_cast<unsigned char>(prefix);
  ifa.ifa_index = index;
  NetlinkRequest add_address(RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, &ifa, sizeof ifa);
  add_address.add_attribute(IFA_LOCAL, &address, sizeof address);
  add_address.add_attribute(IFA_ADDRESS, &address, sizeof address);
  add_address.execute("add " + cidr + " to " + device);

  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = static_cast<int>(index);
  ifi.ifi_flags = IFF_UP;
  ifi.ifi_change = IFF_UP;
  NetlinkRequest up(RTM_NEWLINK, 0, &ifi, sizeof ifi);
  up.execute("set " + device + " up");

  if (host_link_local) {
    in_addr host = parse_ipv4(*host_link_local);
    NetlinkRequest route(netlink::host_route_request(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, index, host));
    route.execute("route " + *host_link_local + " dev " + device);
  }
}

}  // namespace sandnet::guestd
