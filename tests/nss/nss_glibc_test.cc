// Real glibc resolving through libnss_sandnet.so.2: getent and Python's socket module, in a
// private mount namespace with `hosts: files sandnet`, the module made loadable only there,
// and the table at its compiled-in default path /run/sandnet/hosts.table (a private tmpfs).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

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
// re-bound); each test starts from the standard table and `hosts: files sandnet`.
class GlibcResolves : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    unsetenv("SANDNET_HOSTS_TABLE");  // exercise the real default path
    scratch_ = new TempDir;
    std::ofstream(etc_hosts()) << "127.0.0.1 localhost\n";
    enter_private_nss_namespace({.hosts_sources = "files sandnet", .modules = {SANDNET_NSS_MODULE},
                                 .etc_hosts = etc_hosts()},
                                scratch_->path);
  }
  static void TearDownTestSuite() { delete scratch_; }
  void SetUp() override {
    std::filesystem::create_directories("/run/sandnet");
    replace_file(SANDNET_HOSTS_TABLE_DEFAULT_PATH, standard_table());
    set_hosts_line("files sandnet");
    std::ofstream(etc_hosts()) << "127.0.0.1 localhost\n";
  }
  // The bind mounts show these scratch files; rewriting them in place changes what glibc reads.
  static std::filesystem::path etc_hosts() { return scratch_->path / "etc-hosts"; }
  static void set_hosts_line(const std::string& sources) {
    std::ofstream(scratch_->path / "nsswitch.conf") << "hosts: " << sources << "\n";
  }
  static TempDir* scratch_;
};
TempDir* GlibcResolves::scratch_ = nullptr;

TEST_F(GlibcResolves, GetentHostsByBareAndQualifiedName) {
  // Like an /etc/hosts line: the bare name, then every name.network of the address.
  auto r = run_command("getent hosts brave-otter");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(squeeze(r.out), "10.42.0.5 brave-otter brave-otter.dev brave-otter.prod\n");
  r = run_command("getent hosts brave-otter.prod");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(squeeze(r.out), "10.42.0.5 brave-otter brave-otter.dev brave-otter.prod\n");
  r = run_command("getent hosts CALM-HERON.dev.");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(squeeze(r.out), "10.42.0.7 calm-heron calm-heron.dev\n");
}

TEST_F(GlibcResolves, GetentReverseAndUnknown) {
  auto r = run_command("getent hosts 10.42.1.2");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(squeeze(r.out), "10.42.1.2 me me.prod\n");
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

TEST_F(GlibcResolves, PythonSeesAliasesForwardAndReverse) {
  auto r = run_command(
      "/usr/bin/python3 -c \"import socket;"
      "print(socket.gethostbyname_ex('brave-otter.dev'));"
      "print(socket.gethostbyaddr('10.42.0.5'));"
      "print(socket.gethostbyaddr('10.42.0.7'))\"");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out,
            "('brave-otter', ['brave-otter.dev', 'brave-otter.prod'], ['10.42.0.5'])\n"
            "('brave-otter', ['brave-otter.dev', 'brave-otter.prod'], ['10.42.0.5'])\n"
            "('calm-heron', ['calm-heron.dev'], ['10.42.0.7'])\n");
}

// glibc starts with a 1 KiB buffer and grows it on ERANGE: 300 networks need several rounds.
TEST_F(GlibcResolves, SandboxInManyNetworksGetsEveryAlias) {
  std::vector<std::string> networks;
  for (int i = 0; i < 300; i++) networks.push_back("network-" + std::to_string(i));
  hosts_table::Builder b;
  b.add_peer("wide-peer", {10, 42, 3, 3}, networks);
  replace_file(SANDNET_HOSTS_TABLE_DEFAULT_PATH, b.finish());
  auto r = run_command(
      "/usr/bin/python3 -c \"import socket;"
      "n, a, ips = socket.gethostbyname_ex('wide-peer.network-299'); print(n, len(a), sorted(a)[0], ips);"
      "n, a, ips = socket.gethostbyaddr('10.42.3.3'); print(n, len(a), ips)\""" 2>&1");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "wide-peer 300 wide-peer.network-0 ['10.42.3.3']\nwide-peer 300 ['10.42.3.3']\n");
  r = run_command("getent hosts 10.42.3.3 | wc -w");
  EXPECT_EQ(r.out, "302\n");  // address, canonical name, 300 aliases
}

// A real client: curl resolves a peer through the module and talks to it.
TEST_F(GlibcResolves, CurlReachesAPeerByName) {
  hosts_table::Builder b;
  b.add_peer("loop-peer", {127, 0, 0, 1}, {"backend"});
  replace_file(SANDNET_HOSTS_TABLE_DEFAULT_PATH, b.finish());
  int server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(server, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(server, 1), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(getsockname(server, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  std::thread responder([server] {
    int c = accept(server, nullptr, nullptr);
    if (c < 0) return;
    char request[4096];
    [[maybe_unused]] ssize_t n = read(c, request, sizeof request);
    const char reply[] = "HTTP/1.0 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\npeer!\n";
    [[maybe_unused]] ssize_t w = write(c, reply, sizeof reply - 1);
    close(c);
  });
  auto r = run_command("curl -sS --max-time 10 http://loop-peer.backend:" + std::to_string(ntohs(addr.sin_port)) + "/");
  responder.join();
  close(server);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "peer!\n");
}

// An IPv6 question about a known IPv4-only peer: the module says NO_DATA, which glibc turns
// into EAI_NODATA ("no address of this type") instead of EAI_NONAME for an unknown name.
TEST_F(GlibcResolves, Ipv6QuestionForAPeerIsNoData) {
  auto r = run_command(
      "/usr/bin/python3 -c \"import socket\n"
      "for n in ('brave-otter', 'stranger'):\n"
      " try: print(n, socket.getaddrinfo(n, 80, socket.AF_INET6)[0][4][0])\n"
      " except socket.gaierror as e: print(n, {socket.EAI_NODATA: 'nodata', socket.EAI_NONAME: 'noname'}[e.errno])\"");
  EXPECT_EQ(r.out, "brave-otter nodata\nstranger noname\n");
  // gethostbyname2(AF_INET6) (what `getent hosts` asks first), in this process, real glibc.
  hostent h, *result = nullptr;
  char buffer[1024];
  int herr = 0;
  EXPECT_EQ(gethostbyname2_r("brave-otter", AF_INET6, &h, buffer, sizeof buffer, &result, &herr), 0);
  EXPECT_EQ(result, nullptr);
  EXPECT_EQ(herr, NO_DATA);
  EXPECT_EQ(gethostbyname2_r("stranger", AF_INET6, &h, buffer, sizeof buffer, &result, &herr), 0);
  EXPECT_EQ(result, nullptr);
  EXPECT_EQ(herr, HOST_NOT_FOUND);
}

// What glibc does after the module, with a module listed behind it (/etc/hosts standing in for
// `dns`, so nothing leaves the machine). getaddrinfo(AF_UNSPEC) — curl, Python's default —
// ends at the module's gethostbyname4_r (SUCCESS). A family-specific question that the
// module answers NOTFOUND (NO_DATA or HOST_NOT_FOUND alike) goes on to the next module:
// glibc's dispatch looks only at the status, never at h_errno. docs/name-service.md says why
// that is still the right answer and why `[NOTFOUND=return]` is not the fix.
TEST_F(GlibcResolves, WhatGlibcAsksAfterTheModule) {
  set_hosts_line("sandnet files");
  std::ofstream(etc_hosts()) << "127.0.0.1 localhost\nfd00::99 brave-otter\n";
  auto r = run_command(
      "/usr/bin/python3 -c \"import socket;"
      "print(sorted({a[4][0] for a in socket.getaddrinfo('brave-otter', 80)}));"
      "print(sorted({a[4][0] for a in socket.getaddrinfo('brave-otter', 80, socket.AF_INET6)}))\"");
  EXPECT_EQ(r.out, "['10.42.0.5']\n['fd00::99']\n");
  r = run_command("getent hosts brave-otter");  // asks AF_INET6 first: the next module answers
  EXPECT_EQ(squeeze(r.out), "fd00::99 brave-otter\n");
}

// A name in no table is NOTFOUND, so glibc goes on to the next module.
TEST_F(GlibcResolves, UnknownNameFallsThroughToTheNextModule) {
  set_hosts_line("sandnet files");
  std::ofstream(etc_hosts()) << "127.0.0.1 localhost\n192.0.2.8 stranger\n";
  auto r = run_command("getent hosts stranger");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(squeeze(r.out), "192.0.2.8 stranger\n");
  r = run_command("getent ahostsv4 stranger");
  EXPECT_EQ(squeeze(r.out).substr(0, 17), "192.0.2.8 STREAM ");
  r = run_command("getent hosts brave-otter");  // a peer still answers first
  EXPECT_EQ(squeeze(r.out), "10.42.0.5 brave-otter brave-otter.dev brave-otter.prod\n");
}

TEST_F(GlibcResolves, ReplacedTableIsSeenByNextLookup) {
  replace_file(SANDNET_HOSTS_TABLE_DEFAULT_PATH, standard_table(99));
  auto r = run_command("getent hosts brave-otter");
  EXPECT_EQ(squeeze(r.out), "10.42.0.99 brave-otter brave-otter.dev brave-otter.prod\n");
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
