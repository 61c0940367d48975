#include "sync/view_to_state.h"

#include <fmt/format.h>

#include "common/mac_addr.h"
#include "loader/net_addr.h"

namespace sandnet::sync {

SandboxDerivation derive_sandbox(const HostView& view, const std::string& id, const SandboxRecord& sb,
                                 const LocalPlugs& plugs, const std::string& host_id, const dp::AgentConfig& config) {
  SandboxDerivation d;
  auto plug = plugs.find(id);
  // A plugged tap always keeps an entry: one its sandbox cannot fill is drop-all.
  auto quarantine = [&](const std::string& why) {
    if (plug != plugs.end() && !plug->second.unbound) d.quarantine = dp::QuarantineSpec{plug->second.tap, why};
  };
  auto ip = dp::parse_ipv4(sb.ip);
  if (!ip || !config.overlay.contains(*ip)) {
    d.skipped = fmt::format("{}: address \"{}\" is not in the overlay", id, sb.ip);
    quarantine(d.skipped);
    return d;
  }
  dp::EndpointSpec ep;
  bool placed_here = !sb.host || *sb.host == host_id;
  const std::string* mac_text = nullptr;  // null: derived from the address
  bool unbound = plug != plugs.end() && plug->second.unbound;
  if (unbound && placed_here) return d;  // quarantined by the plug: no endpoint on another device
  if (plug != plugs.end() && !placed_here && !unbound) {
    // Plugged here, placed elsewhere by the API (another host plugged the same id): the tap
    // stays ours, drop-all, until the runtime unplugs it; the sandbox is a remote peer.
    d.quarantine = dp::QuarantineSpec{plug->second.tap, fmt::format("sandbox {} is placed on host {}", id, *sb.host)};
  }
  if (plug != plugs.end() && placed_here) {
    ep.tap = plug->second.tap;
    mac_text = &plug->second.mac;
  } else if (sb.host && *sb.host != host_id) {
    // A peer on another host, while that host is reachable: a lost host's sandboxes are
    // purged (no endpoint, no verdict, no ARP answer), not left to fail at its tunnel.
    if (!view.reaches(*sb.host, host_id)) return d;
    ep.host = *sb.host;
    if (sb.mac) mac_text = &*sb.mac;
  } else {
    return d;  // not plugged anywhere we can reach: nothing to install
  }
  if (mac_text) {
    auto mac = parse_mac(*mac_text);
    if (!mac) {
      d.skipped = fmt::format("{}: bad MAC \"{}\"", id, *mac_text);
      if (ep.local()) quarantine(d.skipped);
      return d;
    }
    ep.mac = *mac;
  } else {
    ep.mac = derived_mac(*ip);
  }
  ep.sandbox_id = id;
  ep.ip_be = *ip;
  d.endpoint = std::move(ep);
  return d;
}

std::vector<dp::QuarantineSpec> plug_quarantines(const HostView& view, const LocalPlugs& plugs) {
  std::vector<dp::QuarantineSpec> out;
  for (auto& [id, plug] : plugs) {
    // Another device took the name: it must not inherit the plug's networks.
    if (plug.unbound)
      out.push_back({plug.tap, "tap " + plug.tap + " is not the device sandbox " + id + " was plugged on; plug it again"});
    else if (!view.sandboxes().count(id))
      out.push_back({plug.tap, "sandbox " + id + " is not in the view"});
  }
  return out;
}

StateBuild view_to_state(const HostView& view, const LocalPlugs& plugs, const std::string& host_id,
                         const dp::AgentConfig& config) {
  StateBuild out;
  out.state.endpoints.reserve(view.sandboxes().size());
  out.state.quarantined = plug_quarantines(view, plugs);
  for (auto& [id, sb] : view.sandboxes()) {
    auto d = derive_sandbox(view, id, sb, plugs, host_id, config);
    if (!d.skipped.empty()) out.skipped.push_back(std::move(d.skipped));
    if (d.quarantine) out.state.quarantined.push_back(std::move(*d.quarantine));
    if (d.endpoint) out.state.endpoints.push_back(std::move(*d.endpoint));
  }
  out.state.networks.reserve(view.networks().size());
  for (auto& [id, net] : view.networks()) out.state.networks.push_back({id, net.members});
  out.state.hosts = overlay_hosts(view, host_id);
  return out;
}

std::vector<dp::HostSpec> overlay_hosts(const HostView& view, const std::string& host_id) {
  std::vector<dp::HostSpec> out;
  for (auto& [id, h] : view.hosts()) {
    if (id == host_id || !h.overlay_reaches()) continue;
    auto ip = dp::parse_ipv4(*h.underlay);  // parse_host keeps only valid addresses
    if (ip) out.push_back({id, h.number, *ip});
  }
  return out;
}

std::vector<dp::QuarantineSpec> quarantines(const HostView& view, const LocalPlugs& plugs, const std::string& host_id,
                                            const dp::AgentConfig& config) {
  auto out = plug_quarantines(view, plugs);
  for (auto& [id, plug] : plugs) {  // by id, as view_to_state meets them in the view
    auto sb = view.sandboxes().find(id);
    if (sb == view.sandboxes().end()) continue;
    if (auto d = derive_sandbox(view, id, sb->second, plugs, host_id, config); d.quarantine) out.push_back(*d.quarantine);
  }
  return out;
}

dp::DesiredDelta state_delta(const HostView& view, const LocalPlugs& plugs, const std::string& host_id,
                             const dp::AgentConfig& config, const StateChange& change,
                             std::vector<std::string>* skipped) {
  dp::DesiredDelta delta;
  auto derive = [&](const std::string& id) {
    auto sb = view.sandboxes().find(id);
    std::optional<dp::EndpointSpec> ep;
    if (sb != view.sandboxes().end()) {
      auto d = derive_sandbox(view, id, sb->second, plugs, host_id, config);
      if (skipped && !d.skipped.empty()) skipped->push_back(std::move(d.skipped));
      ep = std::move(d.endpoint);
    }
    if (ep) delta.upsert_endpoints.push_back(std::move(*ep));
    else delta.removed_endpoints.push_back(id);
  };
  for (auto& id : change.sandboxes) derive(id);
  // A host's record changed: only the sandboxes placed there may come or go (issue 19: no scan).
  for (auto& host : change.hosts)
    for (auto id : view.placed_on(host))
      if (std::string s(id); !change.sandboxes.count(s)) derive(s);
  if (!change.hosts.empty()) {
    delta.hosts_changed = true;  // few: the whole list
    delta.hosts = overlay_hosts(view, host_id);
  }
  for (auto& id : change.networks) {
    auto net = view.networks().find(id);
    if (net != view.networks().end()) delta.upsert_networks.push_back({id, net->second.members});
    else delta.removed_networks.push_back(id);
  }
  delta.quarantine_changed = true;  // O(plugs), few: recomputed whole
  delta.quarantined = quarantines(view, plugs, host_id, config);
  return delta;
}

}  // namespace sandnet::sync
