// One rtnetlink request: header, fixed payload (ifaddrmsg, rtmsg, ...), attributes; sent on a
// fresh NETLINK_ROUTE socket and acknowledged. Enough for the few address/route changes the
// agent makes, without an `ip` binary or a netlink library.
#pragma once
#include <cstddef>
#include <cstdint>
#include <netinet/in.h>
#include <string>
#include <vector>

namespace sandnet::netlink {

class Request {
 public:
  Request(uint16_t type, uint16_t flags, const void* payload, size_t payload_size);
  void add_attribute(uint16_t type, const void* data, size_t size);
  // A nested attribute (IFLA_LINKINFO, IFLA_INFO_DATA): the attributes added until
  // end_nested(the returned offset) go inside it.
  size_t begin_nested(uint16_t type);
  void end_nested(size_t offset);
  // Returns 0 on success, else the positive errno the kernel (or the socket) answered.
  int execute();
  // For a request the kernel answers with a message (RTM_GETLINK of one device): that message
  // into `answer` (resized to it). Returns 0, or the positive errno answered.
  int execute(std::vector<char>& answer);

 private:
  std::vector<char> buffer_;
};

// A static, link-scope /32 route to `dst` out of `ifindex` in the main table (RTM_NEWROUTE or
// RTM_DELROUTE): the one route shape both ends of the host link-local channel need.
Request host_route_request(uint16_t type, uint16_t flags, unsigned ifindex, in_addr dst);

}  // namespace sandnet::netlink
