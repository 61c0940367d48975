#include "bench/overlay/overlay_world.h"

#include <fstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "common/ulid.h"
#include "tests/integration/harness/netns.h"
#include "tests/integration/harness/process.h"
#include "tests/integration/harness/state_file.h"

namespace sandnet::bench {

using testing::run_checked;
constexpr int kOverlayMtu = 1450;  // ul0's 1500 minus the VXLAN encapsulation

namespace {

void bare_vxlan(const std::string& host_ns, const std::string& local, const std::string& remote) {
  run_checked({"ip", "-n", host_ns, "link", "add", "bvx", "type", "vxlan", "id", "4242", "local", local, "remote",
               remote, "dstport", "4790", "dev", "ul1", "nolearning"});
  run_checked({"ip", "-n", host_ns, "link", "set", "bvx", "mtu", std::to_string(kOverlayMtu), "up"});
  testing::set_sysctl(host_ns, "net.ipv4.conf.all.forwarding", "1");
  testing::set_sysctl(host_ns, "net.ipv4.conf.all.rp_filter", "0");
  testing::set_sysctl(host_ns, "net.ipv4.conf.default.rp_filter", "0");
}

}  // namespace

OverlayWorld::OverlayWorld() : prefix_(testing::random_test_prefix()) {
  underlay_ = std::make_unique<testing::UnderlayNet>(prefix_);
  a_ = std::make_unique<testing::Topology>(prefix_ + "a", 10);
  b_ = std::make_unique<testing::Topology>(prefix_ + "b", 110);
  underlay_->plug(a_->host_netns(), "a", "192.0.2.1");
  underlay_->plug(b_->host_netns(), "b", "192.0.2.2");
  underlay_->plug(a_->host_netns(), "a2", "198.51.100.1", "ul1");
  underlay_->plug(b_->host_netns(), "b2", "198.51.100.2", "ul1");
  auto& s1 = a_->add_sandbox("s1");
  auto& c1 = a_->add_sandbox("c1");
  auto& p1 = a_->add_sandbox("p1");
  auto& s2 = b_->add_sandbox("s2");
  auto& p2 = b_->add_sandbox("p2");
  for (const auto* sb : {&s1, &c1, &p1, &s2, &p2})
    run_checked({"ip", "-n", sb->netns, "link", "set", "eth0", "mtu", std::to_string(kOverlayMtu)});

  std::string net1 = new_network_id();
  testing::DesiredState sa, sb;
  sa.add_endpoint(s1).add_endpoint(c1).add_remote(s2, "hb").add_host("hb", 2, "192.0.2.2");
  sb.add_endpoint(s2).add_remote(s1, "ha").add_remote(c1, "ha").add_host("ha", 1, "192.0.2.1");
  sa.set_network(net1, {&s1, &c1, &s2});
  sb.set_network(net1, {&s1, &c1, &s2});
  start_agent(*a_, agent_a_, 1, sa.to_json());
  start_agent(*b_, agent_b_, 2, sb.to_json());

  bare_vxlan(a_->host_netns(), "198.51.100.1", "198.51.100.2");
  bare_vxlan(b_->host_netns(), "198.51.100.2", "198.51.100.1");
  plain_route(*a_, p1, *b_, p2);
  plain_route(*b_, p2, *a_, p1);
}

OverlayWorld::~OverlayWorld() {
  for (auto* agent : {&agent_a_, &agent_b_}) {
    if (!*agent) continue;
    (*agent)->stop();
    (*agent)->purge();
  }
}

void OverlayWorld::start_agent(testing::Topology& t, std::unique_ptr<testing::AgentProcess>& agent, int number,
                               const std::string& state) {
  std::string config = t.scratch_dir() + "/agent.json";
  std::ofstream(config) << nlohmann::json{{"underlay_device", "ul0"}, {"host_number", number}}.dump();
  testing::AgentPaths paths = testing::AgentProcess::paths_for(t);
  paths.extra_args = {"--config", config};
  agent = std::make_unique<testing::AgentProcess>(paths);
  std::string sha = agent->write_state(state);
  agent->start();
  std::string why;
  if (!agent->wait_applied(sha, std::chrono::seconds(30), &why))
    throw std::runtime_error("agent did not apply its state: " + why + "\n" + agent->log());
}

// src (on `from`) reaches dst (on `to`) through plain routing over bvx, with permanent
// neighbour entries everywhere so no ARP is in the measured path.
void OverlayWorld::plain_route(testing::Topology& from, const testing::Sandbox& src, testing::Topology& to,
                               const testing::Sandbox& dst) {
  const std::string &h_from = from.host_netns(), &h_to = to.host_netns();
  run_checked({"ip", "-n", src.netns, "neigh", "replace", dst.ip, "lladdr", from.host_link_mac(src.tap), "dev",
               "eth0", "nud", "permanent"});
  run_checked({"ip", "-n", h_from, "route", "replace", dst.ip + "/32", "dev", "bvx"});
  run_checked({"ip", "-n", h_from, "neigh", "replace", dst.ip, "lladdr", to.host_link_mac("bvx"), "dev", "bvx",
               "nud", "permanent"});
  run_checked({"ip", "-n", h_to, "route", "replace", dst.ip + "/32", "dev", dst.tap});
  run_checked({"ip", "-n", h_to, "neigh", "replace", dst.ip, "lladdr", dst.mac, "dev", dst.tap, "nud", "permanent"});
}

std::string OverlayWorld::agent_logs() const {
  return "--- agent a\n" + agent_a_->log() + "--- agent b\n" + agent_b_->log();
}

}  // namespace sandnet::bench
