#include "sync/host_view.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "sync/checkpoint.h"
#include "tests/sync/view_fixtures.h"

namespace sandnet::sync {
namespace {

using namespace testing;
using nlohmann::json;

TEST(HostView, SnapshotReplacesEverything) {
  HostView v;
  EXPECT_TRUE(v.apply_feed(snapshot()));
  EXPECT_EQ(v.revision(), 7u);
  ASSERT_EQ(v.sandboxes().size(), 3u);
  EXPECT_EQ(v.sandboxes().at(kA).name, "brave-otter");
  EXPECT_EQ(*v.sandboxes().at(kA).host, "h1");
  EXPECT_EQ(v.networks().at(kNet1).members, (std::vector<std::string>{kA, kB}));
  // The same snapshot at a later revision changes nothing but the revision.
  EXPECT_FALSE(v.apply_feed(snapshot(9)));
  EXPECT_EQ(v.revision(), 9u);
}

TEST(HostView, ChangesUpsertAndRemove) {
  HostView v;
  v.apply_feed(snapshot());
  EXPECT_TRUE(v.apply_feed(changes()));
  EXPECT_EQ(v.revision(), 8u);
  EXPECT_EQ(v.sandboxes().count(kC), 0u);
  EXPECT_EQ(v.networks().count(kNet2), 0u);
  EXPECT_EQ(v.sandboxes().at(kB).status, "stopped");
  EXPECT_EQ(v.networks().at(kNet1).members, (std::vector<std::string>{kA}));
}

TEST(HostView, EmptyChangesOnlyAdvanceTheRevision) {
  HostView v;
  v.apply_feed(snapshot());
  json timeout = {{"type", "changes"}, {"revision", 12}, {"sandboxes", json::array()}, {"networks", json::array()},
                  {"removed_sandboxes", json::array()}, {"removed_networks", json::array()}};
  EXPECT_FALSE(v.apply_feed(timeout));
  EXPECT_EQ(v.revision(), 12u);
}

TEST(HostView, MalformedAnswerChangesNothing) {
  HostView v;
  v.apply_feed(snapshot());
  auto before = v.to_json();
  std::vector<json> bad = {
      json::array(),
      {{"type", "snapshot"}},
      {{"type", "snapshot"}, {"revision", -1}},
      {{"type", "weird"}, {"revision", 9}},
      {{"type", "changes"}, {"revision", 9}, {"sandboxes", {{{"id", kA}}}}},
      {{"type", "changes"}, {"revision", 9}, {"sandboxes", {sandbox(kA, "x", "10.42.0.5", "h1", {})}},
       {"networks", {{{"id", kNet1}, {"name", "n"}, {"members", {1, 2}}}}}},
      {{"type", "changes"}, {"revision", 9}, {"removed_sandboxes", "sb_x"}},
  };
  for (auto& answer : bad) {
    EXPECT_THROW(v.apply_feed(answer), FeedFormatError) << answer.dump();
    EXPECT_EQ(v.to_json(), before) << answer.dump();
  }
}

TEST(Checkpoint, RoundTrip) {
  auto dir = std::filesystem::temp_directory_path() / ("sync-cp-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  EXPECT_FALSE(load_checkpoint(dir.string()).has_value());
  Checkpoint c;
  c.host_id = "h1";
  c.view.apply_feed(snapshot());
  c.plugs[kA] = {"tap0", "02:00:0a:2a:00:05"};
  c.unreported_unplugs.insert(kB);
  // Text that is not plain (quotes, backslashes, control and non-ASCII characters) is escaped
  // in the base, as member ids and names are written outside the JSON library when plain.
  c.view.apply_feed({{"type", "changes"},
                     {"revision", 9},
                     {"networks", {{{"id", "net-\"odd\\"}, {"name", "n\u00e9\n\t"}, {"members", {kA, "m\"x"}}}}}});
  save_checkpoint(dir.string(), c);
  EXPECT_EQ(std::filesystem::status(checkpoint_path(dir.string())).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto back = load_checkpoint(dir.string());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->host_id, "h1");
  EXPECT_EQ(back->view.to_json(), c.view.to_json());
  EXPECT_EQ(back->plugs, c.plugs);
  EXPECT_EQ(back->unreported_unplugs, c.unreported_unplugs);
  std::filesystem::remove_all(dir);
}

TEST(Checkpoint, GarbageIsAnErrorNotACrash) {
  auto dir = std::filesystem::temp_directory_path() / ("sync-cpg-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  for (const char* text : {"", "{", "[]", "{\"version\":1}", "{\"version\":2,\"host_id\":\"h\"}"}) {
    FILE* f = fopen(checkpoint_path(dir.string()).c_str(), "w");
    fputs(text, f);
    fclose(f);
    EXPECT_THROW(load_checkpoint(dir.string()), std::runtime_error) << text;
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sandnet::sync
