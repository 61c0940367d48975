#include "sync/tap_watcher.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include <spdlog/spdlog.h>

namespace sandnet::sync {

TapWatcher::TapWatcher(OnGone on_gone, OnOverflow on_overflow)
    : on_gone_(std::move(on_gone)), on_overflow_(std::move(on_overflow)) {
  fd_ = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "rtnetlink socket");
  sockaddr_nl addr{};
  addr.nl_family = AF_NETLINK;
  addr.nl_groups = RTMGRP_LINK;
  int rcvbuf = 1 << 20;  // bursts of link events must not overflow into ENOBUFS
  setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int e = errno;
    close(fd_);
    throw std::system_error(e, std::generic_category(), "rtnetlink bind");
  }
  stop_fd_ = eventfd(0, EFD_CLOEXEC);
  thread_ = std::thread([this] { run(); });
}

TapWatcher::~TapWatcher() {
  uint64_t one = 1;
  if (write(stop_fd_, &one, sizeof one) < 0) spdlog::warn("tap watcher: cannot wake its thread");
  thread_.join();
  close(fd_);
  close(stop_fd_);
}

void TapWatcher::run() {
  alignas(nlmsghdr) char buf[16384];
  for (;;) {
    pollfd fds[2] = {{fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents) return;
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno != ENOBUFS) continue;
      spdlog::warn("tap watcher: link events overflowed; re-checking every plugged tap");
      try {
        on_overflow_();
      } catch (const std::exception& e) {
        spdlog::error("tap re-check: {}", e.what());
      }
      continue;
    }
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, static_cast<size_t>(n)); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_type != RTM_DELLINK) continue;
      auto* ifi = static_cast<ifinfomsg*>(NLMSG_DATA(h));
      int len = static_cast<int>(IFLA_PAYLOAD(h));
      for (auto* a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
        if (a->rta_type != IFLA_IFNAME) continue;
        std::string name(static_cast<const char*>(RTA_DATA(a)), strnlen(static_cast<const char*>(RTA_DATA(a)), RTA_PAYLOAD(a)));
        try {
          on_gone_(name);
        } catch (const std::exception& e) {
          spdlog::error("tap {} gone: {}", name, e.what());
        }
      }
    }
  }
}

}  // namespace sandnet::sync
