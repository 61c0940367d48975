// Sandboxes a VM runtime has plugged into this host (sandbox id → tap, guest MAC), as told
// over the agent socket. Persisted with the view so plugs survive agent restarts.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

namespace sandnet::sync {

struct LocalPlug {
  LocalPlug() = default;
  // Not an aggregate, so that a plug named by tap and MAC alone (unbound yet) needs no more.
  LocalPlug(std::string tap_name, std::string guest_mac, uint32_t device_ifindex = 0, std::string device_alias = {})
      : tap(std::move(tap_name)), mac(std::move(guest_mac)), ifindex(device_ifindex), alias(std::move(device_alias)) {}
  std::string tap;
  std::string mac;  // the guest's MAC, lower-case "02:00:0a:2a:00:05"
  // The device the plug is bound to (sync/plug_binding.h): its ifindex and the alias the agent
  // wrote on it. 0 and "" in a plug an older agent recorded: verified at start.
  uint32_t ifindex = 0;
  std::string alias;
  // Not persisted (re-derived from the device at start): another device has taken the tap's
  // name since the plug, so the tap is drop-all and gets no table until the runtime plugs again.
  bool unbound = false;
  bool operator==(const LocalPlug&) const = default;
};

using LocalPlugs = std::map<std::string, LocalPlug>;  // by sandbox id

nlohmann::json plugs_to_json(const LocalPlugs& plugs);
LocalPlugs plugs_from_json(const nlohmann::json& j);  // throws std::runtime_error

}  // namespace sandnet::sync
