// Replacing a file so that readers see the old or the new content, never a mix, even across
// a crash: write a temporary in the same directory, fsync, rename over, fsync the directory.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <span>

namespace sandnet::guestd {

// Throws std::system_error; on failure the target is untouched and no temporary is left.
void replace_file_atomically(const std::filesystem::path& target, std::span<const unsigned char> bytes,
                             mode_t mode);

}  // namespace sandnet::guestd
