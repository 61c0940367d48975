// The hosts-table push from the host agent to sandnet-guestd, one table per TCP connection:
//
//   agent -> guest:  magic "SNT1" | u32 length (big-endian) | length bytes of table image
//   guest -> agent:  one status byte (PushStatus)
//
// The guest accepts connections only from the host's link-local address, which the datapath
// lets only the host originate; the table itself is then validated like any file.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace sandnet::table_push {

inline constexpr std::array<unsigned char, 4> kMagic = {'S', 'N', 'T', '1'};
inline constexpr size_t kHeaderSize = 8;
inline constexpr uint16_t kDefaultPort = 7471;
inline constexpr std::string_view kDefaultHostAddress = "169.254.0.1";
inline constexpr uint32_t kMaxTableSize = 16u * 1024u * 1024u;

enum class PushStatus : uint8_t {
  kOk = 0,
  kBadFrame = 1,      // wrong magic, short read or timeout
  kTooLarge = 2,      // announced length above the guest's limit
  kInvalidTable = 3,  // bytes are not a valid hosts table; the previous table stays
  kWriteFailed = 4,   // valid table but it could not be stored
};

std::string_view to_string(PushStatus status);

inline std::array<unsigned char, kHeaderSize> encode_header(uint32_t length) {
  return {kMagic[0], kMagic[1], kMagic[2], kMagic[3],
          static_cast<unsigned char>(length >> 24), static_cast<unsigned char>(length >> 16),
          static_cast<unsigned char>(length >> 8), static_cast<unsigned char>(length)};
}

// The announced length, or nothing when the magic is wrong.
inline std::optional<uint32_t> decode_header(const std::array<unsigned char, kHeaderSize>& h) {
  for (size_t i = 0; i < kMagic.size(); i++)
    if (h[i] != kMagic[i]) return std::nullopt;
  return (uint32_t{h[4]} << 24) | (uint32_t{h[5]} << 16) | (uint32_t{h[6]} << 8) | uint32_t{h[7]};
}

}  // namespace sandnet::table_push
