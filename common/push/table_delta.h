// The payload of an "SNT3" frame (push_protocol.h): the changes that turn the table a guest
// holds (base_generation) into a new one (generation), so a change to a large table costs the
// agent and the wire the size of the change. Removals come first, then upserts; both name
// peers by their bare name, and an upsert replaces the peer's address and networks whole.
//
//   u64 base_generation | u64 generation | u32 removed count | u32 upserted count   (big-endian)
//   removed:  u8 length | name bytes                                     (each)
//   upserted: u8 length | name bytes | ipv4[4] | u16 network count | (u8 length | bytes) each
//
// The parser checks every length against the bytes left and the counts against what the bytes
// can hold before it allocates; it does not validate names (the guest's table builder does).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace sandnet::table_push {

struct DeltaPeer {
  std::string name;  // bare name
  std::array<unsigned char, 4> ipv4{};
  std::vector<std::string> networks;
  bool operator==(const DeltaPeer&) const = default;
};

struct TableDelta {
  uint64_t base_generation = 0;
  uint64_t generation = 0;
  std::vector<std::string> removed;
  std::vector<DeltaPeer> upserted;
  bool operator==(const TableDelta&) const = default;
};

// Throws std::length_error when a name is longer than 255 bytes or a peer has more than 65535
// networks (the caller sends the whole table instead).
std::vector<unsigned char> encode_delta(const TableDelta& delta);
// Nothing when the bytes are not exactly one well-formed payload.
std::optional<TableDelta> parse_delta(std::span<const unsigned char> bytes);

}  // namespace sandnet::table_push
