// Nothing a guest sends may crash anything: a burst of malformed and random frames from A
// (truncated and option-laden IPv4, bad lengths, fragments, truncated ARP, IPv6, VLAN tags,
// random bytes) reaches no non-peer, and afterwards the agent runs and the matrix is unchanged.
#include <random>

#include "tests/integration/datapath_fixture.h"
#include "tests/integration/harness/raw_frame.h"

namespace sandnet::testing {
namespace {

using std::chrono::milliseconds;

// Frames built from a valid A->dst UDP frame, then broken in one way each.
std::vector<Frame> malformed_variants(const Mac& gw, const Mac& a_mac, const std::string& a_ip,
                                      const std::string& dst_ip, const std::string& marker) {
  const Frame base = udp_frame(gw, a_mac, a_ip, dst_ip, 5000, 5001, marker);
  std::vector<Frame> out;
  auto variant = [&](auto&& mutate) {
    Frame f = base;
    mutate(f);
    out.push_back(std::move(f));
  };
  variant([](Frame& f) { f[14] = 0x46; });                    // ihl 6: options
  variant([](Frame& f) { f[14] = 0x4f; });                    // ihl 15, beyond the frame
  variant([](Frame& f) { f[14] = 0x44; });                    // ihl 4: too short
  variant([](Frame& f) { f[14] = 0x65; });                    // version 6 in an IPv4 ethertype
  variant([](Frame& f) { f[16] = 0xff, f[17] = 0xff; });      // tot_len past the end
  variant([](Frame& f) { f[16] = 0x00, f[17] = 0x08; });      // tot_len below the header
  variant([](Frame& f) { f[20] = 0x20, f[21] = 0x00; });      // more fragments
  variant([](Frame& f) { f[20] = 0x00, f[21] = 0x10; });      // non-first fragment
  variant([](Frame& f) { f.resize(14 + 10); });               // truncated IPv4 header
  variant([](Frame& f) { f[12] = 0x86, f[13] = 0xdd; });      // claims IPv6
  variant([](Frame& f) { f[12] = 0x81, f[13] = 0x00; });      // VLAN tag
  variant([](Frame& f) { f[12] = 0x08, f[13] = 0x06; });      // IPv4 bytes as ARP
  variant([](Frame& f) { f[12] = 0x08, f[13] = 0x06, f.resize(14 + 7); });  // truncated ARP
  return out;
}

TEST_F(DatapathTest, MalformedAndRandomFramesReachNoNonPeerAndBreakNothing) {
  const Mac a_mac = parse_mac(sb("A").mac);
  const Mac gw = parse_mac("02:53:4e:00:00:01");  // any MAC: the datapath routes on IP
  PacketSocket attacker(sb("A").netns, "eth0");
  std::vector<std::pair<std::string, std::unique_ptr<PacketSocket>>> watchers;
  for (const char* label : {"C", "D", "E"})
    watchers.emplace_back(label, std::make_unique<PacketSocket>(sb(label).netns, "eth0"));

  const std::string marker = "hostile-" + topo_->prefix();
  std::vector<Frame> frames;
  for (const char* target : {"B", "C", "D", "E"})
    for (auto& f : malformed_variants(gw, a_mac, sb("A").ip, sb(target).ip, marker)) frames.push_back(std::move(f));
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> byte(0, 255), length(14, 300);
  const uint16_t ethertypes[] = {0x0800, 0x0806, 0x86dd, 0x8100, 0x88cc};
  for (int i = 0; i < 2000; ++i) {
    Frame f(static_cast<size_t>(length(rng)));
    for (auto& b : f) b = static_cast<uint8_t>(byte(rng));
    std::copy(a_mac.begin(), a_mac.end(), f.begin() + 6);  // past the source-MAC check
    uint16_t type = ethertypes[i % 5];
    f[12] = static_cast<uint8_t>(type >> 8);
    f[13] = static_cast<uint8_t>(type);
    f.insert(f.end(), marker.begin(), marker.end());
    frames.push_back(std::move(f));
  }
  for (const auto& f : frames) {
    try {
      attacker.send(f);
    } catch (const std::exception&) {
      // The guest's own kernel may refuse a frame (e.g. a bad VLAN header): that is fine.
    }
  }
  for (auto& [label, sock] : watchers) {
    EXPECT_FALSE(sock->saw([&](const Frame& f) { return frame_contains(f, marker); }, milliseconds(500)))
        << "a hostile frame from A reached non-peer " << label;
  }
  EXPECT_TRUE(agent_->running()) << agent_->log();
  expect_matrix(standard_policy, "after 2000+ hostile frames");
}

}  // namespace
}  // namespace sandnet::testing
