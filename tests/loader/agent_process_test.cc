// sandnet-agent as a process: status.json per attempt, invalid file rejected
// with the running state kept, reload on rename and SIGHUP, exit leaves the
// pins (fail-static), `purge` removes them.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "kernel_world.h"
#include "loader/map_set.h"
#include "loader/pin_paths.h"
#include "agent/status_file.h"

namespace sandnet::dp {
namespace {

using namespace kworld;
using nlohmann::json;

std::string to_json(const DesiredState& s) {
  json eps = json::array(), nets = json::array();
  for (auto& e : s.endpoints)
    eps.push_back({{"sandbox_id", e.sandbox_id}, {"tap", e.tap}, {"ip", format_ipv4(e.ip_be)},
                   {"mac", format_mac(e.mac)}});
  for (auto& n : s.networks) nets.push_back({{"id", n.id}, {"members", n.members}});
  return json{{"version", 1}, {"endpoints", eps}, {"networks", nets}}.dump();
}

void write_atomically(const std::string& path, const std::string& text) {
  std::string tmp = path + ".new";
  std::ofstream(tmp) << text;
  std::filesystem::rename(tmp, path);
}

json read_status(const std::string& run_dir) {
  std::ifstream in(run_dir + "/status.json");
  return json::parse(in, nullptr, false);
}

// Bounded poll: up to 20 s for the status generation to reach `gen`.
json wait_generation(const std::string& run_dir, uint64_t gen) {
  for (int i = 0; i < 400; ++i) {
    json s = read_status(run_dir);
    if (!s.is_discarded() && s.value("generation", 0u) >= gen) return s;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return json();
}

class AgentProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    taps();
    dir_ = fmt::format("/tmp/sandnet-agent-test-{}", getpid());
    std::filesystem::create_directories(dir_ + "/state");
    state_ = dir_ + "/state/state.json";
    run_dir_ = dir_ + "/run";
    std::ofstream(dir_ + "/config.json") << R"({"max_endpoints":64,"max_local_taps":16,
        "max_networks":64,"max_sets":64,"max_pairs":256})";
  }
  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    std::filesystem::remove_all(dir_);
  }
  void start() {
    pid_ = fork();
    if (pid_ == 0) {
      execl(SANDNET_AGENT_BIN, SANDNET_AGENT_BIN, "--state-file", state_.c_str(), "--bpffs-root",
            root_.path().c_str(), "--run-dir", run_dir_.c_str(), "--config",
            (dir_ + "/config.json").c_str(), "--log-level", "warn", nullptr);
      _exit(127);
    }
  }
  testkit::BpffsRoot root_{"ld-agent"};
  std::string dir_, state_, run_dir_;
  pid_t pid_ = -1;
};

TEST_F(AgentProcess, ReloadsRejectsAndLeavesPinsOnExit) {
  std::string v1 = to_json(state(3, {{1, {0, 1}}}));
  write_atomically(state_, v1);
  start();
  json s1 = wait_generation(run_dir_, 1);
  ASSERT_TRUE(s1.is_object()) << "no status.json";
  EXPECT_TRUE(s1["ok"].get<bool>()) << s1.dump();
  EXPECT_EQ(s1["applied_sha256"], sha256_hex(v1));
  MapImage applied = MapSet::open_pinned(root_.path()).read_image();
  EXPECT_EQ(applied.endpoints.size(), 3u);

  write_atomically(state_, R"({"version":1,"endpoints":[{"sandbox_id":"nope"}],"networks":[]})");
  json s2 = wait_generation(run_dir_, 2);
  ASSERT_TRUE(s2.is_object());
  EXPECT_FALSE(s2["ok"].get<bool>());
  EXPECT_NE(s2["error"].get<std::string>().find("sandbox_id"), std::string::npos) << s2.dump();
  EXPECT_EQ(s2["applied_sha256"], sha256_hex(v1));
  EXPECT_TRUE(MapSet::open_pinned(root_.path()).read_image() == applied);

  std::string v3 = to_json(state(3, {{1, {0, 1, 2}}}));
  write_atomically(state_, v3);
  json s3 = wait_generation(run_dir_, 3);
  ASSERT_TRUE(s3.is_object());
  EXPECT_TRUE(s3["ok"].get<bool>());
  EXPECT_EQ(s3["applied_sha256"], sha256_hex(v3));

  kill(pid_, SIGHUP);
  json s4 = wait_generation(run_dir_, 4);
  ASSERT_TRUE(s4.is_object());
  EXPECT_TRUE(s4["ok"].get<bool>());
  EXPECT_EQ(s4["map_writes"], 0);

  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_TRUE(std::filesystem::exists(map_pin(root_.path(), "endpoints")));
  EXPECT_EQ(MapSet::open_pinned(root_.path()).read_image().endpoints.size(), 3u);

  std::string purge = fmt::format("{} purge --bpffs-root {}", SANDNET_AGENT_BIN, root_.path());
  EXPECT_EQ(std::system(purge.c_str()), 0);
  EXPECT_FALSE(std::filesystem::exists(root_.path()));
}

}  // namespace
}  // namespace sandnet::dp
