#include "sync/local_plugs.h"

#include <cstdint>
#include <stdexcept>

#include "common/mac_addr.h"

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

}  // namespace sandnet::sync
