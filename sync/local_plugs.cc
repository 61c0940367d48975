#include "sync/local_plugs.h"

#include <arpa/inet.h>

#include <cctype>
#include <cstdint>
#include <stdexcept>

#include <fmt/format.h>

namespace sandnet::sync {

nlohmann::json plugs_to_json(const LocalPlugs& plugs) {
  auto out = nlohmann::json::object();
  for (auto& [id, p] : plugs) {
    out[id] = {{"tap", p.tap}, {"mac", p.mac}};
    if (p.ifindex != 0) out[id].update({{"ifindex", p.ifindex}, {"alias", p.alias}});
  }
  return out;
}

LocalPlugs plugs_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw std::runtime_error("plugs: not an object");
  LocalPlugs plugs;
  for (auto& [id, p] : j.items()) {
    if (!p.is_object() || !p.contains("tap") || !p["tap"].is_string() || !p.contains("mac") ||
        !p["mac"].is_string())
      throw std::runtime_error("plugs: bad entry for " + id);
    LocalPlug plug{p["tap"].get<std::string>(), normalized_mac(p["mac"].get<std::string>())};
    // Absent in a checkpoint written before plugs were bound to their device.
    if (p.contains("ifindex")) {
      if (!p["ifindex"].is_number_unsigned() || p["ifindex"].get<uint64_t>() > UINT32_MAX || !p.contains("alias") ||
          !p["alias"].is_string())
        throw std::runtime_error("plugs: bad binding for " + id);
      plug.ifindex = p["ifindex"].get<uint32_t>();
      plug.alias = p["alias"].get<std::string>();
    }
    plugs[id] = std::move(plug);
  }
  return plugs;
}

std::string derived_mac(const std::string& ipv4) {
  in_addr a{};
  if (inet_pton(AF_INET, ipv4.c_str(), &a) != 1) throw std::invalid_argument("not an IPv4 address: " + ipv4);
  auto* b = reinterpret_cast<const unsigned char*>(&a.s_addr);
  return fmt::format("02:00:{:02x}:{:02x}:{:02x}:{:02x}", b[0], b[1], b[2], b[3]);
}

std::string normalized_mac(const std::string& text) {
  bool ok = text.size() == 17;
  std::string out = text;
  for (size_t i = 0; ok && i < text.size(); ++i) {
    if (i % 3 == 2) {
      ok = text[i] == ':';
    } else {
      ok = std::isxdigit(static_cast<unsigned char>(text[i])) != 0;
      out[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[i])));
    }
  }
  if (!ok) throw std::invalid_argument("not a MAC address: \"" + text + "\"");
  return out;
}

}  // namespace sandnet::sync
