#include "loader/drop_reasons.h"

#include <array>

#include "sandnet/dp_abi.h"

namespace sandnet::dp {
namespace {

struct Reason {
  unsigned value;  // the enum value this row names: checked against its index below
  std::string_view name, help;
};

// The name is the enumerator's own spelling, so a row cannot name another value.
#define SN_REASON(x, help) {SN_DROP_##x, #x, help}
constexpr std::array<Reason, SN_DROP__MAX> kReasons = {{
    SN_REASON(MALFORMED_ETH, "frame shorter than an Ethernet header"),
    SN_REASON(NO_CONFIG, "the agent never wrote the config map (fail closed)"),
    SN_REASON(UNKNOWN_TAP, "device has the program but no tap entry"),
    SN_REASON(SPOOF_MAC, "source MAC is not the tap's guest MAC"),
    SN_REASON(SPOOF_IP, "source IP is not the tap's guest IP"),
    SN_REASON(UNSUPPORTED_L3, "neither IPv4 nor ARP (the overlay is IPv4-only)"),
    SN_REASON(MALFORMED_ARP, "truncated or non Ethernet/IPv4 ARP"),
    SN_REASON(ARP_REPLY, "ARP reply from a guest"),
    SN_REASON(ARP_GRATUITOUS, "gratuitous ARP or ARP probe from a guest"),
    SN_REASON(ARP_NOT_PEER, "ARP request for an address that is not a peer"),
    SN_REASON(MALFORMED_IP, "truncated IPv4 header or bad version/length"),
    SN_REASON(IP_OPTIONS, "IPv4 options are not allowed"),
    SN_REASON(OVERLAY_TO_OUTSIDE, "overlay source to a non-overlay destination"),
    SN_REASON(OUTSIDE_TO_OVERLAY, "traffic to a guest not forwarded by sandnet"),
    SN_REASON(NO_ENDPOINT, "destination overlay IP has no endpoint"),
    SN_REASON(NO_NETWORK, "source or destination is in no network"),
    SN_REASON(NO_SHARED_NETWORK, "source and destination share no network"),
    SN_REASON(REMOTE_HOST, "destination is on another host and this host has no overlay (single-host config)"),
    SN_REASON(HOST_ORIGINATE, "guest tried to originate traffic to the host link-local address"),
    SN_REASON(FRAGMENT_TO_HOST, "IP fragment towards the host link-local address"),
    SN_REASON(HOST_NOT_PUSH, "guest TCP segment or ICMP error to the host that is not of a push connection"),
    SN_REASON(HOST_UNMARKED, "host link-local traffic to a guest not sent by a push socket (no mark)"),
    SN_REASON(VLAN, "VLAN-tagged frame (802.1Q/802.1ad)"),
    SN_REASON(QUARANTINED, "tap the agent cannot place (sandbox left the view, over capacity, unknown after a restart): drop-all"),
    SN_REASON(NO_REMOTE_HOST, "destination's host has no underlay address here (unregistered or lease expired)"),
    SN_REASON(OVERLAY_TOO_BIG, "frame larger than the overlay MTU (the guest's MTU is set too high)"),
    SN_REASON(UNDERLAY_NO_TUNNEL, "frame on the VXLAN device without tunnel metadata"),
    SN_REASON(UNDERLAY_UNKNOWN_HOST, "VXLAN from an underlay address that is no registered host"),
    SN_REASON(UNDERLAY_WRONG_VNI, "VXLAN whose tunnel id is not the sending host's number"),
    SN_REASON(UNDERLAY_NOT_OWNER, "VXLAN whose inner source (IP and MAC) is not an endpoint of the sending host"),
    SN_REASON(UNDERLAY_NOT_LOCAL, "VXLAN whose inner destination is not a local guest"),
}};
#undef SN_REASON
static_assert(SN_DROP__MAX <= SN_DROP_SLOTS, "drop_counts rows hold SN_DROP_SLOTS reasons");
// Every enum value has a name, in its own row: an entry left out is value-initialised, and a
// reason inserted mid-enum without its row moves every later row off its value.
static_assert([] {
  for (unsigned i = 0; i < kReasons.size(); ++i)
    if (kReasons[i].name.empty() || kReasons[i].value != i) return false;
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
    case SN_HOOK_OVERLAY: return "overlay";
    case SN_HOOK_UNDERLAY: return "underlay";
    default: return "unknown";
  }
}

}  // namespace sandnet::dp
