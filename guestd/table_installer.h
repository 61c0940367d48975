// Validates a received table and, only if it is valid, makes it the one the NSS module reads
// (and optionally mirrors it into /etc/hosts). A bad table changes nothing.
#pragma once

#include <filesystem>
#include <optional>
#include <span>

#include "common/push/push_protocol.h"

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

 private:
  InstallerOptions options_;
};

}  // namespace sandnet::guestd
