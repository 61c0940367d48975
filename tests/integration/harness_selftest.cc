// The harness tested on its own, with no BPF at all: the topology builds, plain kernel routing
// (the "no filter" baseline) lets everything reach everything, every probe can see a packet
// pass, and cleanup leaves nothing behind, even when the test process is killed.
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/integration/harness/netns.h"
#include "tests/integration/harness/poll.h"
#include "tests/integration/harness/probes.h"
#include "tests/integration/harness/process.h"
#include "tests/integration/harness/raw_frame.h"
#include "tests/integration/harness/reachability.h"
#include "tests/integration/harness/require_root.h"
#include "tests/integration/harness/topology.h"

namespace sandnet::testing {
namespace {

using std::chrono::milliseconds;

bool netns_exists(const std::string& name) { return std::filesystem::exists("/run/netns/" + name); }

void add_five(Topology& topo) {
  for (const char* label : {"A", "B", "C", "D", "E"}) topo.add_sandbox(label);
}

TEST(HarnessSelfTest, NamesCarryThePrefixAndFitInIfnamsiz) {
  SANDNET_REQUIRE_ROOT();
  Topology topo;
  auto& a = topo.add_sandbox("A");
  EXPECT_EQ(topo.prefix().size(), 7u);
  EXPECT_EQ(a.netns, topo.prefix() + "-sbA");
  EXPECT_LE(a.tap.size(), 15u);
  EXPECT_TRUE(netns_exists(a.netns));
  EXPECT_TRUE(netns_exists(topo.host_netns()));
  // The guest end carries the sandbox's MAC and IP/16.
  std::string addr = run_checked({"ip", "-n", a.netns, "-br", "addr", "show", "dev", "eth0"});
  EXPECT_NE(addr.find(a.ip + "/16"), std::string::npos) << addr;
  std::string link = run_checked({"ip", "-n", a.netns, "-br", "link", "show", "dev", "eth0"});
  EXPECT_NE(link.find(a.mac), std::string::npos) << link;
}

TEST(HarnessSelfTest, DestroyingTheTopologyRemovesEverything) {
  SANDNET_REQUIRE_ROOT();
  std::string host, sb, scratch;
  {
    Topology topo;
    add_five(topo);
    topo.add_outside();
    host = topo.host_netns();
    sb = topo.sandbox("C").netns;
    scratch = topo.scratch_dir();
    ASSERT_TRUE(std::filesystem::exists(scratch));
  }
  EXPECT_FALSE(netns_exists(host));
  EXPECT_FALSE(netns_exists(sb));
  EXPECT_FALSE(std::filesystem::exists(scratch));
}

TEST(HarnessBaseline, PlainKernelRoutingReachesEverything) {
  SANDNET_REQUIRE_ROOT();
  Topology topo;
  add_five(topo);
  topo.enable_host_routing(/*proxy_arp=*/true);
  auto mismatches = matrix_mismatches(topo, [](const Sandbox&, const Sandbox&) { return true; });
  EXPECT_TRUE(mismatches.empty()) << describe_mismatches(mismatches);
}

TEST(HarnessBaseline, BlockedProbesSeeNothingWithoutRouting) {
  SANDNET_REQUIRE_ROOT();
  // No routing in the host: nothing reaches anything, and the short probes say so.
  Topology topo;
  topo.add_sandbox("A");
  topo.add_sandbox("B");
  topo.add_sandbox("C");
  auto mismatches = matrix_mismatches(topo, [](const Sandbox&, const Sandbox&) { return false; });
  EXPECT_TRUE(mismatches.empty()) << describe_mismatches(mismatches);
}

TEST(HarnessBaseline, OutsideAndHostReachSandboxesWithPlainRouting) {
  SANDNET_REQUIRE_ROOT();
  Topology topo;
  auto& a = topo.add_sandbox("A");
  topo.enable_host_routing(/*proxy_arp=*/true);
  const OutsideNet& out = topo.add_outside();
  topo.route_sandbox_to_outside("A");
  EXPECT_TRUE(ping_eventually(a.netns, out.ip, milliseconds(10000)));
  EXPECT_TRUE(ping_eventually(out.netns, a.ip, milliseconds(10000)));
  EXPECT_TRUE(ping_eventually(topo.host_netns(), a.ip, milliseconds(10000)));
  EXPECT_TRUE(ping_eventually(topo.host_netns(), out.ip, milliseconds(10000)));
  TcpEchoServer server(out.netns, out.ip, 7100);
  EXPECT_EQ(tcp_probe_eventually(a.netns, out.ip, 7100, milliseconds(10000)), TcpOutcome::kEchoed);
}

TEST(HarnessBaseline, TcpProbeTellsRefusedFromEchoed) {
  SANDNET_REQUIRE_ROOT();
  Topology topo;
  auto& a = topo.add_sandbox("A");
  auto& b = topo.add_sandbox("B");
  topo.enable_host_routing(/*proxy_arp=*/true);
  ASSERT_TRUE(ping_eventually(a.netns, b.ip, milliseconds(10000)));
  EXPECT_EQ(tcp_probe(a.netns, b.ip, 7200, milliseconds(3000)), TcpOutcome::kRefused);
  TcpEchoServer server(b.netns, b.ip, 7200);
  EXPECT_EQ(tcp_probe(a.netns, b.ip, 7200, milliseconds(3000)), TcpOutcome::kEchoed);
  TcpEchoClient flow(a.netns, b.ip, 7200, milliseconds(3000));
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(flow.exchange(milliseconds(3000)));
}

TEST(HarnessBaseline, PingStreamCountsEveryReply) {
  SANDNET_REQUIRE_ROOT();
  Topology topo;
  auto& a = topo.add_sandbox("A");
  auto& b = topo.add_sandbox("B");
  topo.enable_host_routing(/*proxy_arp=*/true);
  ASSERT_TRUE(ping_eventually(a.netns, b.ip, milliseconds(10000)));
  PingStreamResult r = ping_stream(a.netns, b.ip, 100, milliseconds(10), milliseconds(2000));
  EXPECT_EQ(r.sent, 100);
  EXPECT_EQ(r.received, 100);
  EXPECT_TRUE(r.lost.empty());
}

TEST(HarnessBaseline, PacketSocketSeesACraftedFrameArrive) {
  SANDNET_REQUIRE_ROOT();
  // A frame sent raw on A's veth arrives on the host end: the capture side of spoofing tests.
  Topology topo;
  auto& a = topo.add_sandbox("A");
  PacketSocket guest(a.netns, "eth0");
  PacketSocket host_end(topo.host_netns(), a.tap);
  const std::string marker = "harness-marker-" + topo.prefix();
  guest.send(udp_frame(kBroadcastMac, parse_mac(a.mac), a.ip, "10.42.0.99", 4000, 4001, marker));
  EXPECT_TRUE(host_end.saw([&](const Frame& f) { return frame_contains(f, marker); }, milliseconds(3000)));
  guest.send(arp_frame(kBroadcastMac, parse_mac(a.mac), 2, parse_mac(a.mac), a.ip, kBroadcastMac, a.ip));
  EXPECT_TRUE(host_end.saw([&](const Frame& f) { return is_arp_with_sender_mac(f, parse_mac(a.mac)); },
                           milliseconds(3000)));
}

// Not run on its own: the reaper test below starts it in a child process, which builds a
// topology, starts a child, and dies by SIGKILL without any cleanup.
TEST(HarnessCrashHelper, DISABLED_BuildThenDie) {
  const char* prefix = std::getenv("SANDNET_CRASH_PREFIX");
  const char* pid_file = std::getenv("SANDNET_CRASH_PID_FILE");
  ASSERT_TRUE(prefix && pid_file);
  auto* topo = new Topology(prefix);  // never destroyed: the process dies first
  topo->add_sandbox("A");
  auto* sleeper = new ChildProcess({"sleep", "600"}, topo->host_netns(), topo->scratch_dir() + "/sleep.log");
  std::ofstream(pid_file) << sleeper->pid() << "\n";
  kill(getpid(), SIGKILL);
}

TEST(HarnessSelfTest, ReaperRemovesLeftoversOfAKilledTestProcess) {
  SANDNET_REQUIRE_ROOT();
  const std::string prefix = random_test_prefix();
  const std::string pid_file = "/tmp/sandnet-test-" + prefix + ".pid";
  const std::string self = std::filesystem::read_symlink("/proc/self/exe");
  CommandResult r = run_command({"env", "SANDNET_CRASH_PREFIX=" + prefix, "SANDNET_CRASH_PID_FILE=" + pid_file,
                                 self, "--gtest_also_run_disabled_tests",
                                 "--gtest_filter=HarnessCrashHelper.DISABLED_BuildThenDie"},
                                {.timeout = milliseconds(60000)});
  ASSERT_NE(r.exit_code, 0) << "the helper was supposed to die: " << r.output;
  std::ifstream in(pid_file);
  pid_t sleeper = 0;
  ASSERT_TRUE(in >> sleeper) << r.output;
  std::filesystem::remove(pid_file);
  EXPECT_TRUE(eventually(milliseconds(20000), milliseconds(50), [&] {
    return !netns_exists(prefix + "-host") && !netns_exists(prefix + "-sbA") &&
           !std::filesystem::exists("/tmp/sandnet-test-" + prefix) && kill(sleeper, 0) != 0;
  })) << r.output;
}

}  // namespace
}  // namespace sandnet::testing
