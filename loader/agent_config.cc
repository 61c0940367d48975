#include "loader/agent_config.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "common/ifname.h"
#include "sandnet/dp_abi.h"

namespace sandnet::dp {
namespace {

using nlohmann::json;

uint32_t read_u32(const json& v, const char* name, uint32_t min, uint32_t max) {
  if (!v.is_number_unsigned())
    throw std::runtime_error(fmt::format("config: {} must be a non-negative integer", name));
  auto n = v.get<uint64_t>();
  if (n < min || n > max)
    throw std::runtime_error(fmt::format("config: {} must be in [{}, {}]", name, min, max));
  return static_cast<uint32_t>(n);
}

std::string read_str(const json& v, const char* name) {
  if (!v.is_string()) throw std::runtime_error(fmt::format("config: {} must be a string", name));
  return v.get<std::string>();
}

}  // namespace

AgentConfig default_agent_config() {
  AgentConfig c;
  c.overlay = *parse_cidr("10.42.0.0/16");
  c.host_link_local_be = *parse_ipv4("169.254.0.1");
  return c;
}

AgentConfig parse_agent_config(std::string_view text) {
  AgentConfig c = default_agent_config();
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw std::runtime_error("config: not a JSON object");
  constexpr uint32_t kBig = 1u << 26;
  bool explicit_max_endpoints = false;
  for (auto& [key, v] : j.items()) {
    if (key == "overlay_cidr") {
      auto cidr = parse_cidr(read_str(v, "overlay_cidr"));
      if (!cidr) throw std::runtime_error("config: overlay_cidr must be an IPv4 CIDR");
      if (cidr->prefix < kMinOverlayPrefix || cidr->prefix > 30)
        throw std::runtime_error(fmt::format(
            "config: overlay_cidr must be a /{} to /30 (the endpoints map is an array with one "
            "24-byte slot per overlay address)",
            kMinOverlayPrefix));
      c.overlay = *cidr;
    } else if (key == "host_link_local") {
      auto ip = parse_ipv4(read_str(v, "host_link_local"));
      if (!ip) throw std::runtime_error("config: host_link_local must be an IPv4 address");
      c.host_link_local_be = *ip;
    } else if (key == "gateway_mac") {
      auto mac = parse_mac(read_str(v, "gateway_mac"));
      if (!mac || !is_unicast_mac(*mac))
        throw std::runtime_error("config: gateway_mac must be a unicast MAC");
      c.gateway_mac = *mac;
    } else if (key == "drop_sample_every") {
      c.drop_sample_every = read_u32(v, "drop_sample_every", 0, 1u << 30);
    } else if (key == "underlay_device") {
      c.overlay_setup.underlay_device = read_str(v, "underlay_device");
      if (!is_valid_ifname(c.overlay_setup.underlay_device))
        throw std::runtime_error("config: underlay_device must be an interface name");
    } else if (key == "vxlan_device") {
      c.overlay_setup.vxlan_device = read_str(v, "vxlan_device");
      if (!is_valid_ifname(c.overlay_setup.vxlan_device))
        throw std::runtime_error("config: vxlan_device must be an interface name");
    } else if (key == "host_number") {
      c.overlay_setup.host_number = read_u32(v, "host_number", 1, (1u << 24) - 1);
    } else if (key == "attach_mode") {
      auto m = read_str(v, "attach_mode");
      if (m == "auto") c.attach_mode = AttachMode::kAuto;
      else if (m == "tcx") c.attach_mode = AttachMode::kTcx;
      else if (m == "clsact") c.attach_mode = AttachMode::kClsact;
      else throw std::runtime_error("config: attach_mode must be auto, tcx or clsact");
    } else if (key == "max_endpoints") {
      c.capacity.max_endpoints = read_u32(v, "max_endpoints", 1, kBig);
      explicit_max_endpoints = true;
    } else if (key == "max_local_taps") {
      c.capacity.max_local_taps = read_u32(v, "max_local_taps", 1, kMaxLocalTaps);
    } else if (key == "max_tap_ifindex") {
      // Layout v5's taps array indexed by raw ifindex; v6 sizes its slots from max_local_taps.
      spdlog::warn("config: max_tap_ifindex is obsolete (taps are not indexed by ifindex since layout v6) "
                   "and ignored");
    } else if (key == "max_networks") {
      c.capacity.max_networks = read_u32(v, "max_networks", 1, kBig);
    } else if (key == "max_sets") {
      c.capacity.max_sets = read_u32(v, "max_sets", 1, kBig);
    } else if (key == "max_hosts") {
      c.capacity.max_hosts = read_u32(v, "max_hosts", 1, 1u << 20);
    } else if (key == "max_pairs") {
      // Layout v3's pair table; v4 sizes the reach bitmap from max_local_taps and max_sets.
      read_u32(v, "max_pairs", 1, kBig);
      spdlog::warn("config: max_pairs is obsolete (no pair table since layout v4) and ignored");
    } else if (key == "max_nets_per_sandbox") {
      c.capacity.max_nets_per_sandbox =
          read_u32(v, "max_nets_per_sandbox", 1, SN_MAX_NETS_PER_SET);
    } else {
      throw std::runtime_error(fmt::format("config: unknown field '{}'", key));
    }
  }
  if (!c.overlay_setup.underlay_device.empty() && c.overlay_setup.host_number == 0)
    throw std::runtime_error("config: underlay_device needs host_number (this host's number, 1 .. 16777215)");
  // Every endpoint has an overlay address, and the endpoints array has a
  // slot per address: the overlay's size bounds max_endpoints.
  if (!explicit_max_endpoints) c.capacity.max_endpoints = overlay_slots(c.overlay);
  if (c.capacity.max_endpoints > overlay_slots(c.overlay))
    throw std::runtime_error(fmt::format(
        "config: max_endpoints ({}) exceeds the {} addresses of overlay_cidr {}/{}: widen "
        "overlay_cidr (a /15 holds 131072) or lower max_endpoints",
        c.capacity.max_endpoints, overlay_slots(c.overlay), format_ipv4(c.overlay.net_be),
        c.overlay.prefix));
  if (reach_words(c.capacity) * sizeof(uint64_t) > kMaxReachBytes)
    throw std::runtime_error(fmt::format(
        "config: max_local_taps ({}) x max_sets ({}) needs a {} MiB reach bitmap (one bit per "
        "local tap and set), more than {} MiB: lower one of them",
        c.capacity.max_local_taps, c.capacity.max_sets,
        reach_words(c.capacity) * sizeof(uint64_t) >> 20, kMaxReachBytes >> 20));
  if (c.overlay.contains(c.host_link_local_be))
    throw std::runtime_error("config: host_link_local must be outside overlay_cidr");
  return c;
}

AgentConfig load_agent_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(fmt::format("config: cannot read {}", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_agent_config(ss.str());
}

}  // namespace sandnet::dp
