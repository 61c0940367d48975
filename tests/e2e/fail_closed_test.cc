// Fail closed, end to end with the real API and agent:
// - a plugged sandbox the agent can no longer place (deleted from the view, checkpoint lost)
//   keeps sandnet's programs on its tap and is drop-all: nothing from its guest reaches the
//   host stack, neither a TCP connect to a host listener nor a spoofed-source UDP datagram;
//   `bpftool net` (here: the kernel's BPF_PROG_QUERY) still shows sandnet on the tap;
// - a sandbox over a whole-map capacity is quarantined alone, the rest applies and is reported
//   applied;
// - an apply whose map write fails (a frozen map) is never reported applied (`?wait=applied`
//   says false).
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/syscall.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <fstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "sandnet/dp_abi.h"
#include "tests/e2e/e2e_world.h"
#include "tests/integration/harness/netns.h"
#include "tests/integration/harness/poll.h"
#include "tests/integration/harness/probes.h"
#include "tests/integration/harness/raw_frame.h"
#include "tests/integration/harness/require_root.h"

namespace sandnet::e2e {
namespace {

using testing::TcpOutcome;
const milliseconds kBlocked{800};
const milliseconds kAllowed{10000};
const milliseconds kConverge{20000};
constexpr uint16_t kHostTcpPort = 7600, kHostUdpPort = 7601, kPeerPort = 7000;

// A UDP socket bound in the host namespace: what reaches the host stack from a guest.
class HostUdpSink {
 public:
  HostUdpSink(const std::string& netns, uint16_t port) {
    fd_ = testing::socket_in_netns(netns, AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) throw std::runtime_error("bind");
  }
  ~HostUdpSink() { close(fd_); }
  bool received_within(milliseconds window) {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(window.count())) > 0;
  }

 private:
  int fd_ = -1;
};

// A TCP listener on the guest's hosts-table port (7471) inside its namespace: a connection
// from the agent means the guest was sent a table.
class TableSink {
 public:
  TableSink(const std::string& netns, const std::string& ip) {
    fd_ = testing::socket_in_netns(netns, AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    auto a = testing::make_addr(ip, 7471);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 || listen(fd_, 4) != 0)
      throw std::runtime_error("table sink");
  }
  ~TableSink() { close(fd_); }
  bool connected_within(milliseconds window) {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(window.count())) > 0;
  }

 private:
  int fd_ = -1;
};

class FailClosed : public ::testing::Test {
 protected:
  void SetUp() override {
    SANDNET_REQUIRE_ROOT();
    world_ = std::make_unique<World>();
  }
  void TearDown() override {
    servers_.clear();
    if (HasFailure() && world_) std::fprintf(stderr, "---- agent log\n%s\n", world_->agent_log().c_str());
    world_.reset();
  }
  // A and B plugged and sharing `backend`; A's guest has a route to the host's 198.18.0.1 and
  // the host a route back to A: anything the datapath lets up the host stack is delivered.
  void two_peers() {
    World& w = *world_;
    w.ok("POST", "/v1/networks", {{"name", "backend"}});
    a_ = &w.create_sandbox("A", "brave-otter");
    b_ = &w.create_sandbox("B", "calm-heron");
    for (auto* g : {a_, b_}) ASSERT_EQ(w.plug(*g).value("ok", false), true);
    w.attach(*a_, "backend");
    w.attach(*b_, "backend");
    servers_.push_back(std::make_unique<testing::TcpEchoServer>(b_->netns, b_->ip, kPeerPort));
    ASSERT_EQ(testing::tcp_probe(a_->netns, b_->ip, kPeerPort, kAllowed), TcpOutcome::kEchoed);
    route_a_to_the_host();
    servers_.push_back(std::make_unique<testing::TcpEchoServer>(w.host_netns(), w.topo().add_outside().host_ip,
                                                                kHostTcpPort));
  }
  // A's guest has a route to the host's 198.18.0.1 and the host a route back to A (both go
  // with A's devices, so a recreated tap needs them again).
  void route_a_to_the_host() {
    World& w = *world_;
    w.topo().route_sandbox_to_outside("A");
    testing::run_checked({"ip", "-n", w.host_netns(), "route", "replace", a_->ip + "/32", "dev", a_->tap});
    testing::run_checked({"ip", "-n", w.host_netns(), "neigh", "replace", a_->ip, "lladdr", a_->mac, "dev", a_->tap,
                          "nud", "permanent"});
    for (auto key : {"net.ipv4.conf.all.rp_filter", "net.ipv4.conf.default.rp_filter"})
      testing::set_sysctl(w.host_netns(), key, "0");
    testing::set_sysctl(w.host_netns(), "net.ipv4.conf." + a_->tap + ".rp_filter", "0");
  }
  // Nothing A's guest sends reaches the host stack: a TCP connect to a host listener and
  // UDP datagrams from A's own and from a spoofed source.
  void expect_nothing_reaches_the_host(const char* when) {
    World& w = *world_;
    const auto& out = w.topo().add_outside();
    EXPECT_NE(testing::tcp_probe(a_->netns, out.host_ip, kHostTcpPort, kBlocked), TcpOutcome::kEchoed) << when;
    HostUdpSink sink(w.host_netns(), kHostUdpPort);
    testing::PacketSocket guest(a_->netns, "eth0");
    auto tap_mac = testing::parse_mac(w.topo().host_link_mac(a_->tap));
    auto a_mac = testing::parse_mac(a_->mac);
    for (auto src : {a_->ip, std::string("198.18.0.77"), std::string("10.42.250.250")})
      for (int i = 0; i < 3; ++i)
        guest.send(testing::udp_frame(tap_mac, a_mac, src, out.host_ip, 5000, kHostUdpPort, "spoof-" + src));
    EXPECT_FALSE(sink.received_within(kBlocked)) << when << ": a datagram from A's guest reached the host stack";
  }
  // The kernel's own answer (what `bpftool net` shows; Debian's bpftool 7.1 predates TCX):
  // sandnet's programs on both hooks of the tap, through TCX or clsact.
  bool sandnet_on(const std::string& tap) {
    auto names = testing::in_netns(world_->host_netns(), [&] {
      std::vector<std::string> out;
      unsigned ifindex = if_nametoindex(tap.c_str());
      for (uint32_t type : {46u /* BPF_TCX_INGRESS */, 47u /* BPF_TCX_EGRESS */}) {
        uint32_t ids[16] = {};
        union bpf_attr attr{};
        attr.query.target_fd = ifindex;
        attr.query.attach_type = type;
        attr.query.prog_ids = reinterpret_cast<uint64_t>(ids);
        attr.query.prog_cnt = 16;
        if (ifindex == 0 || syscall(__NR_bpf, BPF_PROG_QUERY, &attr, sizeof(attr)) != 0) continue;
        for (uint32_t i = 0; i < attr.query.prog_cnt && i < 16; ++i) {
          int fd = bpf_prog_get_fd_by_id(ids[i]);
          bpf_prog_info info{};
          uint32_t len = sizeof(info);
          if (fd >= 0 && bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
            out.push_back(std::string(type == 46 ? "in:" : "eg:") + info.name);
          if (fd >= 0) close(fd);
        }
      }
      return out;
    });
    auto tc = [&](const char* dir) {
      return testing::run_command({"tc", "filter", "show", "dev", tap, dir}, {.netns = world_->host_netns()}).output;
    };
    auto has = [&](const std::string& n) { return std::find(names.begin(), names.end(), n) != names.end(); };
    bool in = has("in:tap_ingress") || tc("ingress").find("tap_ingress") != std::string::npos;
    bool eg = has("eg:tap_egress") || tc("egress").find("tap_egress") != std::string::npos;
    return in && eg;
  }
  std::unique_ptr<World> world_;
  Guest *a_ = nullptr, *b_ = nullptr;
  std::vector<std::unique_ptr<testing::TcpEchoServer>> servers_;
};

TEST_F(FailClosed, DeletedPluggedSandboxKeepsItsProgramsAndIsDropAll) {
  World& w = *world_;
  w.start_api();
  w.start_agent();
  ASSERT_NO_FATAL_FAILURE(two_peers());
  expect_nothing_reaches_the_host("A placed");
  ASSERT_TRUE(sandnet_on(a_->tap));
  // The API refuses to delete a plugged sandbox (409, naming the host). The way it can still
  // leave the view under a running tap: an operator releases the plug by hand (believing the
  // host gone), then the tenant deletes it; the runtime is never told.
  auto refused = w.call("DELETE", "/v1/sandboxes/" + a_->id);
  ASSERT_EQ(refused.status, 409) << refused.raw;
  testing::run_checked({SANDNET_API_BIN, "hosts", "unplug", w.host_id(), a_->id, "--db", w.db()});
  auto del = w.call("DELETE", "/v1/sandboxes/" + a_->id);
  ASSERT_EQ(del.status, 200) << del.raw;
  ASSERT_TRUE(testing::eventually(kConverge, milliseconds(100), [&] {
    auto s = w.agent_status();
    return s.value("sandboxes", 99) == 1 && s["applied_revision"] == s["revision"];
  })) << w.agent_status().dump();
  EXPECT_TRUE(sandnet_on(a_->tap)) << "the tap went bare";
  expect_nothing_reaches_the_host("A deleted from the view");
  EXPECT_NE(testing::tcp_probe(a_->netns, b_->ip, kPeerPort, kBlocked), TcpOutcome::kEchoed);
  EXPECT_NE(w.agent_status()["quarantined"].dump().find(a_->tap), std::string::npos) << w.agent_status().dump();
  // B is untouched.
  EXPECT_TRUE(sandnet_on(b_->tap));
}

TEST_F(FailClosed, AgentStartedWithoutItsCheckpointKeepsEveryTapDropAll) {
  World& w = *world_;
  w.start_api();
  w.start_agent();
  ASSERT_NO_FATAL_FAILURE(two_peers());
  EXPECT_TRUE(w.stop_agent());
  testing::run_checked({"sh", "-c", "rm -rf '" + w.state_dir() + "'/*"});  // the checkpoint is lost
  w.start_agent();
  ASSERT_TRUE(testing::eventually(kConverge, milliseconds(100), [&] {
    auto s = w.agent_status();
    return s.value("revision", 0) > 0 && s["applied_revision"] == s["revision"];
  })) << w.agent_status().dump();
  for (auto* g : {a_, b_}) EXPECT_TRUE(sandnet_on(g->tap)) << g->tap << " went bare";
  expect_nothing_reaches_the_host("checkpoint lost");
  EXPECT_NE(testing::tcp_probe(a_->netns, b_->ip, kPeerPort, kBlocked), TcpOutcome::kEchoed)
      << "a tap the agent cannot place is drop-all";
  // The runtime plugs them again: placed, they talk again.
  for (auto* g : {a_, b_}) ASSERT_EQ(w.plug(*g).value("ok", false), true);
  EXPECT_EQ(testing::tcp_probe_eventually(a_->netns, b_->ip, kPeerPort, kConverge), TcpOutcome::kEchoed);
}

// A whole-map capacity quarantines only the sandbox that does not fit: the datapath holds two
// networks, B is in both, and A joining a third is held drop-all while the revision applies
// and is reported applied; once B leaves one network there is room and A is placed again.
TEST_F(FailClosed, ASandboxOverACapacityIsQuarantinedAloneAndTheRestApplies) {
  World& w = *world_;
  std::string config = w.scratch() + "/agent.json";
  std::ofstream(config) << R"({"max_networks": 2})";
  w.start_api();
  w.start_agent({"--config", config});
  ASSERT_NO_FATAL_FAILURE(two_peers());
  w.ok("POST", "/v1/networks", {{"name", "second"}});
  w.ok("POST", "/v1/networks", {{"name", "third"}});
  EXPECT_EQ(w.attach(*b_, "second")["applied"], true);
  EXPECT_EQ(w.attach(*a_, "third")["applied"], true) << "the state applied, A's entry fail-closed";
  auto s = w.agent_status();
  EXPECT_EQ(s["applied_revision"], s["revision"]) << s.dump();
  EXPECT_EQ(s.value("last_apply_error", "?"), "") << s.dump();
  auto quarantined = s["quarantined"].dump();
  EXPECT_NE(quarantined.find(a_->tap), std::string::npos) << s.dump();
  EXPECT_NE(quarantined.find("max_networks"), std::string::npos) << s.dump();
  EXPECT_EQ(quarantined.find(b_->tap), std::string::npos) << s.dump();
  EXPECT_TRUE(sandnet_on(a_->tap));
  EXPECT_NE(testing::tcp_probe(a_->netns, b_->ip, kPeerPort, kBlocked), TcpOutcome::kEchoed) << "A is drop-all";
  expect_nothing_reaches_the_host("A over max_networks");
  // Everyone else's changes still apply: B leaves `second`, which makes room for A's `third`.
  EXPECT_EQ(w.detach(*b_, "second")["applied"], true);
  EXPECT_EQ(testing::tcp_probe_eventually(a_->netns, b_->ip, kPeerPort, kConverge), TcpOutcome::kEchoed);
  EXPECT_EQ(w.agent_status()["quarantined"].dump().find(a_->tap), std::string::npos) << w.agent_status().dump();
}

// An apply whose map write really fails is never reported applied: set_nets is frozen under
// the agent (BPF_MAP_FREEZE: the kernel refuses every write from user space), so the new set
// A's attach needs cannot be written. What was applied keeps being enforced.
TEST_F(FailClosed, AnApplyThatFailsIsNotReportedApplied) {
  World& w = *world_;
  w.start_api();
  w.start_agent();
  ASSERT_NO_FATAL_FAILURE(two_peers());
  std::string pin = w.bpffs_root() + "/" SN_LAYOUT_DIR "/set_nets";
  int fd = bpf_obj_get(pin.c_str());
  ASSERT_GE(fd, 0) << pin;
  ASSERT_EQ(bpf_map_freeze(fd), 0);
  close(fd);
  w.ok("POST", "/v1/networks", {{"name", "second"}});
  auto r = w.ok("POST", fmt::format("/v1/sandboxes/{}/networks?wait=applied&timeout=3", a_->id), {{"id", "second"}});
  EXPECT_EQ(r["applied"], false) << "a change the kernel refused was reported applied: " << r.dump();
  auto s = w.agent_status();
  EXPECT_LT(s.value("applied_revision", 0), s.value("revision", 0)) << s.dump();
  EXPECT_NE(s.value("last_apply_error", "").find("set_nets"), std::string::npos) << s.dump();
  // Retried (and refused) at every poll: still not applied, and the applied state still holds.
  EXPECT_FALSE(testing::eventually(milliseconds(3000), milliseconds(200), [&] {
    auto now = w.agent_status();
    return now["applied_revision"] == now["revision"];
  })) << w.agent_status().dump();
  for (auto* g : {a_, b_}) EXPECT_TRUE(sandnet_on(g->tap)) << g->tap;
  EXPECT_EQ(testing::tcp_probe(a_->netns, b_->ip, kPeerPort, kAllowed), TcpOutcome::kEchoed);
  expect_nothing_reaches_the_host("apply failing");
}

// Taps are not indexed by raw ifindex (layout v6). With max_local_taps 2 the taps array has 4
// slots; B's tap is recreated at A's ifindex + 4 x 2^20: the same slot as A's, and far beyond
// layout v5's 65,536-entry array. Its entry goes to taps_overflow and it works like any tap:
// plugged, traffic both ways, cut by a detach, nothing quarantined.
TEST_F(FailClosed, ATapWhoseSlotIsTakenAndWhoseIfindexIsHugeWorksNormally) {
  World& w = *world_;
  w.start_api();
  w.ok("POST", "/v1/networks", {{"name", "backend"}});
  a_ = &w.create_sandbox("A", "brave-otter");
  b_ = &w.create_sandbox("B", "calm-heron");
  const uint32_t huge = w.tap_ifindex(*a_) + (4u << 20);
  w.recreate_tap(*b_, huge);
  ASSERT_EQ(w.tap_ifindex(*b_), huge);
  std::string config = w.scratch() + "/agent.json";
  std::ofstream(config) << R"({"max_local_taps": 2, "max_tap_ifindex": 65536})";  // the latter: obsolete
  w.start_agent({"--config", config});
  for (auto* g : {a_, b_}) ASSERT_EQ(w.plug(*g).value("ok", false), true) << g->tap;
  EXPECT_EQ(w.attach(*a_, "backend")["applied"], true);
  EXPECT_EQ(w.attach(*b_, "backend")["applied"], true);
  auto overflow = testing::run_checked(
      {"bpftool", "-j", "map", "dump", "pinned", w.bpffs_root() + "/" SN_LAYOUT_DIR "/taps_overflow"});
  EXPECT_NE(overflow.find(std::to_string(huge)), std::string::npos) << "B's entry is not in overflow: " << overflow;
  EXPECT_NE(w.agent_log().find("max_tap_ifindex is obsolete"), std::string::npos);

  servers_.push_back(std::make_unique<testing::TcpEchoServer>(a_->netns, a_->ip, kPeerPort));
  servers_.push_back(std::make_unique<testing::TcpEchoServer>(b_->netns, b_->ip, kPeerPort));
  EXPECT_EQ(testing::tcp_probe(b_->netns, a_->ip, kPeerPort, kAllowed), TcpOutcome::kEchoed);
  EXPECT_EQ(testing::tcp_probe(a_->netns, b_->ip, kPeerPort, kAllowed), TcpOutcome::kEchoed);
  auto s = w.agent_status();
  EXPECT_EQ(s["quarantined"].size(), 0u) << s.dump();
  EXPECT_EQ(s["applied_revision"], s["revision"]) << s.dump();

  EXPECT_EQ(w.detach(*b_, "backend")["applied"], true);
  EXPECT_NE(testing::tcp_probe(b_->netns, a_->ip, kPeerPort, kBlocked), TcpOutcome::kEchoed);
  EXPECT_NE(testing::tcp_probe(a_->netns, b_->ip, kPeerPort, kBlocked), TcpOutcome::kEchoed);
  EXPECT_TRUE(sandnet_on(b_->tap));
}

}  // namespace
}  // namespace sandnet::e2e

namespace sandnet::e2e {
namespace {

// A plug is bound to the device, not to its name: A's tap is deleted while the agent is down
// (no link event reaches it) and a new device takes the same name, its guest with A's very
// address and MAC. The new device is quarantined: nothing from it reaches the peer or the
// host, and it is never sent A's hosts table, until the runtime plugs it again.
TEST_F(FailClosed, RecreatedTapWithTheSameNameIsDropAllUntilPluggedAgain) {
  World& w = *world_;
  w.start_api();
  w.start_agent();
  ASSERT_NO_FATAL_FAILURE(two_peers());
  EXPECT_TRUE(w.stop_agent());
  w.recreate_tap(*a_);
  route_a_to_the_host();
  TableSink table(a_->netns, a_->ip);
  w.start_agent();
  ASSERT_TRUE(testing::eventually(kConverge, milliseconds(100), [&] {
    auto s = w.agent_status();
    return s.value("revision", 0) > 0 && s["applied_revision"] == s["revision"];
  })) << w.agent_status().dump();
  EXPECT_TRUE(sandnet_on(a_->tap)) << "the recreated tap went bare";
  EXPECT_NE(w.agent_status()["quarantined"].dump().find(a_->tap), std::string::npos) << w.agent_status().dump();
  EXPECT_NE(testing::tcp_probe(a_->netns, b_->ip, kPeerPort, kBlocked), TcpOutcome::kEchoed)
      << "the new device inherited A's networks";
  expect_nothing_reaches_the_host("tap recreated");
  EXPECT_FALSE(table.connected_within(kBlocked)) << "the new device was sent A's hosts table";
  // The runtime plugs it again: bound to the new device, it talks again.
  ASSERT_EQ(w.plug(*a_).value("ok", false), true);
  EXPECT_EQ(testing::tcp_probe_eventually(a_->netns, b_->ip, kPeerPort, kConverge), TcpOutcome::kEchoed);
  EXPECT_TRUE(table.connected_within(kConverge)) << "the re-plugged guest gets its table";
}

// The same while the agent runs: frozen (SIGSTOP) while the tap is deleted and recreated, it
// reads the deletion only once the name already belongs to the new device, which must not be
// mistaken for the plugged one nor left bare.
TEST_F(FailClosed, TapReplacedUnderARunningAgentIsDropAllUntilPluggedAgain) {
  World& w = *world_;
  w.start_api();
  w.start_agent();
  ASSERT_NO_FATAL_FAILURE(two_peers());
  w.signal_agent(SIGSTOP);
  w.recreate_tap(*a_);
  route_a_to_the_host();
  w.signal_agent(SIGCONT);
  ASSERT_TRUE(testing::eventually(kConverge, milliseconds(100), [&] {
    return w.agent_status()["quarantined"].dump().find(a_->tap) != std::string::npos;
  })) << w.agent_status().dump();
  EXPECT_TRUE(sandnet_on(a_->tap)) << "the recreated tap went bare";
  EXPECT_NE(testing::tcp_probe(a_->netns, b_->ip, kPeerPort, kBlocked), TcpOutcome::kEchoed)
      << "the new device inherited A's networks";
  expect_nothing_reaches_the_host("tap replaced under a running agent");
  ASSERT_EQ(w.plug(*a_).value("ok", false), true);
  EXPECT_EQ(testing::tcp_probe_eventually(a_->netns, b_->ip, kPeerPort, kConverge), TcpOutcome::kEchoed);
}

}  // namespace
}  // namespace sandnet::e2e
