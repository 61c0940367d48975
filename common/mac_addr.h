// MAC addresses: the one text form ("aa:bb:cc:dd:ee:ff", lower-case when written) used by the
// API, the feed, the checkpoint, the state file, the config and the CLI.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sandnet {

using MacAddr = std::array<uint8_t, 6>;

// Exactly six two-digit hex groups separated by ':', either case; nothing else (no '-',
// no single digits, no sign, no surrounding space).
std::optional<MacAddr> parse_mac(std::string_view text);
std::string format_mac(const uint8_t* mac);
inline std::string format_mac(const MacAddr& mac) { return format_mac(mac.data()); }
// A guest's own address must be unicast and not all zeroes.
inline bool is_unicast_mac(const MacAddr& m) { return (m[0] & 1) == 0 && m != MacAddr{}; }
// The MAC a sandbox gets when its runtime names none: 02:00 (locally administered, unicast)
// followed by the four bytes of its IPv4 address (network byte order).
MacAddr derived_mac(uint32_t ipv4_be);
// derived_mac() of a dotted-quad address, written; throws std::invalid_argument for anything else.
std::string derived_mac_text(std::string_view ipv4);
// `text` in the written form; throws std::invalid_argument naming it when it is no MAC.
std::string normalized_mac(std::string_view text);

}  // namespace sandnet
