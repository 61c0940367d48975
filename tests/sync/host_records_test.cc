// Host records in the feed (docs/host-feed.md, issue 17): parsed strictly, kept in the view
// (upserted, never removed), indexed by the sandboxes placed on each host, and carried by the
// checkpoint (a base from before them still loads).
#include <filesystem>

#include <gtest/gtest.h>

#include "sync/checkpoint.h"
#include "sync/feed_parse.h"
#include "sync/host_view.h"
#include "tests/sync/view_fixtures.h"

namespace sandnet::sync {
namespace {

using namespace testing;
using nlohmann::json;

json changes_with_hosts(uint64_t revision, json hosts, json sandboxes = json::array()) {
  return {{"type", "changes"}, {"revision", revision}, {"sandboxes", sandboxes}, {"hosts", hosts}};
}

std::set<std::string_view> ids(std::initializer_list<std::string_view> l) { return {l}; }

TEST(HostRecords, ParsedFromTheEnvelopeAndKept) {
  json envelope = {{"status", "success"}, {"data", snapshot()}};
  auto parsed = parse_feed_text(envelope.dump(), {"data"});
  ASSERT_EQ(parsed.answer.hosts.size(), 2u);
  EXPECT_EQ(parsed.answer.hosts[1], (HostRecord{"h2", 2, "192.0.2.2", true}));
  HostView v;
  EXPECT_TRUE(v.apply(std::move(parsed.answer)));
  EXPECT_TRUE(v.hosts().at("h2").overlay_reaches());
  // A record without an underlay, and one from a lost host: listed, but not reached.
  EXPECT_TRUE(v.apply_feed(changes_with_hosts(8, json::array({host("h2", 2, nullptr), host("h3", 3, "192.0.2.3", false)}))));
  EXPECT_FALSE(v.reaches("h2", "h1"));
  EXPECT_FALSE(v.reaches("h3", "h1"));
  EXPECT_FALSE(v.reaches("h9", "h1")) << "never listed";
  EXPECT_TRUE(v.reaches("h1", "h1")) << "this host, whatever its record says";
  // The same records again change nothing; an answer without hosts (an older API) keeps them.
  EXPECT_FALSE(v.apply_feed(changes_with_hosts(9, json::array({host("h3", 3, "192.0.2.3", false)}))));
  EXPECT_FALSE(v.apply_feed({{"type", "changes"}, {"revision", 10}}));
  EXPECT_EQ(v.hosts().size(), 3u);
  // A snapshot that no longer lists a host does not forget it (its sandboxes left the view).
  json snap = snapshot(11);
  snap["hosts"] = json::array({host("h1", 1, "192.0.2.1")});
  v.apply_feed(snap);
  EXPECT_EQ(v.hosts().size(), 3u);
  EXPECT_EQ(v.hosts().at("h2").underlay, std::nullopt);
}

TEST(HostRecords, HostileHostsAreAClearErrorAndChangeNothing) {
  HostView v;
  v.apply_feed(snapshot());
  auto before = v.to_json();
  std::vector<json> bad = {
      json::object(),                                  // the list holds a non-host
      json("h1"),
      {{"id", "H1"}, {"number", 1}, {"underlay", nullptr}, {"live", true}},  // not a DNS label
      {{"id", std::string(64, 'h')}, {"number", 1}, {"underlay", nullptr}, {"live", true}},
      {{"id", 7}, {"number", 1}, {"underlay", nullptr}, {"live", true}},
      {{"id", "h3"}, {"number", 0}, {"underlay", nullptr}, {"live", true}},
      {{"id", "h3"}, {"number", 16777216}, {"underlay", nullptr}, {"live", true}},
      {{"id", "h3"}, {"number", "3"}, {"underlay", nullptr}, {"live", true}},
      {{"id", "h3"}, {"number", 3.5}, {"underlay", nullptr}, {"live", true}},
      {{"id", "h3"}, {"number", 3}, {"live", true}},  // underlay must be given (null: none)
      {{"id", "h3"}, {"number", 3}, {"underlay", "192.0.2"}, {"live", true}},
      {{"id", "h3"}, {"number", 3}, {"underlay", "0.0.0.0"}, {"live", true}},
      {{"id", "h3"}, {"number", 3}, {"underlay", "fe80::1"}, {"live", true}},
      {{"id", "h3"}, {"number", 3}, {"underlay", 3221225987}, {"live", true}},
      {{"id", "h3"}, {"number", 3}, {"underlay", nullptr}},
      {{"id", "h3"}, {"number", 3}, {"underlay", nullptr}, {"live", 1}},
  };
  for (auto& h : bad) {
    EXPECT_THROW(v.apply_feed(changes_with_hosts(9, json::array({h}))), FeedFormatError) << h.dump();
    EXPECT_EQ(v.to_json(), before) << h.dump();
  }
  EXPECT_THROW(v.apply_feed(changes_with_hosts(9, json::object())), FeedFormatError);
  json many = json::array();
  for (int i = 0; i <= (1 << 16); ++i) many.push_back(host("h" + std::to_string(i), 1 + i, nullptr));
  EXPECT_THROW(v.apply_feed(changes_with_hosts(9, many)), FeedFormatError) << "unbounded list";
  EXPECT_EQ(v.to_json(), before);
}

TEST(HostRecords, PlacementIndexFollowsEveryChange) {
  HostView v;
  v.apply_feed(snapshot());
  EXPECT_EQ(v.placed_on("h1"), ids({kA, kB}));
  EXPECT_EQ(v.placed_on("h2"), ids({kC}));
  EXPECT_TRUE(v.placed_on("h3").empty());
  // B moves to h3, C leaves the view, a new sandbox placed nowhere.
  const std::string kD = "sb_01HZY0000000000000000000DD";
  v.apply_feed({{"type", "changes"},
                {"revision", 8},
                {"sandboxes", {sandbox(kB, "calm-heron", "10.42.0.6", "h3", {}), sandbox(kD, "d", "10.42.0.8", nullptr, {})}},
                {"removed_sandboxes", {kC}}});
  EXPECT_EQ(v.placed_on("h1"), ids({kA}));
  EXPECT_EQ(v.placed_on("h3"), ids({kB}));
  EXPECT_TRUE(v.placed_on("h2").empty());
  // A plug's upsert, a copy (its own index, not views of the original's keys), a snapshot.
  v.upsert({kD, "d", "10.42.0.8", "h1", std::nullopt, "running"});
  EXPECT_EQ(v.placed_on("h1"), ids({kA, kD}));
  HostView copy = v;
  v.apply_feed(snapshot(9));
  EXPECT_EQ(copy.placed_on("h1"), ids({kA, kD}));
  EXPECT_EQ(*copy.placed_on("h1").begin(), copy.sandboxes().begin()->first);
  EXPECT_EQ(copy.placed_on("h1").begin()->data(), copy.sandboxes().begin()->first.data()) << "its own keys";
  EXPECT_EQ(v.placed_on("h1"), ids({kA, kB}));
  EXPECT_EQ(v.placed_on("h2"), ids({kC}));
}

TEST(HostRecords, ANumberOrAddressNamesOneHostTheNewestWins) {
  HostView v;
  v.apply_feed(snapshot());  // h1 = 1 @ .1, h2 = 2 @ .2
  // h3 takes h2's address (h2 moved away and h3 got the old one; h2's move is not in this view).
  std::vector<HostRecord> h3{{"h3", 3, "192.0.2.2", true}};
  EXPECT_EQ(v.hosts_changed_by(h3), (std::set<std::string>{"h2", "h3"}));
  v.apply(FeedAnswer{.revision = 8, .hosts = h3});
  EXPECT_FALSE(v.hosts().at("h2").live) << "knocked out: no two hosts share an address in the maps";
  EXPECT_TRUE(v.reaches("h3", "h1"));
  // h2 comes back under a new address: both live. A number taken by another knocks it out too.
  v.apply(FeedAnswer{.revision = 9, .hosts = {{"h2", 2, "192.0.2.9", true}}});
  EXPECT_TRUE(v.reaches("h2", "h1") && v.reaches("h3", "h1"));
  std::vector<HostRecord> renumbered{{"h4", 3, "192.0.2.4", true}};
  EXPECT_EQ(v.hosts_changed_by(renumbered), (std::set<std::string>{"h3", "h4"}));
  // A lost host takes nothing from anyone.
  EXPECT_EQ(v.hosts_changed_by({{"h5", 2, "192.0.2.9", false}}), (std::set<std::string>{"h5"}));
  EXPECT_TRUE(v.hosts_changed_by({{"h2", 2, "192.0.2.9", true}}).empty());
}

TEST(HostRecords, CheckpointCarriesThemAndAnOlderBaseStillLoads) {
  auto dir = std::filesystem::temp_directory_path() / ("sync-cph-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  Checkpoint c;
  c.host_id = "h1";
  c.view.apply_feed(snapshot());
  c.view.apply_feed(changes_with_hosts(8, json::array({host("h3", 3, nullptr, false)})));
  save_checkpoint(dir.string(), c);
  auto back = load_checkpoint(dir.string());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->view.hosts(), c.view.hosts());
  EXPECT_EQ(back->view.placed_on("h2"), ids({kC}));
  // A log record of a changes answer with a host record replays it.
  FeedAnswer lost{.revision = 9, .hosts = {{"h2", 2, "192.0.2.2", false}}};
  apply_record(*back, encode_record({.feed = &lost}));
  EXPECT_FALSE(back->view.hosts().at("h2").live);
  // A base written before the hosts (no "hosts" in its view) loads with none.
  auto text = encode_base("h1", 4, c.view, c.plugs, c.unreported_unplugs);
  EXPECT_TRUE(load_checkpoint(dir.string())->lists_hosts);
  auto old_text = testing::without_host_records(text);
  ASSERT_LT(old_text.size(), text.size());
  save_base_text(dir.string(), old_text, 4);
  auto old = load_checkpoint(dir.string());
  ASSERT_TRUE(old);
  EXPECT_FALSE(old->lists_hosts) << "the agent takes a snapshot after it";
  EXPECT_TRUE(old->view.hosts().empty());
  EXPECT_EQ(old->view.sandboxes().size(), 3u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sandnet::sync
