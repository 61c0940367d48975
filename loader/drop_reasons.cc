#include "loader/drop_reasons.h"

#include <array>

#include "sandnet/dp_abi.h"

namespace sandnet::dp {
namespace {

struct Reason {
  std::string_view name, help;
};

constexpr std::array<Reason, SN_DROP__MAX> kReasons = {{
    {"MALFORMED_ETH", "frame shorter than an Ethernet header"},
    {"NO_CONFIG", "the agent never wrote the config map (fail closed)"},
    {"UNKNOWN_TAP", "device has the program but no tap entry"},
    {"SPOOF_MAC", "source MAC is not the tap's guest MAC"},
    {"SPOOF_IP", "source IP is not the tap's guest IP"},
    {"UNSUPPORTED_L3", "neither IPv4 nor ARP (the overlay is IPv4-only)"},
    {"MALFORMED_ARP", "truncated or non Ethernet/IPv4 ARP"},
    {"ARP_REPLY", "ARP reply from a guest"},
    {"ARP_GRATUITOUS", "gratuitous ARP or ARP probe from a guest"},
    {"ARP_NOT_PEER", "ARP request for an address that is not a peer"},
    {"MALFORMED_IP", "truncated IPv4 header or bad version/length"},
    {"IP_OPTIONS", "IPv4 options are not allowed"},
    {"OVERLAY_TO_OUTSIDE", "overlay source to a non-overlay destination"},
    {"OUTSIDE_TO_OVERLAY", "traffic to a guest not forwarded by sandnet"},
    {"NO_ENDPOINT", "destination overlay IP has no endpoint"},
    {"NO_NETWORK", "source or destination is in no network"},
    {"NO_SHARED_NETWORK", "source and destination share no network"},
    {"REMOTE_HOST", "destination is on another host (not supported yet)"},
    {"HOST_ORIGINATE", "guest tried to originate traffic to the host link-local address"},
    {"FRAGMENT_TO_HOST", "IP fragment towards the host link-local address"},
    {"HOST_NOT_PUSH", "guest TCP segment or ICMP error to the host that is not of a push connection"},
    {"HOST_UNMARKED", "host link-local traffic to a guest not sent by a push socket (no mark)"},
    {"VLAN", "VLAN-tagged frame (802.1Q/802.1ad)"},
    {"QUARANTINED", "tap the agent cannot place (sandbox left the view, over capacity, unknown after a restart): drop-all"},
}};
static_assert(SN_DROP__MAX <= SN_DROP_SLOTS, "drop_counts rows hold SN_DROP_SLOTS reasons");
// Every enum value has a name: an entry left out is value-initialised.
static_assert([] {
  for (const Reason& r : kReasons)
    if (r.name.empty()) return false;
  return true;
}());

}  // namespace

std::optional<std::string_view> drop_reason_name(unsigned reason) {
  if (reason >= kReasons.size()) return std::nullopt;
  return kReasons[reason].name;
}

std::string_view drop_reason_help(unsigned reason) {
  return reason < kReasons.size() ? kReasons[reason].help : "unknown reason";
}

std::string_view hook_name(unsigned hook) {
  switch (hook) {
    case SN_HOOK_INGRESS: return "ingress";
    case SN_HOOK_EGRESS: return "egress";
    case SN_HOOK_XDP: return "xdp";
    default: return "unknown";
  }
}

}  // namespace sandnet::dp
