// A peer placed on another host is installed, and named in guests' tables, only while that
// host is listed, live and has an underlay address (docs/host-feed.md, issue 17): a lost
// host's sandboxes leave the maps and the tables, and come back when it is live again, each
// time through the same incremental paths the reconciler uses (state_delta, guests_touched,
// GuestTableIndex), checked against the whole derivations.
#include <gtest/gtest.h>

#include "loader/net_addr.h"
#include "sync/guest_table_index.h"
#include "sync/guest_tables.h"
#include "sync/view_to_state.h"
#include "tests/sync/view_fixtures.h"

namespace sandnet::sync {
namespace {

using namespace testing;
using nlohmann::json;

bool has_endpoint(const dp::DesiredState& s, const std::string& id) {
  for (auto& e : s.endpoints)
    if (e.sandbox_id == id) return true;
  return false;
}

bool names(const GuestTable& t, const std::string& name) {
  for (auto& e : t.entries)
    if (e.name == name) return true;
  return false;
}

// The agent's incremental state and tables, fed answer by answer as the reconciler does.
struct Follower {
  HostView view;
  LocalPlugs plugs{{kA, {"tapA", "02:00:0a:2a:00:05"}}};
  dp::AgentConfig config = dp::default_agent_config();
  dp::DesiredState state;
  GuestTableIndex index;
  TableEntries kept_a;  // as the pusher keeps it from the index's updates
  std::shared_ptr<const GuestTable> table_a;

  void take(const std::optional<TableUpdate>& u) {
    if (!u) return table_a.reset();
    apply_update(kept_a, *u);
    table_a = std::make_shared<const GuestTable>(GuestTable{kA, u->guest_ip, u->tap, entries_of(kept_a)});
  }

  void start(const json& snap) {
    view.apply_feed(snap);
    state = view_to_state(view, plugs, "h1", config).state;
    take(index.table(view, plugs, "h1", kA));
  }
  // Applies one changes answer; returns whether A's table was rebuilt (touched).
  bool follow(const json& data) {
    FeedAnswer a = parse_feed(data);
    StateChange change;
    change.hosts = view.hosts_changed_by(a.hosts);
    for (auto& s : a.sandboxes) change.sandboxes.insert(s.id);
    auto touched = guests_touched(view, a, plugs);
    index.note_change(view, a, "h1");
    view.apply(std::move(a));
    auto delta = state_delta(view, plugs, "h1", config, change);
    EXPECT_EQ(delta.hosts_changed, !change.hosts.empty());
    dp::apply_delta(state, delta);
    if (touched.count(kA)) take(index.table(view, plugs, "h1", kA));
    return touched.count(kA) > 0;
  }
  void expect_whole() {
    auto whole = view_to_state(view, plugs, "h1", config).state;
    ASSERT_EQ(state.endpoints.size(), whole.endpoints.size());
    for (size_t i = 0; i < whole.endpoints.size(); ++i) EXPECT_EQ(state.endpoints[i].sandbox_id, whole.endpoints[i].sandbox_id);
    ASSERT_EQ(state.hosts.size(), whole.hosts.size());
    for (size_t i = 0; i < whole.hosts.size(); ++i) EXPECT_EQ(state.hosts[i].id, whole.hosts[i].id);
    auto table = guest_table(view, plugs, "h1", kA);
    ASSERT_TRUE(table && table_a);
    EXPECT_EQ(table_a->entries, table->entries);
  }
};

json host_change(uint64_t revision, json record) {
  return {{"type", "changes"}, {"revision", revision}, {"hosts", json::array({record})}};
}

TEST(LostHost, ItsPeersArePurgedAndComeBackWhenLiveAgain) {
  Follower f;
  f.start(snapshot());  // A (plugged) and B on h1; C on h2 (live, 192.0.2.2); web = {A, C}
  ASSERT_TRUE(has_endpoint(f.state, kC));
  ASSERT_EQ(f.state.hosts.size(), 1u) << "h2 only: never this host";
  EXPECT_EQ(f.state.hosts[0].id, "h2");
  EXPECT_EQ(f.state.hosts[0].number, 2u);
  EXPECT_EQ(dp::format_ipv4(f.state.hosts[0].underlay_be), "192.0.2.2");
  EXPECT_TRUE(names(*f.table_a, "quick-fox"));

  // h2's lease expired: C leaves the maps and A's table; h2 leaves the hosts (the underlay filter).
  EXPECT_TRUE(f.follow(host_change(8, host("h2", 2, "192.0.2.2", false))));
  EXPECT_FALSE(has_endpoint(f.state, kC));
  EXPECT_TRUE(f.state.hosts.empty());
  EXPECT_FALSE(names(*f.table_a, "quick-fox"));
  EXPECT_TRUE(names(*f.table_a, "calm-heron")) << "peers here are untouched";
  f.expect_whole();

  // Live again, under a new address: back, with the new underlay.
  EXPECT_TRUE(f.follow(host_change(9, host("h2", 2, "192.0.2.22", true))));
  EXPECT_TRUE(has_endpoint(f.state, kC));
  ASSERT_EQ(f.state.hosts.size(), 1u);
  EXPECT_EQ(dp::format_ipv4(f.state.hosts[0].underlay_be), "192.0.2.22");
  EXPECT_TRUE(names(*f.table_a, "quick-fox"));
  f.expect_whole();

  // No underlay address: no tunnel, so no peer either.
  f.follow(host_change(10, host("h2", 2, nullptr, true)));
  EXPECT_FALSE(has_endpoint(f.state, kC));
  EXPECT_FALSE(names(*f.table_a, "quick-fox"));
  f.expect_whole();

  // Renumbered while reachable: the host list changes, the peer stays.
  f.follow(host_change(11, host("h2", 2, "192.0.2.2", true)));
  f.follow(host_change(12, host("h2", 7, "192.0.2.2", true)));
  EXPECT_TRUE(has_endpoint(f.state, kC));
  EXPECT_EQ(f.state.hosts[0].number, 7u);
  f.expect_whole();

  // This host's own record does not hide its own sandboxes, whatever it says.
  f.follow(host_change(13, host("h1", 1, nullptr, false)));
  EXPECT_TRUE(has_endpoint(f.state, kA));
  EXPECT_TRUE(names(*f.table_a, "calm-heron"));
  f.expect_whole();
}

TEST(LostHost, APeerOnAnUnlistedHostIsNotInstalled) {
  json snap = snapshot();
  snap["hosts"] = json::array({host("h1", 1, "192.0.2.1")});  // h2 unlisted (an API from before the hosts)
  Follower f;
  f.start(snap);
  EXPECT_FALSE(has_endpoint(f.state, kC));
  EXPECT_TRUE(f.state.hosts.empty());
  EXPECT_FALSE(names(*f.table_a, "quick-fox"));
  // Its record arrives: C comes in.
  EXPECT_TRUE(f.follow(host_change(8, host("h2", 2, "192.0.2.2", true))));
  EXPECT_TRUE(has_endpoint(f.state, kC));
  EXPECT_TRUE(names(*f.table_a, "quick-fox"));
  f.expect_whole();
}

TEST(LostHost, AnUnrelatedHostsChangeTouchesNoGuest) {
  Follower f;
  f.start(snapshot());
  EXPECT_FALSE(f.follow(host_change(8, host("h7", 9, "192.0.2.7", false))))
      << "no sandbox of the view is placed on h7: no table to rebuild";
  f.expect_whole();
}

}  // namespace
}  // namespace sandnet::sync
