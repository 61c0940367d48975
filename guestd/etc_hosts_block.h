// Mirrors the table into a marked block of /etc/hosts for programs that bypass NSS (musl
// images, Go binaries without cgo). Only the block is ours; every other line is kept as is.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "common/hosts_table/hosts_table.h"

namespace sandnet::guestd {

inline constexpr std::string_view kHostsBlockBegin = "# BEGIN sandnet";
inline constexpr std::string_view kHostsBlockEnd = "# END sandnet";

// The block for `table`: one line per address, canonical (bare) name first, then the others.
std::string render_hosts_block(const sandnet_hosts_table& table);

// `existing` with its sandnet block(s) replaced by `block` (appended when there is none).
// A BEGIN line without an END line claims the rest of the file: that can only be a block
// someone cut by hand, and keeping half of it would leave stale names behind.
std::string splice_hosts_block(std::string_view existing, std::string_view block);

// Reads `hosts_file`, splices the block in and replaces it atomically (mode preserved).
void mirror_into_hosts_file(const std::filesystem::path& hosts_file, const sandnet_hosts_table& table);

}  // namespace sandnet::guestd
