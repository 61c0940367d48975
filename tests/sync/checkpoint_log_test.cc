// The checkpoint's base + append-only log (sync/checkpoint.h): replay equals the live view,
// a torn tail or a log of another base generation is dropped, the writer orders and compacts.
#include "sync/checkpoint.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/sync/view_fixtures.h"

namespace sandnet::sync {
namespace {

using namespace testing;
using nlohmann::json;

struct ScratchDir {
  std::filesystem::path path;
  explicit ScratchDir(const char* tag)
      : path(std::filesystem::temp_directory_path() / (std::string(tag) + std::to_string(getpid()))) {
    std::filesystem::remove_all(path);
  }
  ~ScratchDir() { std::filesystem::remove_all(path); }
  std::string str() const { return path.string(); }
};

std::string sb_id(int i) { return fmt::format("sb_01HZY{:021d}", i); }
std::string net_id(int i) { return fmt::format("net-01HZY{:021d}", i); }

// A random changes answer over a small universe of sandboxes and networks.
FeedAnswer random_change(std::mt19937& rng, uint64_t revision) {
  FeedAnswer a;
  a.revision = revision;
  std::uniform_int_distribution<int> pick(0, 9);
  for (int k = pick(rng) % 3; k > 0; --k) {
    int i = pick(rng);
    a.sandboxes.push_back({sb_id(i), fmt::format("sb{}", i), fmt::format("10.42.0.{}", i + 2),
                           pick(rng) % 2 ? std::optional<std::string>("h1") : std::nullopt, std::nullopt,
                           pick(rng) % 2 ? "running" : "stopped"});
  }
  for (int k = pick(rng) % 2; k > 0; --k) {
    NetworkRecord n{net_id(pick(rng) % 3), "n", {}};
    for (int m = pick(rng); m > 0; --m) n.members.push_back(sb_id(pick(rng)));
    a.networks.push_back(n);
  }
  if (pick(rng) == 0) a.removed_sandboxes.push_back(sb_id(pick(rng)));
  if (pick(rng) == 0) a.removed_networks.push_back(net_id(pick(rng) % 3));
  return a;
}

// Host h1's checkpoint of the fixture snapshot, as base generation `generation`.
Checkpoint base_checkpoint(uint64_t generation) {
  Checkpoint c;
  c.host_id = "h1";
  c.generation = generation;
  c.view.apply_feed(snapshot());
  return c;
}

TEST(CheckpointLog, ReplayEqualsTheLiveState) {
  ScratchDir dir("sync-cplog-");
  Checkpoint live = base_checkpoint(4);
  std::mt19937 rng(7);
  {
    CheckpointWriter writer(dir.str());
    writer.compact(encode_base_file(dir.str(), live.host_id, live.generation, live.view, live.plugs,
                                    live.unreported_unplugs),
                   /*wait_durable=*/true);
    for (uint64_t r = 8; r < 200; ++r) {
      auto change = random_change(rng, r);
      writer.append(encode_record({.feed = &change}), false);
      live.view.apply(change);
      if (r % 50 == 0) {
        live.plugs[sb_id(static_cast<int>(r % 10))] = {"tap" + std::to_string(r), "02:00:0a:2a:00:05"};
        live.unreported_unplugs = {sb_id(1)};
        SandboxRecord up{sb_id(3), "up", "10.42.0.99", "h1", "02:00:0a:2a:00:63", "running"};
        live.view.upsert(up);
        writer.append(encode_record({.upsert = &up, .plugs = &live.plugs, .unreported_unplugs = &live.unreported_unplugs}),
                      r == 100);
      }
    }
  }  // the destructor writes what is pending
  auto back = load_checkpoint(dir.str());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->generation, 4u);
  EXPECT_GT(back->replayed_records, 150u);
  EXPECT_EQ(back->view.to_json(), live.view.to_json());
  EXPECT_EQ(back->plugs, live.plugs);
  EXPECT_EQ(back->unreported_unplugs, live.unreported_unplugs);
  EXPECT_TRUE(back->log_appendable);

  // A restarted agent appends to that log, with no new base; the next start replays both runs.
  size_t first_run = back->replayed_records;
  {
    CheckpointWriter writer(dir.str());
    writer.adopt_log(back->log_bytes);
    for (uint64_t r = 200; r < 230; ++r) {
      auto change = random_change(rng, r);
      writer.append(encode_record({.feed = &change}), false);
      live.view.apply(change);
    }
    EXPECT_GT(writer.log_bytes(), back->log_bytes);
  }
  back = load_checkpoint(dir.str());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->generation, 4u);
  EXPECT_EQ(back->replayed_records, first_run + 30);
  EXPECT_EQ(back->view.to_json(), live.view.to_json());
}

TEST(CheckpointLog, TornTailAndForeignLogAreDropped) {
  ScratchDir dir("sync-cptorn-");
  Checkpoint c = base_checkpoint(2);
  save_checkpoint(dir.str(), c);
  FeedAnswer first;
  first.revision = 8;
  first.removed_sandboxes = {kC};
  FeedAnswer second;
  second.revision = 9;
  second.removed_sandboxes = {kB};
  std::string line2 = encode_record({.feed = &second});
  {
    std::ofstream log(checkpoint_log_path(dir.str()), std::ios::app);
    log << encode_record({.feed = &first}) << line2.substr(0, line2.size() / 2);  // crash mid-append
  }
  auto back = load_checkpoint(dir.str());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->replayed_records, 1u);
  EXPECT_FALSE(back->log_appendable);  // new records must not follow the torn line
  EXPECT_EQ(back->view.revision(), 8u);
  EXPECT_EQ(back->view.sandboxes().count(kC), 0u);
  EXPECT_EQ(back->view.sandboxes().count(kB), 1u);

  // A garbage line ends the replay there; later lines are not applied. A log of another base
  // generation (a crash between the base's and the log's rename) is not replayed at all.
  auto header = [](uint64_t generation) { return json{{"checkpoint_log", 1}, {"generation", generation}}.dump() + "\n"; };
  for (auto& text : {header(2) + "{\"feed\":{\"type\":1}}\n" + line2, header(1) + line2}) {
    {
      std::ofstream log(checkpoint_log_path(dir.str()), std::ios::trunc);
      log << text;
    }
    back = load_checkpoint(dir.str());
    ASSERT_TRUE(back);
    EXPECT_EQ(back->replayed_records, 0u) << text;
    EXPECT_FALSE(back->log_appendable) << text;
    EXPECT_EQ(back->view.revision(), 7u) << text;
    EXPECT_EQ(back->view.sandboxes().count(kB), 1u) << text;
  }
}

// A base larger than the encoder's spill size goes to its file in pieces: the file holds
// exactly the whole encoding, and the checkpoint loads back to the same view.
TEST(CheckpointLog, ABaseWrittenInPiecesEqualsTheWholeEncoding) {
  ScratchDir dir("sync-cppieces-");
  Checkpoint c = base_checkpoint(3);
  FeedAnswer many;
  many.revision = 9;
  NetworkRecord all{"net-01HZY000000000000000000099", "all", {}};
  for (int i = 0; i < 20000; ++i) {
    auto id = fmt::format("sb_01HZY{:021d}", 1000 + i);
    many.sandboxes.push_back({id, fmt::format("peer-{}", i), fmt::format("10.42.{}.{}", i / 250, 2 + i % 250), "h1",
                              std::nullopt, "running"});
    all.members.push_back(id);
  }
  many.networks.push_back(all);
  c.view.apply(many);
  std::string whole = encode_base(c.host_id, c.generation, c.view, c.plugs, c.unreported_unplugs);
  ASSERT_GT(whole.size(), size_t{2} << 20) << "spills at least twice";
  CheckpointWriter writer(dir.str());
  writer.compact(encode_base_file(dir.str(), c.host_id, c.generation, c.view, c.plugs, c.unreported_unplugs), true);
  std::ifstream in(checkpoint_path(dir.str()), std::ios::binary);
  std::string on_disk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(on_disk == whole) << on_disk.size() << " bytes on disk, " << whole.size() << " encoded whole";
  auto back = load_checkpoint(dir.str());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->view.sandboxes(), c.view.sandboxes());
  EXPECT_EQ(back->view.networks(), c.view.networks());
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.str()), {}), 2) << "base and log, no temporary";
}

TEST(CheckpointLog, CompactionStartsAnEmptyLog) {
  ScratchDir dir("sync-cpcompact-");
  Checkpoint c = base_checkpoint(1);
  CheckpointWriter writer(dir.str());
  writer.compact(encode_base_file(dir.str(), c.host_id, c.generation, c.view, c.plugs, c.unreported_unplugs), true);
  FeedAnswer change;
  change.revision = 8;
  change.removed_sandboxes = {kC};
  writer.append(encode_record({.feed = &change}), true);
  EXPECT_GT(writer.log_bytes(), 0u);
  c.view.apply(change);
  c.generation = 2;
  writer.compact(encode_base_file(dir.str(), c.host_id, c.generation, c.view, c.plugs, c.unreported_unplugs), true);
  EXPECT_EQ(writer.log_bytes(), 0u);
  auto back = load_checkpoint(dir.str());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->generation, 2u);
  EXPECT_EQ(back->replayed_records, 0u);
  EXPECT_EQ(back->view.to_json(), c.view.to_json());
  EXPECT_FALSE(writer.needs_compaction());
}

}  // namespace
}  // namespace sandnet::sync
