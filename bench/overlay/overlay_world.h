// The bench's world: two hosts on an underlay bridge, each with a real sandnet-agent (state-file
// mode, underlay_device ul0) and a second underlay link ul1 that carries only the bare-VXLAN
// baseline (no BPF on it or on its taps):
//   host a: s1 (sandnet, net1), c1 (sandnet, net1: the same-host peer), p1 (plain)
//   host b: s2 (sandnet, net1),                                          p2 (plain)
// p1 -> p2 goes tap -> host routing -> VXLAN device "bvx" (VNI 4242, port 4790, over ul1) ->
// host routing -> tap: "plain routes over a VXLAN device". Every guest's MTU is the overlay's
// (1450), as guestd would set it.
#pragma once
#include <memory>
#include <string>

#include "tests/integration/harness/agent_process.h"
#include "tests/integration/harness/topology.h"
#include "tests/overlay/underlay_net.h"

namespace sandnet::bench {

struct Pair {
  std::string name;                  // "bare", "sandnet", "same-host"
  const testing::Sandbox* src;
  const testing::Sandbox* dst;
};

class OverlayWorld {
 public:
  OverlayWorld();
  ~OverlayWorld();
  Pair bare() const { return {"bare", &a_->sandbox("p1"), &b_->sandbox("p2")}; }
  Pair sandnet() const { return {"sandnet", &a_->sandbox("s1"), &b_->sandbox("s2")}; }
  Pair same_host() const { return {"same-host", &a_->sandbox("s1"), &a_->sandbox("c1")}; }
  std::string agent_logs() const;

 private:
  void start_agent(testing::Topology& t, std::unique_ptr<testing::AgentProcess>& agent, int number,
                   const std::string& state);
  void plain_route(testing::Topology& from, const testing::Sandbox& src, testing::Topology& to,
                   const testing::Sandbox& dst);

  std::string prefix_;
  std::unique_ptr<testing::UnderlayNet> underlay_;
  std::unique_ptr<testing::Topology> a_, b_;
  std::unique_ptr<testing::AgentProcess> agent_a_, agent_b_;
};

}  // namespace sandnet::bench
