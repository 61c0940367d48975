#include "sync/view_to_state.h"

#include <fmt/format.h>

#include "loader/net_addr.h"

namespace sandnet::sync {

StateBuild view_to_state(const HostView& view, const LocalPlugs& plugs, const std::string& host_id,
                         const dp::AgentConfig& config) {
  StateBuild out;
  for (auto& [id, sb] : view.sandboxes()) {
    auto ip = dp::parse_ipv4(sb.ip);
    if (!ip || !config.overlay.contains(*ip)) {
      out.skipped.push_back(fmt::format("{}: address \"{}\" is not in the overlay", id, sb.ip));
      continue;
    }
    dp::EndpointSpec ep;
    ep.sandbox_id = id;
    ep.ip_be = *ip;
    auto plug = plugs.find(id);
    bool placed_here = !sb.host || *sb.host == host_id;
    std::string mac_text;
    if (plug != plugs.end() && placed_here) {
      ep.tap = plug->second.tap;
      mac_text = plug->second.mac;
    } else if (sb.host && *sb.host != host_id) {
      ep.host = *sb.host;  // a peer on another host
      mac_text = sb.mac ? *sb.mac : derived_mac(sb.ip);
    } else {
      continue;  // not plugged anywhere we can reach: nothing to install
    }
    auto mac = dp::parse_mac(mac_text);
    if (!mac) {
      out.skipped.push_back(fmt::format("{}: bad MAC \"{}\"", id, mac_text));
      continue;
    }
    ep.mac = *mac;
    out.state.endpoints.push_back(std::move(ep));
  }
  for (auto& [id, net] : view.networks()) out.state.networks.push_back({id, net.members});
  return out;
}

}  // namespace sandnet::sync
