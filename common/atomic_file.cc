#include "common/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <system_error>

namespace sandnet {
namespace {

[[noreturn]] void fail(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

void fsync_directory(const std::filesystem::path& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail("open " + dir.string());
  int rc = fsync(fd);
  int saved = errno;
  close(fd);
  errno = saved;
  if (rc != 0) fail("fsync " + dir.string());
}

// 0, or the errno of the write that failed.
int write_fully(int fd, std::span<const unsigned char> bytes) {
  size_t written = 0;
  while (written < bytes.size()) {
    ssize_t n = write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    written += static_cast<size_t>(n);
  }
  return 0;
}

}  // namespace

void write_all(int fd, std::span<const unsigned char> bytes, const std::string& what) {
  if (int e = write_fully(fd, bytes); e != 0) {
    errno = e;
    fail("write " + what);
  }
}

void replace_file_atomically(const std::filesystem::path& target, std::span<const unsigned char> bytes,
                             mode_t mode) {
  std::filesystem::path dir = target.parent_path().empty() ? "." : target.parent_path();
  std::string tmp = (dir / ("." + target.filename().string() + ".XXXXXX")).string();
  int fd = mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) fail("create temporary in " + dir.string());
  auto abandon = [&](const std::string& what) {
    int saved = errno;
    close(fd);
    unlink(tmp.c_str());
    errno = saved;
    fail(what);
  };
  if (int e = write_fully(fd, bytes); e != 0) {
    errno = e;
    abandon("write " + tmp);
  }
  if (fchmod(fd, mode) != 0) abandon("chmod " + tmp);
  if (fsync(fd) != 0) abandon("fsync " + tmp);
  if (close(fd) != 0) {
    int saved = errno;
    unlink(tmp.c_str());
    errno = saved;
    fail("close " + tmp);
  }
  if (rename(tmp.c_str(), target.c_str()) != 0) {
    int saved = errno;
    unlink(tmp.c_str());
    errno = saved;
    fail("rename to " + target.string());
  }
  fsync_directory(dir);
}

}  // namespace sandnet
