#include "guestd/interface_mtu.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <system_error>

namespace sandnet::guestd {

std::string interface_with_address(uint32_t address) {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) throw std::system_error(errno, std::generic_category(), "getifaddrs");
  std::unique_ptr<ifaddrs, decltype(&freeifaddrs)> owned(list, freeifaddrs);
  for (ifaddrs* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
    if (reinterpret_cast<const sockaddr_in*>(i->ifa_addr)->sin_addr.s_addr == address) return i->ifa_name;
  }
  return {};
}

bool set_interface_mtu(const std::string& device, uint32_t mtu) {
  if (device.size() >= IFNAMSIZ) throw std::system_error(EINVAL, std::generic_category(), "interface name");
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "socket");
  std::unique_ptr<int, void (*)(int*)> closer(&fd, [](int* f) { close(*f); });
  ifreq req{};
  std::memcpy(req.ifr_name, device.c_str(), device.size());
  if (ioctl(fd, SIOCGIFMTU, &req) != 0) throw std::system_error(errno, std::generic_category(), "SIOCGIFMTU " + device);
  if (static_cast<uint32_t>(req.ifr_mtu) == mtu) return false;
  req.ifr_mtu = static_cast<int>(mtu);
  if (ioctl(fd, SIOCSIFMTU, &req) != 0)
    throw std::system_error(errno, std::generic_category(), "SIOCSIFMTU " + device + " " + std::to_string(mtu));
  return true;
}

}  // namespace sandnet::guestd
