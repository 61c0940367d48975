#include "sync/guest_tables.h"

#include <arpa/inet.h>

#include <gtest/gtest.h>

#include "common/hosts_table/hosts_table.hpp"
#include "tests/sync/view_fixtures.h"

namespace sandnet::sync {
namespace {

using namespace testing;

TEST(GuestTables, EachGuestSeesExactlyItsPeers) {
  HostView v;
  v.apply_feed(snapshot());
  LocalPlugs plugs{{kA, {"tapA", "02:00:0a:2a:00:05"}}, {kB, {"tapB", "02:00:0a:2a:00:06"}}};
  auto tables = guest_tables(v, plugs, "h1");
  ASSERT_EQ(tables.size(), 2u);
  auto& a = tables.at(kA);
  ASSERT_EQ(a.entries.size(), 3u);  // itself, B (backend), C (web)
  EXPECT_EQ(a.entries[0].name, "brave-otter");
  EXPECT_EQ(a.entries[0].networks, (std::vector<std::string>{"backend", "web"}));
  EXPECT_EQ(a.entries[1].name, "calm-heron");
  EXPECT_EQ(a.entries[1].networks, (std::vector<std::string>{"backend"}));
  EXPECT_EQ(a.entries[2].name, "quick-fox");
  EXPECT_EQ(a.entries[2].networks, (std::vector<std::string>{"web"}));
  auto& b = tables.at(kB);
  ASSERT_EQ(b.entries.size(), 2u) << "B shares nothing with C: C is not in its table";
  EXPECT_EQ(b.entries[0].name, "brave-otter");
  EXPECT_EQ(b.entries[0].networks, (std::vector<std::string>{"backend"})) << "no name of a network B is not in";
  EXPECT_EQ(b.guest_ip, "10.42.0.6");
  EXPECT_EQ(b.tap, "tapB");
}

TEST(GuestTables, EncodesAReadableTable) {
  HostView v;
  v.apply_feed(snapshot());
  LocalPlugs plugs{{kA, {"tapA", "02:00:0a:2a:00:05"}}};
  auto bytes = encode_table(guest_tables(v, plugs, "h1").at(kA), 42);
  hosts_table::View view;
  ASSERT_EQ(view.open(bytes), SANDNET_HT_OK);
  EXPECT_EQ(view.generation(), 42u);
  // bare + name.network for each shared network: 1+2, 1+1, 1+1
  EXPECT_EQ(view.size(), 7u);
}

TEST(GuestTables, UnpluggedOrMovedGuestsGetNoTable) {
  HostView v;
  v.apply_feed(snapshot());
  LocalPlugs plugs{{kC, {"tapC", "02:00:0a:2a:00:07"}}, {"sb_01HZY00000000000000000ZZZ", {"tapZ", "02:00:00:00:00:01"}}};
  EXPECT_TRUE(guest_tables(v, plugs, "h1").empty());
}

}  // namespace
}  // namespace sandnet::sync
