#include "common/netlink/netlink_request.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstring>

namespace sandnet::netlink {

Request::Request(uint16_t type, uint16_t flags, const void* payload, size_t payload_size) {
  buffer_.resize(NLMSG_SPACE(payload_size));
  auto* h = reinterpret_cast<nlmsghdr*>(buffer_.data());
  h->nlmsg_len = static_cast<uint32_t>(NLMSG_LENGTH(payload_size));
  h->nlmsg_type = type;
  h->nlmsg_flags = static_cast<uint16_t>(NLM_F_REQUEST | NLM_F_ACK | flags);
  h->nlmsg_seq = 1;
  std::memcpy(NLMSG_DATA(h), payload, payload_size);
}

void Request::add_attribute(uint16_t type, const void* data, size_t size) {
  auto* h = reinterpret_cast<nlmsghdr*>(buffer_.data());
  size_t at = NLMSG_ALIGN(h->nlmsg_len);
  buffer_.resize(at + RTA_SPACE(size));
  h = reinterpret_cast<nlmsghdr*>(buffer_.data());
  auto* rta = reinterpret_cast<rtattr*>(buffer_.data() + at);
  rta->rta_type = type;
  rta->rta_len = static_cast<uint16_t>(RTA_LENGTH(size));
  if (size) std::memcpy(RTA_DATA(rta), data, size);
  h->nlmsg_len = static_cast<uint32_t>(at + RTA_SPACE(size));
}

size_t Request::begin_nested(uint16_t type) {
  auto* h = reinterpret_cast<nlmsghdr*>(buffer_.data());
  size_t at = NLMSG_ALIGN(h->nlmsg_len);
  add_attribute(type, nullptr, 0);
  return at;
}

void Request::end_nested(size_t offset) {
  auto* h = reinterpret_cast<nlmsghdr*>(buffer_.data());
  reinterpret_cast<rtattr*>(buffer_.data() + offset)->rta_len = static_cast<uint16_t>(h->nlmsg_len - offset);
}

int Request::execute() {
  std::vector<char> ack(4096);
  int e = execute(ack);
  // An acknowledgement is an NLMSG_ERROR of 0, which execute(answer) reports as no message.
  return e == ENOMSG ? 0 : e != 0 ? e : EPROTO;
}

int Request::execute(std::vector<char>& answer) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return errno;
  timeval tv{5, 0};  // the kernel answers at once; never hang a daemon on it
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  auto* h = reinterpret_cast<nlmsghdr*>(buffer_.data());
  if (sendto(fd, buffer_.data(), h->nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0) {
    int e = errno;
    close(fd);
    return e;
  }
  ssize_t n = recv(fd, answer.data(), answer.size(), 0);
  int e = errno;
  close(fd);
  if (n < 0) return e;
  auto* r = reinterpret_cast<nlmsghdr*>(answer.data());
  if (!NLMSG_OK(r, static_cast<size_t>(n))) return EPROTO;
  if (r->nlmsg_type == NLMSG_ERROR) {
    int error = -static_cast<nlmsgerr*>(NLMSG_DATA(r))->error;
    return error == 0 ? ENOMSG : error;
  }
  answer.resize(static_cast<size_t>(n));
  return 0;
}

Request host_route_request(uint16_t type, uint16_t flags, unsigned ifindex, in_addr dst) {
  rtmsg rt{};
  rt.rtm_family = AF_INET;
  rt.rtm_dst_len = 32;
  rt.rtm_table = RT_TABLE_MAIN;
  rt.rtm_protocol = RTPROT_STATIC;
  rt.rtm_scope = RT_SCOPE_LINK;
  rt.rtm_type = RTN_UNICAST;
  Request r(type, flags, &rt, sizeof rt);
  r.add_attribute(RTA_DST, &dst, sizeof dst);
  uint32_t oif = ifindex;
  r.add_attribute(RTA_OIF, &oif, sizeof oif);
  return r;
}

}  // namespace sandnet::netlink
