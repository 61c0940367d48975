// Names of the datapath's drop reasons (enum sn_drop_reason), for the CLI,
// logs and docs.
#pragma once
#include <optional>
#include <string_view>

namespace sandnet::dp {

// "SPOOF_IP" etc.; "UNKNOWN(n)"-style callers handle nullopt.
std::optional<std::string_view> drop_reason_name(unsigned reason);
std::string_view drop_reason_help(unsigned reason);

}  // namespace sandnet::dp
