// Real glibc resolving through libnss_sandnet.so.2: getent and Python's socket module, in a
// private mount namespace with `hosts: files sandnet`, the module made loadable only there,
// and the table at its compiled-in default path /run/sandnet/hosts.table (a private tmpfs).
#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/wait.h>

#include <filesystem>
#include <string>

#include "common/hosts_table/hosts_table.h"
#include "tests/nss/support/private_nss_namespace.h"
#include "tests/nss/table_files.h"

namespace sandnet::nss_test {
namespace {

struct CommandResult {
  int exit_code;
  std::string out;
};

CommandResult run_command(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return {-1, ""};
  std::string out;
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, pipe)) > 0) out.append(chunk, n);
  int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// Collapses runs of spaces so getent's column padding does not matter.
std::string squeeze(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == ' ' || c == '\t') {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

// The namespace is entered once per process (mounts of a deleted scratch dir cannot be
// re-bound); each test starts from the standard table.
class GlibcResolves : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    unsetenv("SANDNET_HOSTS_TABLE");  // exercise the real default path
    scratch_ = new TempDir;
    enter_private_nss_namespace({.hosts_sources = "files sandnet", .modules = {SANDNET_NSS_MODULE}},
                                scratch_->path);
  }
  static void TearDownTestSuite() { delete scratch_; }
  void SetUp() override {
    std::filesystem::create_directories("/run/sandnet");
    replace_file(SANDNET_HOSTS_TABLE_DEFAULT_PATH, standard_table());
  }
  static TempDir* scratch_;
};
TempDir* GlibcResolves::scratch_ = nullptr;

TEST_F(GlibcResolves, GetentHostsByBareAndQualifiedName) {
  auto r = run_command("getent hosts brave-otter");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(squeeze(r.out), "10.42.0.5 brave-otter\n");
  r = run_command("getent hosts brave-otter.prod");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(squeeze(r.out), "10.42.0.5 brave-otter brave-otter.prod\n");
  r = run_command("getent hosts CALM-HERON.dev.");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(squeeze(r.out), "10.42.0.7 calm-heron calm-heron.dev\n");
}

TEST_F(GlibcResolves, GetentReverseAndUnknown) {
  auto r = run_command("getent hosts 10.42.1.2");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(squeeze(r.out), "10.42.1.2 me\n");
  EXPECT_EQ(run_command("getent hosts stranger").exit_code, 2);
  EXPECT_EQ(run_command("getent hosts brave-otter.staging").exit_code, 2);
  EXPECT_EQ(run_command("getent hosts 10.42.9.9").exit_code, 2);
}

TEST_F(GlibcResolves, GetentAhostsGivesIpv4Only) {
  auto r = run_command("getent ahosts brave-otter.dev");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(squeeze(r.out),
            "10.42.0.5 STREAM brave-otter\n10.42.0.5 DGRAM \n10.42.0.5 RAW \n");  // canonical name
  r = run_command("getent ahostsv6 brave-otter");
  EXPECT_NE(r.out.find("::ffff:10.42.0.5"), std::string::npos) << r.out;  // V4MAPPED
}

TEST_F(GlibcResolves, PythonGetaddrinfoAndGethostbyaddr) {
  auto r = run_command(
      "/usr/bin/python3 -c \"import socket;"
      "print(sorted({a[4][0] for a in socket.getaddrinfo('calm-heron.dev', 80)}));"
      "print(socket.getaddrinfo('brave-otter', 80, socket.AF_INET, 0, 0, socket.AI_CANONNAME)[0][3]);"
      "print(socket.gethostbyaddr('10.42.0.5')[0]);"
      "print(socket.gethostbyname('Me.'))\"");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "['10.42.0.7']\nbrave-otter\nbrave-otter\n10.42.1.2\n");
  r = run_command(
      "/usr/bin/python3 -c \"import socket\n"
      "try:\n socket.getaddrinfo('brave-otter', 80, socket.AF_INET6); print('resolved')\n"
      "except socket.gaierror: print('no ipv6')\"");
  EXPECT_EQ(r.out, "no ipv6\n");
}

TEST_F(GlibcResolves, ReplacedTableIsSeenByNextLookup) {
  replace_file(SANDNET_HOSTS_TABLE_DEFAULT_PATH, standard_table(99));
  auto r = run_command("getent hosts brave-otter");
  EXPECT_EQ(squeeze(r.out), "10.42.0.99 brave-otter\n");
}

TEST_F(GlibcResolves, MissingTableFallsThroughToOtherModules) {
  std::filesystem::remove(SANDNET_HOSTS_TABLE_DEFAULT_PATH);
  EXPECT_EQ(run_command("getent hosts localhost").exit_code, 0);
  EXPECT_EQ(run_command("getent hosts brave-otter").exit_code, 2);
  auto r = run_command(
      "/usr/bin/python3 -c \"import socket\n"
      "try:\n socket.getaddrinfo('brave-otter', 80); print('resolved')\n"
      "except socket.gaierror as e: print('gaierror')\"");
  EXPECT_EQ(r.out, "gaierror\n");
}

}  // namespace
}  // namespace sandnet::nss_test
