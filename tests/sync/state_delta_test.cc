// state_delta is view_to_state restricted to what changed: on random feed and plug churn, host
// records included (liveness flips, underlay and number changes), the state patched delta by
// delta (apply_delta) equals the one derived from the whole view.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <random>

#include "sync/view_to_state.h"

namespace sandnet::sync {
namespace {

std::string sb_id(int i) { return fmt::format("sb_01HZY{:021d}", i); }
std::string net_id(int i) { return fmt::format("net-01HZY{:021d}", i); }

void expect_same_state(const dp::DesiredState& got, const dp::DesiredState& want, int step) {
  ASSERT_EQ(got.endpoints.size(), want.endpoints.size()) << "step " << step;
  for (size_t i = 0; i < want.endpoints.size(); ++i) {
    auto &g = got.endpoints[i], &w = want.endpoints[i];
    EXPECT_TRUE(g.sandbox_id == w.sandbox_id && g.tap == w.tap && g.ip_be == w.ip_be && g.mac == w.mac &&
                g.host == w.host)
        << "step " << step << " endpoint " << w.sandbox_id;
  }
  ASSERT_EQ(got.networks.size(), want.networks.size()) << "step " << step;
  for (size_t i = 0; i < want.networks.size(); ++i)
    EXPECT_TRUE(got.networks[i].id == want.networks[i].id && got.networks[i].members == want.networks[i].members)
        << "step " << step;
  ASSERT_EQ(got.hosts.size(), want.hosts.size()) << "step " << step;
  for (size_t i = 0; i < want.hosts.size(); ++i)
    EXPECT_TRUE(got.hosts[i].id == want.hosts[i].id && got.hosts[i].number == want.hosts[i].number &&
                got.hosts[i].underlay_be == want.hosts[i].underlay_be)
        << "step " << step << " host " << want.hosts[i].id;
  ASSERT_EQ(got.quarantined.size(), want.quarantined.size()) << "step " << step;
  for (size_t i = 0; i < want.quarantined.size(); ++i)
    EXPECT_TRUE(got.quarantined[i].tap == want.quarantined[i].tap && got.quarantined[i].why == want.quarantined[i].why)
        << "step " << step;
}

TEST(StateDelta, PatchedStateEqualsTheWholeDerivationUnderChurn) {
  constexpr int kSandboxes = 14, kNetworks = 4;
  dp::AgentConfig config;
  std::mt19937 rng(19);
  auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
  HostView view;
  LocalPlugs plugs;
  dp::DesiredState kept;
  int endpoints_seen = 0, quarantines_seen = 0, remote_seen = 0, hosts_seen = 0, host_changes = 0;
  const char* kHosts[] = {"h1", "h2", "h3"};
  for (int step = 0; step < 3000; ++step) {
    FeedAnswer a;
    a.revision = step + 1;
    std::set<std::string> sandboxes, networks;
    int i = pick(kSandboxes);
    switch (pick(8)) {
      case 0: case 1: {  // a sandbox record: here, elsewhere, nowhere; sometimes a bad address or MAC
        SandboxRecord s{sb_id(i), fmt::format("s{}", i), fmt::format("10.42.0.{}", i + 2), std::nullopt, std::nullopt,
                        "running"};
        if (pick(10) == 0) s.ip = "192.168.0.1";
        if (int h = pick(4)) s.host = kHosts[h - 1];
        if (int m = pick(8); m == 0) s.mac = "zz";
        else if (m < 4) s.mac = fmt::format("02:00:00:00:01:{:02x}", i);
        a.sandboxes.push_back(s);
        break;
      }
      case 2:
        a.removed_sandboxes.push_back(sb_id(i));
        break;
      case 3: {
        NetworkRecord n{net_id(pick(kNetworks)), "n", {}};
        for (int m = 0; m < kSandboxes; ++m)
          if (pick(3) == 0) n.members.push_back(sb_id(m));
        a.networks.push_back(n);
        break;
      }
      case 4:
        a.removed_networks.push_back(net_id(pick(kNetworks)));
        break;
      case 5: {  // a plug, an unplug, or a plug whose device was replaced
        int what = pick(3);
        if (what == 0) plugs.erase(sb_id(i));
        else plugs[sb_id(i)] = LocalPlug(fmt::format("tap{}", i), pick(6) ? fmt::format("02:00:00:00:02:{:02x}", i) : "bad");
        if (what == 2) plugs[sb_id(i)].unbound = true;
        sandboxes.insert(sb_id(i));
        break;
      }
      case 6: case 7: {  // host records: a lease lost or renewed, an underlay moved or dropped, renumbered
        for (int k = 1 + pick(2); k > 0; --k) {
          HostRecord h{kHosts[pick(3)], static_cast<uint32_t>(1 + pick(4)), std::nullopt, pick(3) != 0};
          if (pick(4)) h.underlay = fmt::format("192.0.2.{}", 1 + pick(4));
          a.hosts.push_back(h);
        }
        break;
      }
    }
    std::set<std::string> hosts = view.hosts_changed_by(a.hosts);
    host_changes += !hosts.empty();
    for (auto& s : a.sandboxes) sandboxes.insert(s.id);
    for (auto& s : a.removed_sandboxes) sandboxes.insert(s);
    for (auto& n : a.networks) networks.insert(n.id);
    for (auto& n : a.removed_networks) networks.insert(n);
    view.apply(a);
    dp::apply_delta(kept, state_delta(view, plugs, "h1", config, {sandboxes, networks, hosts}));
    auto want = view_to_state(view, plugs, "h1", config).state;
    expect_same_state(kept, want, step);
    if (HasFatalFailure()) return;
    endpoints_seen += !want.endpoints.empty();
    quarantines_seen += !want.quarantined.empty();
    hosts_seen += !want.hosts.empty();
    for (auto& e : want.endpoints) remote_seen += !e.local();
  }
  EXPECT_GT(endpoints_seen, 1000);
  EXPECT_GT(quarantines_seen, 100);
  EXPECT_GT(host_changes, 300);
  EXPECT_GT(hosts_seen, 1000);
  EXPECT_GT(remote_seen, 1000);
}

}  // namespace
}  // namespace sandnet::sync
