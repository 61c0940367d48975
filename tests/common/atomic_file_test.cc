// replace_file_atomically(), AtomicFileWriter and write_all() on a real file system. fsync(2) is interposed in this
// executable (it still runs: the call is forwarded to libc) to see that the directory is synced
// after the rename, and to make that last step fail.
#include "common/atomic_file.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

namespace {

struct FsyncLog {
  std::vector<bool> was_directory;  // one entry per fsync, in order
  bool fail_directories = false;
} g_fsyncs;

}  // namespace

extern "C" int fsync(int fd) {
  struct stat st {};
  bool dir = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
  g_fsyncs.was_directory.push_back(dir);
  if (dir && g_fsyncs.fail_directories) {
    errno = EIO;
    return -1;
  }
  using Fsync = int (*)(int);
  static auto real = reinterpret_cast<Fsync>(dlsym(RTLD_NEXT, "fsync"));
  return real(fd);
}

namespace sandnet {
namespace {

namespace fs = std::filesystem;

class AtomicFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sandnet-atomic-file-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    g_fsyncs = {};
  }
  void TearDown() override { fs::remove_all(dir_); }

  static std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  // Every name in the directory: a leftover temporary shows here.
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (auto& e : fs::directory_iterator(dir_)) out.push_back(e.path().filename());
    return out;
  }

  fs::path dir_;
};

TEST_F(AtomicFile, ReplacesContentWithModeAndSyncsFileThenDirectory) {
  fs::path target = dir_ / "table";
  replace_file_atomically(target, std::string_view("old"), 0600);
  g_fsyncs = {};
  std::string bytes("new\0bytes", 9);
  replace_file_atomically(target, bytes, 0644);
  EXPECT_EQ(read(target), bytes);
  EXPECT_EQ(fs::status(target).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
  EXPECT_EQ(names(), std::vector<std::string>{"table"}) << "no temporary left";
  EXPECT_EQ(g_fsyncs.was_directory, (std::vector<bool>{false, true})) << "the file, then (after the rename) its directory";
}

TEST_F(AtomicFile, EmptyContent) {
  replace_file_atomically(dir_ / "empty", std::string_view(""), 0600);
  EXPECT_TRUE(fs::exists(dir_ / "empty"));
  EXPECT_EQ(fs::file_size(dir_ / "empty"), 0u);
}

TEST_F(AtomicFile, BareFileNameIsInTheCurrentDirectory) {
  fs::path before = fs::current_path();
  fs::current_path(dir_);
  replace_file_atomically("here", std::string_view("x"), 0600);
  fs::current_path(before);
  EXPECT_EQ(read(dir_ / "here"), "x");
  EXPECT_EQ(g_fsyncs.was_directory.back(), true) << "\".\" is synced";
}

TEST_F(AtomicFile, MissingDirectoryThrowsAndCreatesNothing) {
  try {
    replace_file_atomically(dir_ / "absent" / "f", std::string_view("x"), 0600);
    FAIL() << "no exception";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), ENOENT);
  }
  EXPECT_TRUE(names().empty());
}

TEST_F(AtomicFile, FailedRenameLeavesTargetAndNoTemporary) {
  fs::create_directory(dir_ / "target");
  std::ofstream(dir_ / "target" / "inside") << "kept";
  try {
    replace_file_atomically(dir_ / "target", std::string_view("x"), 0600);
    FAIL() << "no exception";
  } catch (const std::system_error& e) {
    EXPECT_NE(std::string(e.what()).find("rename"), std::string::npos) << e.what();
  }
  EXPECT_EQ(names(), std::vector<std::string>{"target"});
  EXPECT_EQ(read(dir_ / "target" / "inside"), "kept");
}

// Exits 0 when writing past RLIMIT_FSIZE fails as a write error.
[[noreturn]] void replace_over_size_limit(const fs::path& target) {
  signal(SIGXFSZ, SIG_IGN);
  rlimit limit{4096, 4096};
  setrlimit(RLIMIT_FSIZE, &limit);
  try {
    replace_file_atomically(target, std::string(8192, 'x'), 0600);
  } catch (const std::system_error& e) {
    _exit(e.code().value() == EFBIG && std::string(e.what()).find("write") != std::string::npos ? 0 : 1);
  }
  _exit(2);
}

TEST_F(AtomicFile, WriteErrorLeavesOldContentAndNoTemporary) {
  fs::path target = dir_ / "big";
  replace_file_atomically(target, std::string_view("old"), 0600);
  // In a child: the file size limit makes write(2) fail with EFBIG (SIGXFSZ ignored).
  EXPECT_EXIT(replace_over_size_limit(target), ::testing::ExitedWithCode(0), "");
  EXPECT_EQ(read(target), "old");
  EXPECT_EQ(names(), std::vector<std::string>{"big"});
}

TEST_F(AtomicFile, WriterInPiecesReplacesOnlyAtCommit) {
  fs::path target = dir_ / "f";
  replace_file_atomically(target, std::string_view("old"), 0600);
  AtomicFileWriter file(target);
  file.write("new ");
  file.write("content");
  EXPECT_EQ(read(target), "old") << "not in place before commit";
  EXPECT_EQ(names().size(), 2u) << "the temporary beside it";
  file.commit(0640);
  EXPECT_EQ(read(target), "new content");
  EXPECT_EQ(fs::status(target).permissions() & fs::perms::all, fs::perms(0640));
  EXPECT_EQ(names(), std::vector<std::string>{"f"});
}

TEST_F(AtomicFile, WriterDroppedUncommittedLeavesTargetAndNoTemporary) {
  fs::path target = dir_ / "f";
  replace_file_atomically(target, std::string_view("old"), 0600);
  {
    AtomicFileWriter file(target);
    file.write("half");
    AtomicFileWriter moved = std::move(file);  // one owner of the temporary: removed once
  }
  EXPECT_EQ(read(target), "old");
  EXPECT_EQ(names(), std::vector<std::string>{"f"});
}

TEST_F(AtomicFile, DirectorySyncFailureIsReported) {
  g_fsyncs.fail_directories = true;
  try {
    replace_file_atomically(dir_ / "f", std::string_view("x"), 0600);
    FAIL() << "no exception";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), EIO);
    EXPECT_NE(std::string(e.what()).find("fsync " + dir_.string()), std::string::npos) << e.what();
  }
  EXPECT_EQ(read(dir_ / "f"), "x") << "renamed already: in place, durability unknown";
}

TEST_F(AtomicFile, WriteAllNamesWhatFailed) {
  int fd = open((dir_ / "ro").c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  try {
    write_all(fd, std::string_view("x"), "the log");
    FAIL() << "no exception";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), EBADF);
    EXPECT_NE(std::string(e.what()).find("write the log"), std::string::npos) << e.what();
  }
  close(fd);
}

}  // namespace
}  // namespace sandnet
