#include "common/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

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

AtomicFileWriter::AtomicFileWriter(std::filesystem::path target) : target_(std::move(target)) {
  std::filesystem::path dir = target_.parent_path().empty() ? "." : target_.parent_path();
  tmp_ = (dir / ("." + target_.filename().string() + ".XXXXXX")).string();
  fd_ = mkostemp(tmp_.data(), O_CLOEXEC);
  if (fd_ < 0) fail("create temporary in " + dir.string());
}

AtomicFileWriter::~AtomicFileWriter() { abandon(); }

AtomicFileWriter::AtomicFileWriter(AtomicFileWriter&& other) noexcept
    : target_(std::move(other.target_)), tmp_(std::move(other.tmp_)), fd_(std::exchange(other.fd_, -1)) {}

AtomicFileWriter& AtomicFileWriter::operator=(AtomicFileWriter&& other) noexcept {
  if (this != &other) {
    abandon();
    target_ = std::move(other.target_);
    tmp_ = std::move(other.tmp_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

void AtomicFileWriter::abandon() noexcept {
  if (fd_ < 0) return;
  int saved = errno;
  close(fd_);
  unlink(tmp_.c_str());
  fd_ = -1;
  errno = saved;
}

void AtomicFileWriter::write(std::string_view bytes) {
  if (fd_ < 0) throw std::logic_error("write to a committed or abandoned " + tmp_);
  if (int e = write_fully(fd_, {reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()}); e != 0) {
    abandon();
    errno = e;
    fail("write " + tmp_);
  }
}

void AtomicFileWriter::commit(mode_t mode) {
  if (fd_ < 0) throw std::logic_error("commit of a committed or abandoned " + tmp_);
  auto abandoned = [&](const std::string& what) {
    abandon();  // keeps errno
    fail(what);
  };
  if (fchmod(fd_, mode) != 0) abandoned("chmod " + tmp_);
  if (fsync(fd_) != 0) abandoned("fsync " + tmp_);
  int rc = close(std::exchange(fd_, -1));
  if (rc != 0 || rename(tmp_.c_str(), target_.c_str()) != 0) {
    int saved = errno;
    unlink(tmp_.c_str());
    errno = saved;
    fail(rc != 0 ? "close " + tmp_ : "rename to " + target_.string());
  }
  fsync_directory(target_.parent_path().empty() ? "." : target_.parent_path());
}

void replace_file_atomically(const std::filesystem::path& target, std::span<const unsigned char> bytes,
                             mode_t mode) {
  AtomicFileWriter file(target);
  file.write({reinterpret_cast<const char*>(bytes.data()), bytes.size()});
  file.commit(mode);
}

}  // namespace sandnet
