#include "guestd/table_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/hosts_table/hosts_table.h"
#include "common/atomic_file.h"

namespace sandnet::guestd {
namespace {

// The current file at `path`, opened for the in-place "superseded" mark, or -1. Never
// follows a symlink and only takes a regular file big enough to have a header.
int open_previous(const std::filesystem::path& path) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return -1;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < SANDNET_HOSTS_TABLE_HEADER_SIZE) {
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

void replace_table_file(const std::filesystem::path& path, std::span<const unsigned char> bytes) {
  int previous = open_previous(path);
  try {
    // World-readable: every process of the guest resolves through it.
    replace_file_atomically(path, bytes, 0644);
  } catch (...) {
    if (previous >= 0) close(previous);
    throw;
  }
  if (previous >= 0) {
    // Best effort: if it fails, readers still notice the rename within a second.
    sandnet_hosts_table_mark_superseded(previous);
    close(previous);
  }
}

}  // namespace sandnet::guestd
