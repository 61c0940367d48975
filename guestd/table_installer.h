// Validates a received table and, only if it is valid, makes it the one the NSS module reads
// (and optionally mirrors it into /etc/hosts). A bad table changes nothing. It keeps the
// peers of the table it installed last, so a delta against that table ("SNT3") can be applied.
#pragma once

#include <filesystem>
#include <optional>
#include <span>

#include "common/hosts_table/hosts_table.hpp"

#include "common/push/push_protocol.h"
#include "guestd/peer_table.h"

namespace sandnet::guestd {

struct InstallerOptions {
  std::filesystem::path table_path;                 // e.g. /run/sandnet/hosts.table
  std::optional<std::filesystem::path> hosts_file;  // e.g. /etc/hosts
};

class TableInstaller {
 public:
  explicit TableInstaller(InstallerOptions options) : options_(std::move(options)) {}
  // kOk, kInvalidTable (nothing written) or kWriteFailed (logged; previous table kept).
  table_push::PushStatus install(std::span<const unsigned char> bytes);
  // An encoded TableDelta: kOk, kBadFrame (not a delta), kBaseMismatch (this process installed
  // no table of its base generation, or the delta does not fit it: the agent sends the whole
  // table), or install()'s statuses for the patched table.
  table_push::PushStatus install_delta(std::span<const unsigned char> payload);

 private:
  table_push::PushStatus install_valid(std::span<const unsigned char> bytes, const hosts_table::View& view);

  InstallerOptions options_;
  std::optional<PeerTable> peers_;  // of the table installed last, when it is made of peers
  uint64_t generation_ = 0;         // that table's
};

}  // namespace sandnet::guestd
