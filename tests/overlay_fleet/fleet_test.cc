// A network across three hosts, through the control plane (issue 17): one sandnet-api on the
// underlay, three agents in API mode with the overlay, sandboxes on each host. The whole
// reachability matrix (same host and across hosts), names of peers on other hosts, a
// cross-host stream cut by a detach once ?wait=applied returns, fail-static with one agent
// stopped, and a lost host's sandboxes purged elsewhere once its lease expires (and back when
// it returns). The forged frames (unregistered host, a host claiming another's sandbox, wrong
// tunnel id, a hostile sandbox) are tests/overlay/overlay_kernel_test.cc.
#include <filesystem>
#include <memory>
#include <optional>

#include <gtest/gtest.h>

#include "tests/overlay_fleet/fleet_world.h"
#include "tests/integration/harness/poll.h"
#include "tests/integration/harness/probes.h"
#include "tests/integration/harness/require_root.h"
#include "tests/nss/support/private_nss_namespace.h"

namespace sandnet::fleet {
namespace {

const milliseconds kConverge{20000};

class FleetTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (geteuid() != 0) return;
    // Before any thread exists (unshare(CLONE_NEWNS) needs a single-threaded process).
    scratch_ = std::filesystem::temp_directory_path() / ("sn-fleet-nss-" + std::to_string(getpid()));
    std::filesystem::create_directories(*scratch_);
    nss_test::enter_private_nss_namespace(
        {.hosts_sources = "files sandnet dns", .modules = {SANDNET_NSS_MODULE}, .private_run = false}, *scratch_);
  }
  static void TearDownTestSuite() {
    if (scratch_) std::filesystem::remove_all(*scratch_);
  }

  void start(FleetOptions options = {}) {
    fleet_ = std::make_unique<Fleet>(std::move(options));
    fleet_->start_api();
    for (int n = 1; n <= fleet_->size(); ++n) fleet_->start_agent(n);
  }
  void SetUp() override { SANDNET_REQUIRE_ROOT(); }
  void TearDown() override {
    guestds_.clear();
    if (HasFailure() && fleet_) std::fprintf(stderr, "%s\n", fleet_->log_dump().c_str());
    fleet_.reset();
  }

  // alice: "web" = a1 (h1), b1 (h2), c1 (h3); "db" = a2 (h1), b1 (h2).
  // bob:   "other" = a3 (h1), c2 (h3).
  void build_world() {
    Fleet& f = *fleet_;
    bob_ = f.add_tenant("bob");
    f.ok("POST", "/v1/networks", {{"name", "web"}});
    f.ok("POST", "/v1/networks", {{"name", "db"}});
    f.ok("POST", "/v1/networks", {{"name", "other"}}, bob_);
    f.create_sandbox(1, "a1", "brave-otter");
    f.create_sandbox(1, "a2", "calm-heron");
    f.create_sandbox(2, "b1", "quick-fox");
    f.create_sandbox(3, "c1", "swift-lynx");
    f.create_sandbox(1, "a3", "bold-crane", nullptr, bob_);
    f.create_sandbox(3, "c2", "keen-moth", nullptr, bob_);
    for (const char* g : {"a1", "b1", "c1"}) EXPECT_EQ(f.attach(f.guest(g), "web")["applied"], true) << g;
    for (const char* g : {"a2", "b1"}) EXPECT_EQ(f.attach(f.guest(g), "db")["applied"], true) << g;
    for (const char* g : {"a3", "c2"}) EXPECT_EQ(f.attach(f.guest(g), "other")["applied"], true) << g;
  }
  static bool allowed(const std::string& from, const std::string& to) {
    auto in = [](const std::string& g, std::initializer_list<const char*> set) {
      for (const char* s : set)
        if (g == s) return true;
      return false;
    };
    auto both = [&](std::initializer_list<const char*> set) { return in(from, set) && in(to, set); };
    return both({"a1", "b1", "c1"}) || both({"a2", "b1"}) || both({"a3", "c2"});
  }

  std::string table_of(const Guest& g) { return fleet_->scratch() + "/" + g.label + ".table"; }
  void start_guestd(const Guest& g) {
    guestds_.push_back(std::make_unique<testing::ChildProcess>(
        std::vector<std::string>{e2e::guestd_binary(), "--table", table_of(g), "--listen-address", g.ip, "--dev", "eth0"},
        g.netns, fleet_->scratch() + "/guestd-" + g.label + ".log"));
  }
  bool resolves(const Guest& from, const std::string& name, const std::string& ip) {
    auto r = testing::run_command({"env", "SANDNET_HOSTS_TABLE=" + table_of(from), "getent", "hosts", name},
                                  {.netns = from.netns, .timeout = milliseconds(15000)});
    return r.ok() && r.output.find(ip) != std::string::npos;
  }
  bool unknown(const Guest& from, const std::string& name) {
    return testing::run_command({"env", "SANDNET_HOSTS_TABLE=" + table_of(from), "getent", "hosts", name},
                                {.netns = from.netns, .timeout = milliseconds(15000)})
               .exit_code == 2;
  }

  static std::optional<std::filesystem::path> scratch_;
  std::unique_ptr<Fleet> fleet_;
  std::string bob_;
  std::vector<std::unique_ptr<testing::ChildProcess>> guestds_;
};
std::optional<std::filesystem::path> FleetTest::scratch_;

TEST_F(FleetTest, TheMatrixHoldsOnOneHostAndAcrossHosts) {
  start();
  ASSERT_NO_FATAL_FAILURE(build_world());
  Fleet& f = *fleet_;
  const std::vector<std::string> all{"a1", "a2", "a3", "b1", "c1", "c2"};
  int cross_allowed = 0, cross_denied = 0;
  for (auto& from : all) {
    for (auto& to : all) {
      if (from == to) continue;
      const Guest& s = f.guest(from);
      const Guest& d = f.guest(to);
      bool cross = f.host_of(s) != f.host_of(d);
      if (allowed(from, to)) {
        EXPECT_TRUE(testing::ping_eventually(s.netns, d.ip, kConverge)) << from << " -> " << to;
        cross_allowed += cross;
      } else {
        EXPECT_FALSE(testing::ping_once(s.netns, d.ip, milliseconds(500))) << from << " -> " << to << " must drop";
        cross_denied += cross;
      }
    }
  }
  EXPECT_GT(cross_allowed, 0);
  EXPECT_GT(cross_denied, 0);
}

TEST_F(FleetTest, PeersOnOtherHostsResolveByNameLikeLocalPeers) {
  start();
  ASSERT_NO_FATAL_FAILURE(build_world());
  Fleet& f = *fleet_;
  const Guest& a1 = f.guest("a1");
  const Guest& b1 = f.guest("b1");
  const Guest& c1 = f.guest("c1");
  for (const Guest* g : {&a1, &b1}) start_guestd(*g);
  ASSERT_TRUE(testing::eventually(kConverge, milliseconds(200), [&] { return resolves(a1, "quick-fox", b1.ip); }));
  EXPECT_TRUE(resolves(a1, "quick-fox.web", b1.ip));
  EXPECT_TRUE(resolves(a1, "swift-lynx.web", c1.ip)) << "a peer on the third host";
  EXPECT_TRUE(unknown(a1, "keen-moth")) << "another tenant's sandbox on another host";
  EXPECT_TRUE(unknown(a1, "quick-fox.db")) << "a1 is not in db";
  ASSERT_TRUE(testing::eventually(kConverge, milliseconds(200), [&] { return resolves(b1, "calm-heron.db", f.guest("a2").ip); }));
  EXPECT_TRUE(resolves(b1, "brave-otter", a1.ip));
}

// The guest MTU is the underlay's minus the encapsulation (1500 - 50); guestd sets it from the
// agent's push. The largest unfragmented ping crosses hosts; one byte more fails at the sender.
TEST_F(FleetTest, TheLargestDontFragmentPingCrossesHostsAndOneByteMoreFailsAtTheSender) {
  start();
  ASSERT_NO_FATAL_FAILURE(build_world());
  Fleet& f = *fleet_;
  const Guest& a1 = f.guest("a1");
  const Guest& b1 = f.guest("b1");
  start_guestd(a1);
  auto mtu = [&] {
    auto link = json::parse(testing::run_checked({"ip", "-n", a1.netns, "-j", "link", "show", "eth0"}));
    return link.at(0).value("mtu", 0);
  };
  ASSERT_TRUE(testing::eventually(kConverge, milliseconds(200), [&] { return mtu() == 1450; })) << mtu();
  auto ping = [&](int payload) {
    return testing::run_command({"ping", "-M", "do", "-c", "1", "-W", "2", "-s", std::to_string(payload), b1.ip},
                                {.netns = a1.netns});
  };
  ASSERT_TRUE(testing::ping_eventually(a1.netns, b1.ip, kConverge));
  auto largest = ping(1450 - 28);
  EXPECT_TRUE(largest.ok()) << largest.output;
  auto over = ping(1450 - 28 + 1);
  EXPECT_FALSE(over.ok()) << over.output;
  EXPECT_NE(over.output.find("message too long"), std::string::npos) << "EMSGSIZE at the sender: " << over.output;
}

TEST_F(FleetTest, ADetachCutsAnEstablishedCrossHostStreamOnceItIsApplied) {
  start();
  ASSERT_NO_FATAL_FAILURE(build_world());
  Fleet& f = *fleet_;
  const Guest& a1 = f.guest("a1");
  const Guest& c1 = f.guest("c1");
  testing::TcpEchoServer server(c1.netns, c1.ip, 7300);
  std::unique_ptr<testing::TcpEchoClient> flow;
  ASSERT_TRUE(testing::eventually(kConverge, milliseconds(100), [&] {
    try {
      flow = std::make_unique<testing::TcpEchoClient>(a1.netns, c1.ip, 7300, milliseconds(1000));
      return true;
    } catch (const std::exception&) {
      return false;
    }
  })) << "a1 could not connect to c1 across hosts";
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(flow->exchange(milliseconds(5000)));
  EXPECT_EQ(f.detach(a1, "web")["applied"], true);
  // ?wait=applied returned: every affected host enforces the detach, so no exchange passes.
  EXPECT_FALSE(flow->exchange(milliseconds(1000))) << "data still flows after the detach was applied";
  EXPECT_FALSE(flow->exchange(milliseconds(1000))) << "the cut flow came back";
  EXPECT_TRUE(testing::ping_eventually(f.guest("b1").netns, c1.ip, kConverge)) << "the rest of web is untouched";
}

TEST_F(FleetTest, WithOneAgentStoppedItsSandboxesKeepTheirPeersAndItRejoins) {
  start();
  ASSERT_NO_FATAL_FAILURE(build_world());
  Fleet& f = *fleet_;
  const Guest& a1 = f.guest("a1");
  const Guest& b1 = f.guest("b1");
  ASSERT_TRUE(testing::ping_eventually(a1.netns, b1.ip, kConverge));
  ASSERT_TRUE(f.stop_agent(1));
  auto stream = testing::ping_stream(a1.netns, b1.ip, 40, milliseconds(50), milliseconds(1000));
  EXPECT_EQ(stream.received, stream.sent) << "lost while agent h1 was stopped";
  f.start_agent(1);
  auto again = testing::ping_stream(b1.netns, a1.ip, 40, milliseconds(50), milliseconds(1000));
  EXPECT_EQ(again.received, again.sent) << "lost while agent h1 restarted";
  // Rejoined: it follows changes again.
  EXPECT_EQ(f.attach(f.guest("a2"), "web")["applied"], true);
  EXPECT_TRUE(testing::ping_eventually(f.guest("a2").netns, f.guest("c1").ip, kConverge));
}

TEST_F(FleetTest, ALostHostsSandboxesArePurgedElsewhereAfterItsLeaseAndComeBack) {
  start({.hosts = 3, .api_config = {{"host_lease_ms", 2000}}});
  ASSERT_NO_FATAL_FAILURE(build_world());
  Fleet& f = *fleet_;
  const Guest& a1 = f.guest("a1");
  const Guest& b1 = f.guest("b1");
  const Guest& c1 = f.guest("c1");
  start_guestd(a1);
  ASSERT_TRUE(testing::ping_eventually(a1.netns, b1.ip, kConverge));
  ASSERT_TRUE(testing::eventually(kConverge, milliseconds(200), [&] { return resolves(a1, "quick-fox", b1.ip); }));
  // h2's agent dies; its pinned datapath would still carry b1's traffic (fail-static), so
  // only the other hosts' purge can stop a1 reaching b1.
  f.kill_agent(2);
  EXPECT_TRUE(testing::eventually(milliseconds(60000), milliseconds(200),
                                  [&] { return !testing::ping_once(a1.netns, b1.ip, milliseconds(300)); }))
      << "h1 still reaches b1 on lost host h2";
  EXPECT_TRUE(testing::eventually(kConverge, milliseconds(200), [&] { return unknown(a1, "quick-fox"); }))
      << "b1's name stays in a1's table";
  EXPECT_TRUE(testing::ping_once(a1.netns, c1.ip, milliseconds(2000))) << "the live hosts keep their peers";
  f.start_agent(2);
  EXPECT_TRUE(testing::ping_eventually(a1.netns, b1.ip, milliseconds(60000))) << "h2 came back";
  EXPECT_TRUE(testing::eventually(kConverge, milliseconds(200), [&] { return resolves(a1, "quick-fox", b1.ip); }));
}

}  // namespace
}  // namespace sandnet::fleet
