#include "loader/tap_resolver.h"

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "common/ifname.h"
#include "loader/unique_fd.h"

namespace sandnet::dp {

std::optional<TapInfo> resolve_tap(const std::string& name) {
  if (!is_valid_ifname(name)) return std::nullopt;
  UniqueFd sock(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock.valid()) return std::nullopt;
  ifreq req{};
  std::memcpy(req.ifr_name, name.c_str(), name.size());
  if (ioctl(sock.get(), SIOCGIFINDEX, &req) != 0) return std::nullopt;
  TapInfo info;
  info.ifindex = static_cast<uint32_t>(req.ifr_ifindex);
  if (ioctl(sock.get(), SIOCGIFHWADDR, &req) != 0) return std::nullopt;
  std::memcpy(info.mac.data(), req.ifr_hwaddr.sa_data, 6);
  return info;
}

}  // namespace sandnet::dp
