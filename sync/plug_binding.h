// A plug is bound to the device the runtime named, not to its name: at plug time the agent
// records the device's ifindex and writes a fresh alias (IFLA_IFALIAS "sandnet:<nonce>") on it.
// Neither survives the device: a new device that takes the name has another ifindex, or no
// alias (a reused ifindex). Deciding what a device found under a plug's name means is pure,
// so it is unit-tested without a kernel.
#pragma once
#include <optional>
#include <string>

#include "common/netlink/link_identity.h"
#include "sync/local_plugs.h"

namespace sandnet::sync {

enum class Binding {
  bound,       // the very device that was plugged
  gone,        // no device has the name: the tap vanished (an unplug)
  replaced,    // another device took the name: drop-all until the runtime plugs again
  unverified,  // a plug recorded before binding existed: nothing to compare with
};

Binding check_binding(const LocalPlug& plug, const std::optional<netlink::LinkIdentity>& now);

const char* to_string(Binding b);

}  // namespace sandnet::sync
