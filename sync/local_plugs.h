// Sandboxes a VM runtime has plugged into this host (sandbox id → tap, guest MAC), as told
// over the agent socket. Persisted with the view so plugs survive agent restarts.
#pragma once
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace sandnet::sync {

struct LocalPlug {
  std::string tap;
  std::string mac;  // the guest's MAC, lower-case "02:00:0a:2a:00:05"
  bool operator==(const LocalPlug&) const = default;
};

using LocalPlugs = std::map<std::string, LocalPlug>;  // by sandbox id

nlohmann::json plugs_to_json(const LocalPlugs& plugs);
LocalPlugs plugs_from_json(const nlohmann::json& j);  // throws std::runtime_error

// The MAC a guest gets when the runtime names none: 02:00 + the four bytes of its IPv4.
// Throws std::invalid_argument for a non-IPv4 address.
std::string derived_mac(const std::string& ipv4);
// Lower-cased "xx:xx:xx:xx:xx:xx", or throws std::invalid_argument.
std::string normalized_mac(const std::string& text);

}  // namespace sandnet::sync
