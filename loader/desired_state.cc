#include "loader/desired_state.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <set>
#include <unordered_set>

#include "common/ifname.h"
#include "common/ulid.h"

namespace sandnet::dp {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& msg) { throw StateError("state file: " + msg); }

const json& field(const json& obj, const char* name, const std::string& where) {
  auto it = obj.find(name);
  if (it == obj.end()) fail(fmt::format("{}: missing field '{}'", where, name));
  return *it;
}

std::string string_field(const json& obj, const char* name, const std::string& where) {
  const json& v = field(obj, name, where);
  if (!v.is_string()) fail(fmt::format("{}: '{}' must be a string", where, name));
  return v.get<std::string>();
}

void reject_unknown(const json& obj, std::initializer_list<std::string_view> known,
                    const std::string& where) {
  for (auto& [key, _] : obj.items()) {
    bool ok = false;
    for (auto k : known) ok = ok || key == k;
    if (!ok) fail(fmt::format("{}: unknown field '{}'", where, key));
  }
}

EndpointSpec parse_endpoint(const json& j, size_t index, const AgentConfig& config) {
  std::string where = fmt::format("endpoints[{}]", index);
  if (!j.is_object()) fail(where + ": must be an object");
  reject_unknown(j, {"sandbox_id", "tap", "ip", "mac", "host"}, where);
  EndpointSpec e;
  e.sandbox_id = string_field(j, "sandbox_id", where);
  if (!is_sandbox_id(e.sandbox_id))
    fail(fmt::format("{}: sandbox_id '{}' is not sb_<ULID>", where, e.sandbox_id));
  where = fmt::format("endpoint {}", e.sandbox_id);
  if (j.contains("host")) {
    e.host = string_field(j, "host", where);
    if (e.host.empty() || e.host.size() > 253) fail(where + ": host must be 1-253 chars");
  }
  if (e.local()) {
    e.tap = string_field(j, "tap", where);
    if (!is_valid_ifname(e.tap)) fail(fmt::format("{}: tap '{}' is not a valid interface name", where, e.tap));
  } else if (j.contains("tap")) {
    fail(where + ": a remote endpoint (with 'host') has no tap");
  }
  auto ip_text = string_field(j, "ip", where);
  auto ip = parse_ipv4(ip_text);
  if (!ip) fail(fmt::format("{}: ip '{}' is not an IPv4 address", where, ip_text));
  if (!config.overlay.contains(*ip))
    fail(fmt::format("{}: ip {} is outside the overlay", where, ip_text));
  uint32_t host_bits = ~config.overlay.mask_be;
  if ((*ip & host_bits) == 0 || (*ip & host_bits) == host_bits)
    fail(fmt::format("{}: ip {} is the overlay's network or broadcast address", where, ip_text));
  e.ip_be = *ip;
  auto mac_text = string_field(j, "mac", where);
  auto mac = parse_mac(mac_text);
  if (!mac || !is_unicast_mac(*mac))
    fail(fmt::format("{}: mac '{}' is not a unicast MAC", where, mac_text));
  if (*mac == config.gateway_mac) fail(where + ": mac equals the gateway MAC");
  e.mac = *mac;
  return e;
}

NetworkSpec parse_network(const json& j, size_t index, const std::set<std::string>& sandboxes) {
  std::string where = fmt::format("networks[{}]", index);
  if (!j.is_object()) fail(where + ": must be an object");
  reject_unknown(j, {"id", "members"}, where);
  NetworkSpec n;
  n.id = string_field(j, "id", where);
  if (!is_network_id(n.id)) fail(fmt::format("{}: id '{}' is not net-<ULID>", where, n.id));
  where = "network " + n.id;
  const json& members = field(j, "members", where);
  if (!members.is_array()) fail(where + ": members must be an array");
  std::set<std::string> seen;
  for (const json& m : members) {
    if (!m.is_string()) fail(where + ": members must be sandbox id strings");
    auto id = m.get<std::string>();
    if (!sandboxes.count(id)) fail(fmt::format("{}: member {} has no endpoint", where, id));
    if (!seen.insert(id).second) fail(fmt::format("{}: member {} listed twice", where, id));
    n.members.push_back(std::move(id));
  }
  return n;
}

HostSpec parse_host(const json& j, size_t index) {
  std::string where = fmt::format("hosts[{}]", index);
  if (!j.is_object()) fail(where + ": must be an object");
  reject_unknown(j, {"id", "number", "underlay"}, where);
  HostSpec h;
  h.id = string_field(j, "id", where);
  if (h.id.empty() || h.id.size() > 253) fail(where + ": id must be 1-253 chars");
  where = "host " + h.id;
  const json& number = field(j, "number", where);
  if (!number.is_number_integer() || number.get<int64_t>() < 1 || number.get<int64_t>() > kMaxHostNumber)
    fail(fmt::format("{}: number must be an integer in 1..{}", where, kMaxHostNumber));
  h.number = number.get<uint32_t>();
  auto text = string_field(j, "underlay", where);
  auto ip = parse_ipv4(text);
  if (!ip || *ip == 0) fail(fmt::format("{}: underlay '{}' is not an IPv4 address", where, text));
  h.underlay_be = *ip;
  return h;
}

}  // namespace

DesiredState parse_desired_state(std::string_view text, const AgentConfig& config) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) fail("not valid JSON");
  if (!j.is_object()) fail("top level must be an object");
  reject_unknown(j, {"version", "endpoints", "networks", "hosts"}, "top level");
  const json& version = field(j, "version", "top level");
  if (!version.is_number_integer() || version.get<int64_t>() != 1)
    fail("version must be 1");
  const json& eps = field(j, "endpoints", "top level");
  const json& nets = field(j, "networks", "top level");
  if (!eps.is_array()) fail("endpoints must be an array");
  if (!nets.is_array()) fail("networks must be an array");

  DesiredState s;
  std::set<std::string> sandboxes, taps;
  std::unordered_set<uint32_t> ips;
  for (size_t i = 0; i < eps.size(); ++i) {
    auto e = parse_endpoint(eps[i], i, config);
    if (!sandboxes.insert(e.sandbox_id).second)
      fail(fmt::format("endpoint {} listed twice", e.sandbox_id));
    if (!ips.insert(e.ip_be).second)
      fail(fmt::format("endpoint {}: ip {} already used", e.sandbox_id, format_ipv4(e.ip_be)));
    if (e.local() && !taps.insert(e.tap).second)
      fail(fmt::format("endpoint {}: tap {} already used", e.sandbox_id, e.tap));
    s.endpoints.push_back(std::move(e));
  }
  std::set<std::string> net_ids;
  for (size_t i = 0; i < nets.size(); ++i) {
    auto n = parse_network(nets[i], i, sandboxes);
    if (!net_ids.insert(n.id).second) fail(fmt::format("network {} listed twice", n.id));
    s.networks.push_back(std::move(n));
  }
  if (j.contains("hosts")) {
    const json& hosts = j["hosts"];
    if (!hosts.is_array()) fail("hosts must be an array");
    std::set<std::string> ids;
    std::set<uint32_t> numbers, underlays;
    for (size_t i = 0; i < hosts.size(); ++i) {
      auto h = parse_host(hosts[i], i);
      if (!ids.insert(h.id).second) fail(fmt::format("host {} listed twice", h.id));
      if (!numbers.insert(h.number).second) fail(fmt::format("host {}: number {} already used", h.id, h.number));
      if (!underlays.insert(h.underlay_be).second)
        fail(fmt::format("host {}: underlay {} already used", h.id, format_ipv4(h.underlay_be)));
      s.hosts.push_back(std::move(h));
    }
  }
  return s;
}

}  // namespace sandnet::dp
