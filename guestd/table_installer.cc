#include "guestd/table_installer.h"

#include <spdlog/spdlog.h>

#include <system_error>

#include "common/hosts_table/hosts_table.hpp"
#include "guestd/etc_hosts_block.h"
#include "guestd/table_file.h"

namespace sandnet::guestd {

using table_push::PushStatus;

PushStatus TableInstaller::install(std::span<const unsigned char> bytes) {
  hosts_table::View view;
  if (int rc = view.open(bytes); rc != SANDNET_HT_OK) {
    spdlog::warn("rejected table ({} bytes): {}; keeping the previous one", bytes.size(),
                 sandnet_hosts_table_strerror(rc));
    return PushStatus::kInvalidTable;
  }
  try {
    std::filesystem::create_directories(options_.table_path.parent_path());
    replace_table_file(options_.table_path, bytes);
  } catch (const std::exception& e) {
    spdlog::error("cannot store table: {}", e.what());
    return PushStatus::kWriteFailed;
  }
  spdlog::info("installed table generation {} with {} names at {}", view.generation(), view.size(),
               options_.table_path.string());
  if (options_.hosts_file) {
    try {
      mirror_into_hosts_file(*options_.hosts_file, *view.get());
    } catch (const std::exception& e) {
      // The NSS table is in place; only the fallback for non-NSS programs is stale.
      spdlog::error("cannot update {}: {}", options_.hosts_file->string(), e.what());
      return PushStatus::kWriteFailed;
    }
  }
  return PushStatus::kOk;
}

}  // namespace sandnet::guestd
