#include "verdict_world.h"

#include <cstdio>
#include <cstdlib>

#include "loader/tap_slots.h"

namespace sandnet::dp::testkit {
namespace {

const char* kNet1 = "net-01J00000000000000000000001";
const char* kNet2 = "net-01J00000000000000000000002";
const char* kNet3 = "net-01J00000000000000000000003";

std::string sb(char c) { return std::string("sb_01J0000000000000000000000") + c; }

}  // namespace

VerdictWorld& VerdictWorld::get() {
  static VerdictWorld* world = [] {
    if (!enter_private_netns()) std::exit(1);
    auto* w = new VerdictWorld();
    w->config = default_agent_config();
    w->config.drop_sample_every = 1;
    w->config.capacity.max_endpoints = 1024;
    w->config.capacity.max_sets = 1024;
    w->config.capacity.max_networks = 1024;
    // 128 tap slots: a small taps array keeps each counter read (the XDP agreement tests read
    // them around 12,000 runs) cheap.
    w->config.capacity.max_local_taps = 64;
    w->a = {"snt-a", ip("10.42.0.1"), mac("02:00:0a:2a:00:01")};
    w->b = {"snt-b", ip("10.42.0.2"), mac("02:00:0a:2a:00:02")};
    w->c = {"snt-c", ip("10.42.0.3"), mac("02:00:0a:2a:00:03")};
    w->d = {"snt-d", ip("10.42.0.4"), mac("02:00:0a:2a:00:04")};
    w->e = {"snt-e", ip("10.42.0.5"), mac("02:00:0a:2a:00:05")};
    w->remote_ip_be = ip("10.42.0.9");
    int n = 0;
    for (Guest* g : {&w->a, &w->b, &w->c, &w->d, &w->e}) {
      g->tap_mac = {0x0e, 0, 0, 0, 0, static_cast<uint8_t>(++n)};
      g->ifindex = add_device(g->tap, g->tap_mac);
    }
    w->stray_ifindex = add_device("snt-stray", mac("0e:00:00:00:00:99"));
    w->q = {"snt-q", w->a.ip_be, w->a.mac};
    w->q.tap_mac = mac("0e:00:00:00:00:51");
    w->q.ifindex = add_device(w->q.tap, w->q.tap_mac);
    // O's slot is A's (ifindex + k x 128 slots): its entry lives in taps_overflow. Z's slot
    // is C's, and Z has no entry at all.
    uint32_t slots = tap_slots(w->config.capacity);
    w->o = {"snt-o", ip("10.42.0.6"), mac("02:00:0a:2a:00:06")};
    w->o.tap_mac = mac("0e:00:00:00:00:06");
    w->o.ifindex = add_device(w->o.tap, w->o.tap_mac, w->a.ifindex + 4096 * slots);
    w->z_ifindex = add_device("snt-z", mac("0e:00:00:00:00:98"), w->c.ifindex + 2 * slots);
    w->root = std::make_unique<BpffsRoot>("bpf");
    w->dp = std::make_unique<Datapath>(w->config, w->root->path());

    DesiredState s;
    char id = 'A';
    for (Guest* g : {&w->a, &w->b, &w->c, &w->d, &w->e, &w->o})
      s.endpoints.push_back({sb(id++), g->tap, g->ip_be, g->mac, ""});
    s.endpoints.push_back({sb('R'), "", w->remote_ip_be, mac("02:00:0a:2a:00:09"), "host-2"});
    s.networks = {{kNet1, {sb('A'), sb('B'), sb('R'), sb('F')}}, {kNet2, {sb('B'), sb('C')}}, {kNet3, {sb('E')}}};
    s.quarantined = {{w->q.tap, "test: a plugged sandbox that left the view"}};
    w->dp->apply(s);
    std::atexit([] { delete world; });
    return w;
  }();
  return *world;
}

uint64_t VerdictWorld::drops(uint32_t ifindex, uint32_t hook, int reason) {
  auto counters = dp->maps().read_counters();
  if (!dp->maps().read_image().taps.count(ifindex)) ifindex = 0;  // no tap: counted in row 0
  auto it = counters.find({ifindex, hook});
  return it == counters.end() ? 0 : it->second.drops[reason];
}

}  // namespace sandnet::dp::testkit
