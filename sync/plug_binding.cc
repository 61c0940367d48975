#include "sync/plug_binding.h"

namespace sandnet::sync {

Binding check_binding(const LocalPlug& plug, const std::optional<netlink::LinkIdentity>& now) {
  if (!now) return Binding::gone;
  if (plug.ifindex == 0 || plug.alias.empty()) return Binding::unverified;
  // Both must match: an ifindex can be handed out again, an alias can be copied by whoever
  // creates the device, but never onto the plugged device's own ifindex while it exists.
  if (now->ifindex != plug.ifindex || now->alias != plug.alias) return Binding::replaced;
  return Binding::bound;
}

const char* to_string(Binding b) {
  switch (b) {
    case Binding::bound: return "bound";
    case Binding::gone: return "gone";
    case Binding::replaced: return "replaced";
    case Binding::unverified: return "unverified";
  }
  return "?";
}

}  // namespace sandnet::sync
