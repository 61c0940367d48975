// Names end to end: the agent pushes each plugged guest its hosts table
// over the host link-local channel; sandnet-guestd in the guest's namespace installs it; real
// glibc (getent, Python, curl) resolves peers through libnss_sandnet.so.2 with
// `hosts: files sandnet dns`, in a private mount namespace (tests/nss/support). Every guest's
// table lives in its own file (SANDNET_HOSTS_TABLE), since all guests share this process's
// mount namespace.
#include <csignal>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/e2e/e2e_world.h"
#include "tests/integration/harness/poll.h"
#include "tests/integration/harness/require_root.h"
#include "tests/nss/support/private_nss_namespace.h"

namespace sandnet::e2e {
namespace {

const milliseconds kConverge{20000};

class Names : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (geteuid() != 0) return;
    // Before any thread exists (unshare(CLONE_NEWNS) needs a single-threaded process).
    scratch_ = std::filesystem::temp_directory_path() / ("sn-e2e-nss-" + std::to_string(getpid()));
    std::filesystem::create_directories(*scratch_);
    nss_test::enter_private_nss_namespace(
        {.hosts_sources = "files sandnet dns", .modules = {SANDNET_NSS_MODULE}, .private_run = false}, *scratch_);
  }
  static void TearDownTestSuite() {
    if (scratch_) std::filesystem::remove_all(*scratch_);
  }
  void SetUp() override {
    SANDNET_REQUIRE_ROOT();
    world_ = std::make_unique<World>();
    world_->start_api();
    world_->start_agent();
  }
  void TearDown() override {
    guestds_.clear();
    servers_.clear();
    if (HasFailure() && world_) std::fprintf(stderr, "---- agent log\n%s\n", world_->agent_log().c_str());
    world_.reset();
  }

  std::string table_of(const Guest& g) { return world_->scratch() + "/" + g.label + ".table"; }

  void start_guestd(const Guest& g) {
    guestds_.push_back(std::make_unique<testing::ChildProcess>(
        std::vector<std::string>{guestd_binary(), "--table", table_of(g), "--listen-address", g.ip, "--dev", "eth0"},
        g.netns, world_->scratch() + "/guestd-" + g.label + ".log"));
  }
  void start_http(const Guest& g) {
    servers_.push_back(std::make_unique<testing::ChildProcess>(
        std::vector<std::string>{"/usr/bin/python3", "-m", "http.server", "8080", "--bind", g.ip},
        g.netns, world_->scratch() + "/http-" + g.label + ".log"));
  }
  // Runs a resolver command as guest g would: in its namespace, reading its own table.
  testing::CommandResult in_guest(const Guest& g, std::vector<std::string> argv) {
    argv.insert(argv.begin(), {"env", "SANDNET_HOSTS_TABLE=" + table_of(g)});
    return testing::run_command(argv, {.netns = g.netns, .timeout = milliseconds(15000)});
  }
  bool resolves(const Guest& from, const std::string& name, const std::string& ip) {
    auto r = in_guest(from, {"getent", "hosts", name});
    return r.ok() && r.output.find(ip) != std::string::npos;
  }
  bool unknown(const Guest& from, const std::string& name) { return in_guest(from, {"getent", "hosts", name}).exit_code == 2; }

  static std::optional<std::filesystem::path> scratch_;
  std::unique_ptr<World> world_;
  std::vector<std::unique_ptr<testing::ChildProcess>> guestds_, servers_;
};
std::optional<std::filesystem::path> Names::scratch_;

TEST_F(Names, PeersResolveByBareAndQualifiedNameStrangersDoNot) {
  World& w = *world_;
  w.ok("POST", "/v1/networks", {{"name", "backend"}});
  auto& a = w.create_sandbox("A", "brave-otter");
  auto& b = w.create_sandbox("B", "calm-heron");
  auto& c = w.create_sandbox("C", "quick-fox");
  for (auto* g : {&a, &b, &c}) {
    w.plug(*g);
    start_guestd(*g);
  }
  start_http(b);
  EXPECT_EQ(w.attach(a, "backend")["applied"], true);
  EXPECT_EQ(w.attach(b, "backend")["applied"], true);

  // The guests' guestd may have come up after the first push: bounded poll, then exact checks.
  ASSERT_TRUE(testing::eventually(kConverge, milliseconds(200), [&] { return resolves(a, "calm-heron", b.ip); }))
      << in_guest(a, {"getent", "hosts", "calm-heron"}).output;
  EXPECT_TRUE(resolves(a, "calm-heron.backend", b.ip));
  EXPECT_TRUE(resolves(a, "CALM-HERON.backend.", b.ip));
  EXPECT_TRUE(resolves(a, "brave-otter", a.ip)) << "a guest finds itself";
  ASSERT_TRUE(testing::eventually(kConverge, milliseconds(200), [&] { return resolves(b, "brave-otter.backend", a.ip); }));
  auto ah = in_guest(a, {"getent", "ahosts", "calm-heron"});
  EXPECT_TRUE(ah.ok() && ah.output.find(b.ip) != std::string::npos) << ah.output;
  auto rev = in_guest(a, {"getent", "hosts", b.ip});
  EXPECT_TRUE(rev.ok() && rev.output.find("calm-heron") != std::string::npos) << rev.output;
  auto py = in_guest(a, {"/usr/bin/python3", "-c",
                         "import socket,sys; print(socket.getaddrinfo(sys.argv[1], 8080, socket.AF_INET)[0][4][0])",
                         "calm-heron.backend"});
  EXPECT_TRUE(py.ok() && py.output.find(b.ip) != std::string::npos) << py.output;
  for (const char* url : {"http://calm-heron:8080/", "http://calm-heron.backend:8080/"}) {
    testing::CommandResult curl;
    bool ok = testing::eventually(kConverge, milliseconds(300), [&] {
      curl = in_guest(a, {"curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "3", url});
      return curl.ok() && curl.output == "200";
    });
    EXPECT_TRUE(ok) << url << ": " << curl.output;
  }

  // Not a peer: no name, in either direction; C's table holds only itself.
  EXPECT_TRUE(unknown(a, "quick-fox"));
  EXPECT_TRUE(unknown(a, "quick-fox.backend"));
  ASSERT_TRUE(testing::eventually(kConverge, milliseconds(200), [&] { return resolves(c, "quick-fox", c.ip); }));
  EXPECT_TRUE(unknown(c, "calm-heron"));
  EXPECT_TRUE(unknown(c, "brave-otter.backend"));

  // Detach: the name disappears from A's table; attach again: it comes back.
  w.detach(b, "backend");
  EXPECT_TRUE(testing::eventually(kConverge, milliseconds(200), [&] { return unknown(a, "calm-heron"); }));
  EXPECT_TRUE(unknown(a, "calm-heron.backend"));
  w.attach(c, "backend");
  EXPECT_TRUE(testing::eventually(kConverge, milliseconds(200), [&] { return resolves(a, "quick-fox.backend", c.ip); }));
  EXPECT_TRUE(testing::eventually(kConverge, milliseconds(200), [&] { return resolves(c, "brave-otter", a.ip); }));
}

TEST_F(Names, GuestStartedLateGetsItsTable) {
  World& w = *world_;
  w.ok("POST", "/v1/networks", {{"name", "backend"}});
  auto& a = w.create_sandbox("A", "brave-otter", json::array({{{"id", "backend"}}}));
  auto& b = w.create_sandbox("B", "calm-heron", json::array({{{"id", "backend"}}}));
  w.plug(a);
  w.plug(b);
  // No guestd yet: the agent retries with backoff until one answers.
  ASSERT_TRUE(testing::eventually(kConverge, milliseconds(200), [&] {
    return w.agent_status()["tables"].value("failed_attempts", 0) > 0;
  }));
  start_guestd(a);
  EXPECT_TRUE(testing::eventually(kConverge, milliseconds(200), [&] { return resolves(a, "calm-heron.backend", b.ip); }));
}

// A guest whose guestd is stopped (SIGSTOP: the kernel still accepts the push connection, nobody
// ever answers) delays only its own table: another guest's change is applied, reported and
// delivered while it stays stopped, and the stopped guest catches up once it runs again.
TEST_F(Names, AStalledGuestDelaysOnlyItself) {
  World& w = *world_;
  w.ok("POST", "/v1/networks", {{"name", "backend"}});
  auto& a = w.create_sandbox("A", "brave-otter", json::array({{{"id", "backend"}}}));
  auto& h = w.create_sandbox("H", "hostile-hare", json::array({{{"id", "backend"}}}));
  auto& c = w.create_sandbox("C", "quick-fox");
  for (auto* g : {&a, &h, &c}) {
    w.plug(*g);
    start_guestd(*g);
  }
  // Both guestds have answered a push, so the agent knows them as responsive.
  ASSERT_TRUE(testing::eventually(kConverge, milliseconds(200), [&] { return resolves(a, "hostile-hare", h.ip); }));
  ASSERT_TRUE(testing::eventually(kConverge, milliseconds(200), [&] { return resolves(h, "brave-otter", a.ip); }));
  auto& stalled = *guestds_[1];
  stalled.send_signal(SIGSTOP);
  auto stopped = [&] {
    std::ifstream stat("/proc/" + std::to_string(stalled.pid()) + "/stat");
    std::string pid, comm, state;
    stat >> pid >> comm >> state;
    return state == "T";
  };
  ASSERT_TRUE(testing::eventually(kConverge, milliseconds(20), stopped));

  // A change that alters both A's and H's tables: applied and reported, A gets its table.
  auto before = w.agent_status()["applied_revision"].get<uint64_t>();
  EXPECT_EQ(w.attach(c, "backend")["applied"], true);
  EXPECT_TRUE(testing::eventually(kConverge, milliseconds(100), [&] {
    return w.agent_status()["applied_revision"].get<uint64_t>() > before;
  }));
  EXPECT_TRUE(testing::eventually(kConverge, milliseconds(200), [&] { return resolves(a, "quick-fox", c.ip); }));
  EXPECT_TRUE(stopped()) << "H was stopped all along";
  EXPECT_TRUE(unknown(h, "quick-fox")) << "H's table cannot have arrived: its guestd is stopped";

  stalled.send_signal(SIGCONT);
  EXPECT_TRUE(testing::eventually(kConverge, milliseconds(200), [&] { return resolves(h, "quick-fox", c.ip); }));
}

}  // namespace
}  // namespace sandnet::e2e
