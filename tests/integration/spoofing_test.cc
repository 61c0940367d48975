// A hostile guest with raw sockets: spoofed source IPs (a peer's, a non-peer's, an unassigned
// overlay address, an outside one), spoofed source MACs, broadcasts, and forged ARP (gratuitous
// requests and unsolicited replies claiming a peer's address). Nothing reaches any other
// sandbox and no neighbour cache learns the forger's MAC. A control frame with the guest's
// true addresses, crafted the same way, does arrive: the probes can see a frame that passes.
#include <algorithm>

#include <nlohmann/json.hpp>

#include "tests/integration/datapath_fixture.h"
#include "tests/integration/harness/poll.h"
#include "tests/integration/harness/probes.h"
#include "tests/integration/harness/process.h"
#include "tests/integration/harness/raw_frame.h"

namespace sandnet::testing {
namespace {

using std::chrono::milliseconds;

class SpoofingTest : public DatapathTest {
 protected:
  void SetUp() override {
    DatapathTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    // Warm the caches: B knows A and C, C knows B, A knows the gateway.
    for (auto [from, to] : {std::pair{"A", "B"}, {"B", "A"}, {"B", "C"}, {"C", "B"}})
      ASSERT_TRUE(ping_eventually(sb(from).netns, sb(to).ip, milliseconds(15000))) << from << "->" << to;
    gateway_ = neighbour_mac(sb("A").netns, sb("B").ip);
    ASSERT_FALSE(gateway_.empty());
    for (const char* label : {"B", "C", "D", "E"})
      watchers_.emplace_back(label, std::make_unique<PacketSocket>(sb(label).netns, "eth0"));
    attacker_ = std::make_unique<PacketSocket>(sb("A").netns, "eth0");
  }

  static std::string neighbour_mac(const std::string& netns, const std::string& ip) {
    auto entries = nlohmann::json::parse(run_checked({"ip", "-j", "neigh", "show", "to", ip}, {.netns = netns}));
    for (const auto& e : entries)
      if (e.contains("lladdr")) return e["lladdr"].get<std::string>();
    return "";
  }

  // Every neighbour entry of a namespace, "ip lladdr" per line (for failure messages too).
  static std::string neighbours(const std::string& netns) {
    std::string out;
    for (const auto& e : nlohmann::json::parse(run_checked({"ip", "-j", "neigh", "show"}, {.netns = netns})))
      out += e.value("dst", "?") + " " + e.value("lladdr", "-") + "\n";
    return out;
  }

  // Everything each watcher received during the window, by label.
  std::vector<std::pair<std::string, std::vector<Frame>>> collect(milliseconds window) {
    std::vector<std::pair<std::string, std::vector<Frame>>> all;
    for (auto& [label, sock] : watchers_) all.emplace_back(label, sock->collect(window));
    return all;
  }

  static std::string who_saw(const std::vector<std::pair<std::string, std::vector<Frame>>>& captured,
                             const std::function<bool(const Frame&)>& match) {
    std::string seen;
    for (const auto& [label, frames] : captured)
      if (std::any_of(frames.begin(), frames.end(), match)) seen += label + " ";
    return seen;
  }

  void send_thrice(const Frame& f) {
    for (int i = 0; i < 3; ++i) attacker_->send(f);
  }

  std::string gateway_;
  std::vector<std::pair<std::string, std::unique_ptr<PacketSocket>>> watchers_;
  std::unique_ptr<PacketSocket> attacker_;
};

TEST_F(SpoofingTest, SpoofedSourcesAndBroadcastsReachNoOne) {
  const Mac a_mac = parse_mac(sb("A").mac);
  const Mac gw = parse_mac(gateway_);
  const std::string& b_ip = sb("B").ip;

  // Control: A's true addresses, same crafting, arrive at B.
  const std::string control = "control-" + topo_->prefix();
  bool arrived = eventually(milliseconds(15000), milliseconds(0), [&] {
    attacker_->send(udp_frame(gw, a_mac, sb("A").ip, b_ip, 5000, 5001, control));
    return watchers_[0].second->saw([&](const Frame& f) { return frame_contains(f, control); }, milliseconds(500));
  });
  ASSERT_TRUE(arrived) << "a legitimate crafted frame A->B never arrived; the test could not see a spoof either";

  struct Case {
    std::string name;
    Frame frame;
  };
  const std::string tag = topo_->prefix();
  std::vector<Case> cases = {
      {"src IP of peer C", udp_frame(gw, a_mac, sb("C").ip, b_ip, 5000, 5001, "spoof-ip-peer-" + tag)},
      {"src IP of non-peer D", udp_frame(gw, a_mac, sb("D").ip, b_ip, 5000, 5001, "spoof-ip-d-" + tag)},
      {"src IP of B itself", udp_frame(gw, a_mac, b_ip, b_ip, 5000, 5001, "spoof-ip-self-" + tag)},
      {"unassigned overlay src", udp_frame(gw, a_mac, "10.42.7.7", b_ip, 5000, 5001, "spoof-ip-free-" + tag)},
      {"outside src", udp_frame(gw, a_mac, "198.18.0.2", b_ip, 5000, 5001, "spoof-ip-out-" + tag)},
      {"src MAC of B", udp_frame(gw, parse_mac(sb("B").mac), sb("A").ip, b_ip, 5000, 5001, "spoof-mac-b-" + tag)},
      {"random src MAC", udp_frame(gw, parse_mac("02:de:ad:be:ef:01"), sb("A").ip, b_ip, 5000, 5001,
                                   "spoof-mac-rnd-" + tag)},
      {"both spoofed", udp_frame(gw, parse_mac(sb("C").mac), sb("C").ip, b_ip, 5000, 5001, "spoof-both-" + tag)},
      {"L2 broadcast", udp_frame(kBroadcastMac, a_mac, sb("A").ip, "10.42.255.255", 5000, 5001, "bcast-" + tag)},
      {"L2 broadcast to non-peer IP", udp_frame(kBroadcastMac, a_mac, sb("A").ip, sb("D").ip, 5000, 5001,
                                                "bcast-d-" + tag)},
      {"unicast to B's own MAC", udp_frame(parse_mac(sb("B").mac), a_mac, sb("A").ip, sb("D").ip, 5000, 5001,
                                           "direct-mac-" + tag)},
  };
  for (const auto& c : cases) send_thrice(c.frame);
  const auto captured = collect(milliseconds(1000));
  for (const auto& c : cases) {
    // The payload is everything after the 42 bytes of Ethernet + IPv4 + UDP headers.
    const std::string payload(c.frame.begin() + 42, c.frame.end());
    std::string seen = who_saw(captured, [&](const Frame& f) { return frame_contains(f, payload); });
    EXPECT_EQ(seen, "") << c.name << " got through to: " << seen;
  }
}

TEST_F(SpoofingTest, ForgedArpPoisonsNoNeighbourCache) {
  const Mac a_mac = parse_mac(sb("A").mac);
  const Mac b_mac = parse_mac(sb("B").mac);
  const Mac zero{};
  const Sandbox& B = sb("B");
  const Sandbox& C = sb("C");
  std::vector<std::pair<std::string, Frame>> forged = {
      {"gratuitous request claiming B", arp_frame(kBroadcastMac, a_mac, 1, a_mac, B.ip, zero, B.ip)},
      {"gratuitous request claiming C", arp_frame(kBroadcastMac, a_mac, 1, a_mac, C.ip, zero, C.ip)},
      {"gratuitous reply claiming C", arp_frame(kBroadcastMac, a_mac, 2, a_mac, C.ip, kBroadcastMac, C.ip)},
      {"gratuitous for itself", arp_frame(kBroadcastMac, a_mac, 1, a_mac, sb("A").ip, zero, sb("A").ip)},
      {"unsolicited reply to B claiming C", arp_frame(b_mac, a_mac, 2, a_mac, C.ip, b_mac, B.ip)},
      {"unsolicited reply via gateway claiming C", arp_frame(parse_mac(gateway_), a_mac, 2, a_mac, C.ip, b_mac, B.ip)},
      {"reply claiming D for E", arp_frame(kBroadcastMac, a_mac, 2, a_mac, sb("D").ip, zero, sb("E").ip)},
      {"request from C's IP", arp_frame(kBroadcastMac, a_mac, 1, a_mac, C.ip, zero, B.ip)},
  };
  for (const auto& [name, frame] : forged) {
    for (int i = 0; i < 3; ++i) attacker_->send(frame);
  }
  std::string seen = who_saw(collect(milliseconds(1000)), [&](const Frame& f) { return is_arp_with_sender_mac(f, a_mac); });
  EXPECT_EQ(seen, "") << "an ARP frame carrying A's MAC reached: " << seen;

  for (const char* label : {"B", "C", "D", "E"}) {
    std::string table = neighbours(sb(label).netns);
    EXPECT_EQ(table.find(sb("A").mac), std::string::npos) << label << "'s neighbour cache learned A's MAC:\n" << table;
  }
  EXPECT_EQ(neighbour_mac(B.netns, C.ip), gateway_) << "B's entry for C changed:\n" << neighbours(B.netns);
  // And the flows the forgeries targeted still work.
  EXPECT_TRUE(ping_eventually(B.netns, C.ip, milliseconds(15000)));
  EXPECT_TRUE(ping_eventually(B.netns, sb("A").ip, milliseconds(15000)));
}

}  // namespace
}  // namespace sandnet::testing
