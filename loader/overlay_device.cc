#include "loader/overlay_device.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "common/netlink/link_admin.h"
#include "common/netlink/link_identity.h"
#include "common/netlink/vxlan_device.h"
#include "sandnet/dp_abi.h"

namespace sandnet::dp {
namespace {

constexpr unsigned kMinGuestMtu = 576;  // the IPv4 minimum every host must take

[[noreturn]] void fail(const std::string& what, int err) {
  throw std::runtime_error(fmt::format("{}: {}", what, std::strerror(err)));
}

}  // namespace

OverlayLink prepare_overlay(const OverlaySetup& setup) {
  if (setup.underlay_device.empty()) return {};
  auto underlay = netlink::query_link(setup.underlay_device);
  if (!underlay) throw std::runtime_error("underlay_device " + setup.underlay_device + " does not exist");
  if (underlay->mtu < kMinGuestMtu + SN_VXLAN_OVERHEAD)
    throw std::runtime_error(fmt::format("underlay_device {} has MTU {}: the overlay needs at least {}",
                                         setup.underlay_device, underlay->mtu, kMinGuestMtu + SN_VXLAN_OVERHEAD));
  const unsigned mtu = underlay->mtu - SN_VXLAN_OVERHEAD;

  auto vxlan = netlink::query_link(setup.vxlan_device);
  if (!vxlan) {
    int e = netlink::create_vxlan(setup.vxlan_device, SN_VXLAN_PORT);
    vxlan = netlink::query_link(setup.vxlan_device);
    if (e == EEXIST && !vxlan)  // the name is free: the port is not
      throw std::runtime_error(fmt::format(
          "cannot create {}: another VXLAN device already takes port {} in this namespace", setup.vxlan_device,
          SN_VXLAN_PORT));
    if (e != 0 && e != EEXIST) fail("creating VXLAN device " + setup.vxlan_device, e);
    if (e == 0) spdlog::info("created VXLAN device {} (external, port {})", setup.vxlan_device, SN_VXLAN_PORT);
  }
  if (!vxlan || vxlan->kind != "vxlan" || !vxlan->vxlan_external || vxlan->vxlan_port != SN_VXLAN_PORT)
    throw std::runtime_error(fmt::format(
        "device {} exists but is not a collect-metadata (external) VXLAN device on port {}: not using it "
        "(delete it, or set vxlan_device to another name)",
        setup.vxlan_device, SN_VXLAN_PORT));
  if (vxlan->mtu != mtu)
    if (int e = netlink::set_link_mtu(vxlan->ifindex, mtu)) fail("MTU of " + setup.vxlan_device, e);
  if (!vxlan->up)
    if (int e = netlink::set_link_up(vxlan->ifindex, true)) fail("bringing " + setup.vxlan_device + " up", e);
  return {setup.host_number, vxlan->ifindex, mtu, underlay->ifindex};
}

}  // namespace sandnet::dp
