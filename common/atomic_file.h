// Replacing a file so that readers see the old or the new content, never a mix, even across
// a crash: write a temporary in the same directory, fsync it, rename it over the target, fsync
// the directory (so the rename itself survives a crash). The one implementation: guestd's
// tables, the agent's checkpoint and status.json all use it.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <span>
#include <string>
#include <string_view>

namespace sandnet {

// The same, written in pieces (a file too large to hold in memory first): write() as often as
// needed, then commit(). Destroyed uncommitted, it removes its temporary and leaves the target
// as it was. Throws std::system_error naming the step and the path.
class AtomicFileWriter {
 public:
  explicit AtomicFileWriter(std::filesystem::path target);  // creates the temporary
  ~AtomicFileWriter();
  AtomicFileWriter(AtomicFileWriter&& other) noexcept;
  AtomicFileWriter& operator=(AtomicFileWriter&& other) noexcept;
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  void write(std::string_view bytes);
  // chmod, fsync, rename over the target, fsync of the directory. On failure before the
  // rename the temporary is removed; only the directory's fsync can fail after it.
  void commit(mode_t mode);

 private:
  void abandon() noexcept;
  std::filesystem::path target_;
  std::string tmp_;
  int fd_ = -1;
};

// Throws std::system_error naming the step and the path. On failure the target is untouched
// and no temporary is left, except when the last step (the directory's fsync) fails: the new
// content is then in place but may not survive a crash. The temporary is created with a unique name, so concurrent
// writers of one target never write into each other's file.
void replace_file_atomically(const std::filesystem::path& target, std::span<const unsigned char> bytes,
                             mode_t mode);
inline void replace_file_atomically(const std::filesystem::path& target, std::string_view bytes, mode_t mode) {
  replace_file_atomically(target, {reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()}, mode);
}

// write(2) until every byte is written, retrying EINTR and short writes; throws
// std::system_error("write <what>") on any other error.
void write_all(int fd, std::span<const unsigned char> bytes, const std::string& what);
inline void write_all(int fd, std::string_view bytes, const std::string& what) {
  write_all(fd, {reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()}, what);
}

}  // namespace sandnet
