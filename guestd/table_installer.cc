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
  auto status = install_valid(bytes, view);
  if (status == PushStatus::kOk) {
    peers_ = peers_of(*view.get());
    generation_ = view.generation();
  }
  return status;
}

PushStatus TableInstaller::install_delta(std::span<const unsigned char> payload) {
  auto delta = table_push::parse_delta(payload);
  if (!delta) {
    spdlog::warn("rejected table delta ({} bytes): malformed", payload.size());
    return PushStatus::kBadFrame;
  }
  if (!peers_ || generation_ != delta->base_generation) {
    spdlog::info("table delta against generation {}, holding {}: asking for the whole table",
                 delta->base_generation, peers_ ? std::to_string(generation_) : std::string("none"));
    return PushStatus::kBaseMismatch;
  }
  PeerTable next = *peers_;
  if (!apply_delta(next, *delta)) {
    spdlog::warn("table delta to generation {} does not fit the table held: asking for the whole table",
                 delta->generation);
    return PushStatus::kBaseMismatch;
  }
  std::vector<unsigned char> image;
  try {
    image = image_of(next, delta->generation);
  } catch (const std::exception& e) {
    spdlog::warn("table delta to generation {}: {}; keeping the previous table", delta->generation, e.what());
    return PushStatus::kInvalidTable;
  }
  hosts_table::View view;
  if (view.open(image) != SANDNET_HT_OK) return PushStatus::kInvalidTable;
  auto status = install_valid(image, view);
  if (status == PushStatus::kOk) {
    peers_ = std::move(next);
    generation_ = delta->generation;
  }
  return status;
}

PushStatus TableInstaller::install_valid(std::span<const unsigned char> bytes, const hosts_table::View& view) {
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
