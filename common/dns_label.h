// Sandbox and network names are DNS labels: they become host names inside guests.
#pragma once
#include <string_view>

namespace sandnet {

constexpr size_t kMaxLabelLength = 63;

// Lowercase letters, digits and '-', 1-63 chars, no leading or trailing '-'.
bool is_dns_label(std::string_view s);

}  // namespace sandnet
