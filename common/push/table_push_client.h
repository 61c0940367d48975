// Sends one hosts table to a guest's sandnet-guestd. Used by the host agent.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "common/push/push_protocol.h"

namespace sandnet::table_push {

struct PushTarget {
  std::string guest_address;                 // the guest's overlay IPv4
  uint16_t port = kDefaultPort;
  std::optional<std::string> source_address; // the host's link-local address (bound before connect)
  std::optional<std::string> device;         // the guest's tap (SO_BINDTODEVICE)
  std::optional<uint32_t> mark;              // SO_MARK (needs CAP_NET_ADMIN); the datapath's pass
  std::chrono::milliseconds timeout{5000};   // connect + send + reply, all together
  std::optional<uint32_t> mtu;               // sent in an "SNT2" frame: the guest sets it
};

struct PushResult {
  bool delivered = false;                    // a status byte came back
  PushStatus status = PushStatus::kBadFrame; // meaningful when delivered
  std::string error;                         // transport failure, when not delivered
  bool ok() const { return delivered && status == PushStatus::kOk; }
};

PushResult push_table(const PushTarget& target, std::span<const unsigned char> table);
// An "SNT3" frame: `delta` is an encoded TableDelta (table_delta.h).
PushResult push_table_delta(const PushTarget& target, std::span<const unsigned char> delta);

}  // namespace sandnet::table_push
