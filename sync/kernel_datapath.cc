#include "sync/kernel_datapath.h"

#include "sync/host_channel.h"

namespace sandnet::sync {

dp::ApplyResult KernelDatapath::apply(const dp::DesiredState& desired, const std::set<std::string>& release,
                                      const dp::DesiredDelta* delta) {
  return dp_.apply(desired, release, delta);
}

bool KernelDatapath::holds(uint32_t ifindex) const { return dp_.holds(ifindex); }

std::optional<netlink::LinkIdentity> KernelDatapath::query_link(const std::string& name) {
  return netlink::query_link(name);
}

int KernelDatapath::set_link_alias(uint32_t ifindex, const std::string& alias) {
  return netlink::set_link_alias(ifindex, alias);
}

void KernelDatapath::open_host_channel(const std::string& tap, const std::string& guest_ip,
                                       const std::string& host_link_local) {
  sync::open_host_channel(tap, guest_ip, host_link_local);
}

void KernelDatapath::close_host_channel(const std::string& tap, const std::string& guest_ip,
                                        const std::string& host_link_local) {
  sync::close_host_channel(tap, guest_ip, host_link_local);
}

}  // namespace sandnet::sync
