#include "sync/view_to_state.h"

#include <fmt/format.h>

#include "common/mac_addr.h"
#include "loader/net_addr.h"

namespace sandnet::sync {

StateBuild view_to_state(const HostView& view, const LocalPlugs& plugs, const std::string& host_id,
                         const dp::AgentConfig& config) {
  StateBuild out;
  out.state.endpoints.reserve(view.sandboxes().size());
  // A plugged tap always keeps an entry: one its sandbox cannot fill is drop-all.
  auto quarantine = [&](const std::string& id, std::string why) {
    auto plug = plugs.find(id);
    if (plug != plugs.end() && !plug->second.unbound) out.state.quarantined.push_back({plug->second.tap, std::move(why)});
  };
  for (auto& [id, plug] : plugs) {
    // Another device took the name: it must not inherit the plug's networks.
    if (plug.unbound)
      out.state.quarantined.push_back({plug.tap, "tap " + plug.tap + " is not the device sandbox " + id +
                                                     " was plugged on; plug it again"});
    else if (!view.sandboxes().count(id))
      out.state.quarantined.push_back({plug.tap, "sandbox " + id + " is not in the view"});
  }
  for (auto& [id, sb] : view.sandboxes()) {
    auto ip = dp::parse_ipv4(sb.ip);
    if (!ip || !config.overlay.contains(*ip)) {
      out.skipped.push_back(fmt::format("{}: address \"{}\" is not in the overlay", id, sb.ip));
      quarantine(id, out.skipped.back());
      continue;
    }
    dp::EndpointSpec ep;
    auto plug = plugs.find(id);
    bool placed_here = !sb.host || *sb.host == host_id;
    const std::string* mac_text = nullptr;  // null: derived from the address
    bool unbound = plug != plugs.end() && plug->second.unbound;
    if (unbound && placed_here) continue;  // quarantined above: no endpoint on another device
    if (plug != plugs.end() && !placed_here && !unbound) {
      // Plugged here, placed elsewhere by the API (another host plugged the same id): the tap
      // stays ours, drop-all, until the runtime unplugs it; the sandbox is a remote peer.
      out.state.quarantined.push_back({plug->second.tap, fmt::format("sandbox {} is placed on host {}", id, *sb.host)});
    }
    if (plug != plugs.end() && placed_here) {
      ep.tap = plug->second.tap;
      mac_text = &plug->second.mac;
    } else if (sb.host && *sb.host != host_id) {
      ep.host = *sb.host;  // a peer on another host
      if (sb.mac) mac_text = &*sb.mac;
    } else {
      continue;  // not plugged anywhere we can reach: nothing to install
    }
    if (mac_text) {
      auto mac = parse_mac(*mac_text);
      if (!mac) {
        out.skipped.push_back(fmt::format("{}: bad MAC \"{}\"", id, *mac_text));
        if (!ep.local()) continue;
        quarantine(id, out.skipped.back());
        continue;
      }
      ep.mac = *mac;
    } else {
      ep.mac = derived_mac(*ip);
    }
    ep.sandbox_id = id;
    ep.ip_be = *ip;
    out.state.endpoints.push_back(std::move(ep));
  }
  out.state.networks.reserve(view.networks().size());
  for (auto& [id, net] : view.networks()) out.state.networks.push_back({id, net.members});
  return out;
}

}  // namespace sandnet::sync
