// Names of the datapath's drop reasons (enum sn_drop_reason) and hooks
// (enum sn_hook), for the CLI, logs and docs.
#pragma once
#include <optional>
#include <string_view>

namespace sandnet::dp {

// "SPOOF_IP" etc.; "UNKNOWN(n)"-style callers handle nullopt.
std::optional<std::string_view> drop_reason_name(unsigned reason);
std::string_view drop_reason_help(unsigned reason);

// "ingress", "egress", "xdp" (early drops in front of ingress), else "unknown".
std::string_view hook_name(unsigned hook);

}  // namespace sandnet::dp
