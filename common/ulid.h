// ULIDs (https://github.com/ulid/spec): 48-bit millisecond time + 80 random bits,
// Crockford base32, 26 chars. Sortable by creation time, which gives list endpoints
// a stable order for free.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sandnet {

// Thread-safe; monotonic within one process (same millisecond -> random part + 1).
std::string new_ulid();

// Encodes a given time and randomness (tests use it for fixed vectors).
std::string encode_ulid(uint64_t unix_ms, const uint8_t random[10]);

// True when s is 26 Crockford base32 chars whose first char is 0-7 (fits 128 bits).
bool is_ulid(std::string_view s);

// Id helpers for the prefixes fixed by the design: "net-<ULID>" and "sb_<ULID>".
std::string new_network_id();
std::string new_sandbox_id();
bool is_network_id(std::string_view s);
bool is_sandbox_id(std::string_view s);

}  // namespace sandnet
