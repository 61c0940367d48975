// The hosts-table push from the host agent to sandnet-guestd, one table per TCP connection:
//
//   agent -> guest:  magic "SNT1" | u32 length (big-endian) | length bytes of table image
//               or:  magic "SNT2" | u32 length | u32 MTU (big-endian) | table image
//               or:  magic "SNT3" | u32 length | u32 MTU (0: none) | delta (table_delta.h)
//   guest -> agent:  one status byte (PushStatus)
//
// "SNT2" carries the MTU the guest's overlay interface must have (the underlay's minus the
// VXLAN encapsulation, docs/design-overlay.md); the agent sends it only when this host has the
// overlay, so a single-host deployment keeps speaking "SNT1" to any guestd. "SNT3" carries the
// changes against a table the guest acknowledged; a guest that does not hold that table answers
// kBaseMismatch, one that does not know the frame answers kBadFrame: either gets the whole table.
//
// The guest accepts connections only from the host's link-local address, which the datapath
// lets only the host originate; the table itself is then validated like any file.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace sandnet::table_push {

inline constexpr std::array<unsigned char, 4> kMagic = {'S', 'N', 'T', '1'};
inline constexpr std::array<unsigned char, 4> kMagicWithMtu = {'S', 'N', 'T', '2'};
inline constexpr std::array<unsigned char, 4> kMagicDelta = {'S', 'N', 'T', '3'};
inline constexpr size_t kHeaderSize = 8;
inline constexpr size_t kMtuFieldSize = 4;  // after the header of an "SNT2" frame
// The MTUs a guest takes: IPv4's least reassembly size up to the largest IPv4 packet.
inline constexpr uint32_t kMinGuestMtu = 576;
inline constexpr uint32_t kMaxGuestMtu = 65535;
inline constexpr uint16_t kDefaultPort = 7471;
inline constexpr std::string_view kDefaultHostAddress = "169.254.0.1";
inline constexpr uint32_t kMaxTableSize = 16u * 1024u * 1024u;

enum class PushStatus : uint8_t {
  kOk = 0,
  kBadFrame = 1,      // wrong magic, short read or timeout
  kTooLarge = 2,      // announced length above the guest's limit
  kInvalidTable = 3,  // bytes are not a valid hosts table; the previous table stays
  kWriteFailed = 4,   // valid table but it could not be stored
  kBaseMismatch = 5,  // "SNT3": the guest does not hold the base table; send the whole table
};

std::string_view to_string(PushStatus status);

inline void put_be32(unsigned char* p, uint32_t v) {
  p[0] = static_cast<unsigned char>(v >> 24);
  p[1] = static_cast<unsigned char>(v >> 16);
  p[2] = static_cast<unsigned char>(v >> 8);
  p[3] = static_cast<unsigned char>(v);
}
inline uint32_t get_be32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

inline std::array<unsigned char, kHeaderSize> encode_header(uint32_t length) {
  std::array<unsigned char, kHeaderSize> h{kMagic[0], kMagic[1], kMagic[2], kMagic[3]};
  put_be32(h.data() + 4, length);
  return h;
}

// An "SNT2" (or, with `magic`, "SNT3") header and its MTU field.
inline std::array<unsigned char, kHeaderSize + kMtuFieldSize> encode_header_with_mtu(
    uint32_t length, uint32_t mtu, const std::array<unsigned char, 4>& magic = kMagicWithMtu) {
  std::array<unsigned char, kHeaderSize + kMtuFieldSize> h{magic[0], magic[1], magic[2], magic[3]};
  put_be32(h.data() + 4, length);
  put_be32(h.data() + kHeaderSize, mtu);
  return h;
}

struct FrameStart {
  uint32_t length;
  bool mtu_follows;  // "SNT2", "SNT3": kMtuFieldSize bytes of MTU come before the payload
  bool delta;        // "SNT3": the payload is a table delta, not a table image
};

// The announced length and kind, or nothing when the magic is neither.
inline std::optional<FrameStart> decode_header(const std::array<unsigned char, kHeaderSize>& h) {
  bool v1 = std::equal(kMagic.begin(), kMagic.end(), h.begin());
  bool v2 = std::equal(kMagicWithMtu.begin(), kMagicWithMtu.end(), h.begin());
  bool v3 = std::equal(kMagicDelta.begin(), kMagicDelta.end(), h.begin());
  if (!v1 && !v2 && !v3) return std::nullopt;
  return FrameStart{get_be32(h.data() + 4), v2 || v3, v3};
}

}  // namespace sandnet::table_push
