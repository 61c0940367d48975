// Replacing the table file the NSS module maps: atomically (temp + fsync + rename), then
// marking the previous file superseded so processes holding a mapping of it switch to the
// new one on their next lookup without a system call (see nss/table_cache.c).
#pragma once

#include <filesystem>
#include <span>

namespace sandnet::guestd {

// Does not validate `bytes` (TableInstaller does). Throws std::system_error.
void replace_table_file(const std::filesystem::path& path, std::span<const unsigned char> bytes);

}  // namespace sandnet::guestd
