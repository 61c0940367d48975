// Host install test: installs sandnet-host and sandnet-api on THIS machine with dpkg, starts
// the packaged API and agent with the shipped configuration (directly: systemd is not PID 1
// here) inside a test namespace, creates networks and sandboxes with the packaged sandnetctl,
// plugs the sandboxes into the datapath and checks reachability over veth (the integration
// harness's matrix), then purges both packages and checks nothing is left: files, the system
// user, pins, processes. Root only; skipped when either package is already installed or a
// production datapath is pinned, so a real installation is never touched.
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tests/integration/harness/agent_process.h"
#include "tests/integration/harness/poll.h"
#include "tests/integration/harness/process.h"
#include "tests/integration/harness/reachability.h"
#include "tests/integration/harness/require_root.h"
#include "tests/integration/harness/state_file.h"
#include "tests/integration/harness/topology.h"

namespace sandnet::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
namespace fs = std::filesystem;

const std::vector<std::string> kPackages = {"sandnet-host", "sandnet-api"};

bool package_installed(const std::string& name) {
  auto r = run_command({"dpkg-query", "-W", "-f=${Status}", name});
  return r.ok() && r.output.find("install ok installed") != std::string::npos;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

std::string mac_for(const std::string& ip) {  // 02:00 + the IPv4 bytes, as the agent derives it
  unsigned a, b, c, d;
  std::sscanf(ip.c_str(), "%u.%u.%u.%u", &a, &b, &c, &d);
  return fmt::format("02:00:{:02x}:{:02x}:{:02x}:{:02x}", a, b, c, d);
}

// Purges the packages when the test ends, however it ends (also after a failed install).
struct PurgeOnExit {
  ~PurgeOnExit() {
    if (armed) run_command({"dpkg", "--purge", "sandnet-host", "sandnet-api"}, {.timeout = 120s});
  }
  bool armed = false;
};

class HostInstallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SANDNET_REQUIRE_ROOT();
    for (const auto& p : kPackages)
      if (package_installed(p)) GTEST_SKIP() << "SKIPPED: " << p << " is installed on this machine; not touching it";
    if (fs::exists("/sys/fs/bpf/sandnet")) GTEST_SKIP() << "SKIPPED: a sandnet datapath is pinned at /sys/fs/bpf/sandnet";
    if (fs::exists("/etc/sandnet")) GTEST_SKIP() << "SKIPPED: /etc/sandnet exists already";
    if (getpwnam("sandnet-api")) GTEST_SKIP() << "SKIPPED: a sandnet-api user exists already";
  }

  static std::string deb(const std::string& package) {
    return fmt::format("{}/{}_{}_amd64.deb", SANDNET_DEB_DIR, package, SANDNET_VERSION);
  }

  // dpkg -i both packages; checks what they put on the machine and remembers their files.
  void install() {
    purge_guard_.armed = true;
    auto installed = run_command({"dpkg", "-i", deb("sandnet-host"), deb("sandnet-api")}, {.timeout = 180s});
    ASSERT_TRUE(installed.ok()) << installed.output;
    for (const auto& p : kPackages)
      for (auto& f : lines_of(run_checked({"dpkg-query", "-L", p})))
        if (!fs::is_directory(f)) files_.push_back(f);
    for (const char* path : {"/usr/sbin/sandnet-agent", "/usr/bin/sandnetctl", "/usr/bin/sandnet-api",
                             "/usr/sbin/sandnet-api-admin", "/lib/systemd/system/sandnet-agent.service",
                             "/lib/systemd/system/sandnet-api.service", "/etc/sandnet/agent.json",
                             "/etc/sandnet/agent.env", "/etc/sandnet/api.json",
                             "/usr/share/bash-completion/completions/sandnetctl"})
      EXPECT_TRUE(fs::exists(path)) << path;
    const auto conffiles = run_checked({"dpkg-query", "-W", "-f=${Conffiles}\\n", "sandnet-host", "sandnet-api"});
    for (const char* path : {"/etc/sandnet/agent.json", "/etc/sandnet/agent.env", "/etc/sandnet/api.json"})
      EXPECT_NE(conffiles.find(path), std::string::npos) << path << " is not a conffile";
    struct passwd* user = getpwnam("sandnet-api");
    ASSERT_NE(user, nullptr) << "postinst did not create the sandnet-api system user";
    struct stat state_dir {};
    ASSERT_EQ(stat("/var/lib/sandnet-api", &state_dir), 0);
    EXPECT_EQ(state_dir.st_uid, user->pw_uid);
  }

  // The API as its unit runs it (User=sandnet-api, the shipped config, so 127.0.0.1:8080),
  // in the test's host namespace, whose loopback is private to the test.
  std::unique_ptr<ChildProcess> start_api(const Topology& topo) {
    api_log_ = topo.scratch_dir() + "/api.log";
    auto api = std::make_unique<ChildProcess>(
        std::vector<std::string>{"setpriv", "--reuid=sandnet-api", "--regid=sandnet-api", "--init-groups", "--",
                                 "/usr/bin/sandnet-api", "serve", "--config", "/etc/sandnet/api.json"},
        topo.host_netns(), api_log_);
    EXPECT_TRUE(eventually(20s, 100ms, [&] {
      return read_text_file(api_log_).find("listening on http://127.0.0.1:8080") != std::string::npos;
    })) << read_text_file(api_log_);
    user_key_ = lines_of(run_checked({"sandnet-api-admin", "users", "create", "alice"})).back();
    return api;
  }

  // The packaged sandnetctl, in the test namespace, answering JSON.
  json ctl(const Topology& topo, std::vector<std::string> args) {
    args.insert(args.begin(), "/usr/bin/sandnetctl");
    args.insert(args.end(), {"--api-url", "http://127.0.0.1:8080", "--api-key", user_key_, "-o", "json"});
    return json::parse(run_checked(args, {.netns = topo.host_netns()}));
  }

  // backend = {A: brave-otter, B: clever-fox}; C: calm-heron in no network. Each sandbox's
  // guest gets the address the API gave it (and the MAC derived from it).
  void make_sandboxes(Topology& topo) {
    network_id_ = ctl(topo, {"network", "create", "backend"})["id"].get<std::string>();
    const std::vector<std::vector<std::string>> creates = {
        {"sandbox", "create", "brave-otter", "--network", "backend"},
        {"sandbox", "create", "clever-fox", "--network", "backend"},
        {"sandbox", "create", "calm-heron"}};
    for (size_t i = 0; i < creates.size(); ++i) {
      json record = ctl(topo, creates[i]);
      Sandbox& sb = topo.add_sandbox(std::string(1, static_cast<char>('A' + i)));
      sb.sandbox_id = record["id"].get<std::string>();
      sb.ip = record["ip"].get<std::string>();
      sb.mac = mac_for(sb.ip);
      run_checked({"ip", "-n", sb.netns, "addr", "flush", "dev", sb.guest_if});
      run_checked({"ip", "-n", sb.netns, "link", "set", sb.guest_if, "address", sb.mac});
      run_checked({"ip", "-n", sb.netns, "addr", "add", sb.ip + "/16", "dev", sb.guest_if});
    }
  }

  static void expect_backend_matrix(const Topology& topo, const std::string& agent_log) {
    auto mismatches = matrix_mismatches(topo, [](const Sandbox& from, const Sandbox& to) {
      return from.label != "C" && to.label != "C";
    });
    EXPECT_TRUE(mismatches.empty()) << describe_mismatches(mismatches) << agent_log;
  }

  void stop_api(ChildProcess& api) {
    api.send_signal(SIGTERM);
    EXPECT_TRUE(api.wait_exit(20s).has_value()) << read_text_file(api_log_);
  }

  // dpkg --purge both; nothing of theirs may remain.
  void purge_and_check() {
    auto purged = run_command({"dpkg", "--purge", "sandnet-host", "sandnet-api"}, {.timeout = 120s});
    ASSERT_TRUE(purged.ok()) << purged.output;
    purge_guard_.armed = false;
    for (const auto& p : kPackages) EXPECT_FALSE(package_installed(p)) << p;
    for (const auto& f : files_) EXPECT_FALSE(fs::exists(f)) << "left behind: " << f;
    for (const char* path : {"/etc/sandnet", "/var/lib/sandnet-api", "/var/lib/sandnet", "/sys/fs/bpf/sandnet"})
      EXPECT_FALSE(fs::exists(path)) << "left behind: " << path;
    EXPECT_EQ(getpwnam("sandnet-api"), nullptr) << "system user left behind";
    EXPECT_EQ(getgrnam("sandnet-api"), nullptr) << "system group left behind";
  }

  PurgeOnExit purge_guard_;
  std::vector<std::string> files_;
  std::string api_log_, user_key_, network_id_;
};

// Standalone mode: the packaged agent with the shipped agent.json follows a state file made
// from the API's records.
TEST_F(HostInstallTest, StateFileAgentEnforcesTheApiNetworks) {
  ASSERT_NO_FATAL_FAILURE(install());
  {
    Topology topo;
    auto api = start_api(topo);
    ASSERT_NO_FATAL_FAILURE(make_sandboxes(topo));
    DesiredState state;
    for (const auto& sb : topo.sandboxes()) state.add_endpoint(*sb);
    state.set_network(network_id_, {&topo.sandbox("A"), &topo.sandbox("B")});

    AgentPaths paths = AgentProcess::paths_for(topo);  // pins under a per-test root
    paths.binary = "/usr/sbin/sandnet-agent";
    paths.extra_args = {"--config", "/etc/sandnet/agent.json"};
    AgentProcess agent(paths);
    const std::string sha = agent.write_state(state.to_json());
    agent.start();
    std::string why;
    ASSERT_TRUE(agent.wait_applied(sha, 30s, &why)) << why << "\n" << agent.log();
    expect_backend_matrix(topo, agent.log());

    // The packaged sandnetctl reads the packaged agent's pins.
    auto endpoints = run_command({"/usr/bin/sandnetctl", "dp", "endpoints", "--bpffs-root", paths.bpffs_root},
                                 {.netns = topo.host_netns()});
    EXPECT_TRUE(endpoints.ok()) << endpoints.output;
    EXPECT_NE(endpoints.output.find(topo.sandbox("A").ip), std::string::npos) << endpoints.output;
    EXPECT_TRUE(agent.stop());
    agent.purge();
    stop_api(*api);
  }
  purge_and_check();
}

// API mode with the shipped agent.env: a host token from the admin command, the agent follows
// the API's feed, the VM runtime's `sandnetctl plug` places each sandbox on its tap.
TEST_F(HostInstallTest, ApiModeAgentWithPlugEnforcesTheApiNetworks) {
  ASSERT_NO_FATAL_FAILURE(install());
  {
    Topology topo;
    auto api = start_api(topo);
    ASSERT_NO_FATAL_FAILURE(make_sandboxes(topo));

    // agent.env's SANDNET_AGENT_ARGS names the API URL, the host id and the token file.
    const std::string env = read_text_file("/etc/sandnet/agent.env");
    std::string args_line;
    for (const auto& line : lines_of(env))
      if (line.rfind("SANDNET_AGENT_ARGS=\"", 0) == 0) args_line = line.substr(20, line.size() - 21);
    std::vector<std::string> shipped_args;
    std::istringstream words(args_line);
    for (std::string w; words >> w;) shipped_args.push_back(w);
    auto host_id = std::find(shipped_args.begin(), shipped_args.end(), "--host-id");
    ASSERT_TRUE(host_id != shipped_args.end() && host_id + 1 != shipped_args.end()) << env;
    const std::string token = lines_of(run_checked({"sandnet-api-admin", "hosts", "create", *(host_id + 1)})).back();
    { std::ofstream("/etc/sandnet/host-token") << token << "\n"; }
    ::chmod("/etc/sandnet/host-token", 0600);

    // What the unit runs, with the pins, run and state dirs moved under the test's scratch dir.
    const std::string bpffs_root = "/sys/fs/bpf/sandnet-test-" + topo.prefix();
    const std::string run_dir = topo.scratch_dir() + "/agent-run", state_dir = topo.scratch_dir() + "/agent-state";
    std::vector<std::string> argv{"/usr/sbin/sandnet-agent", "--config", "/etc/sandnet/agent.json"};
    argv.insert(argv.end(), shipped_args.begin(), shipped_args.end());
    argv.insert(argv.end(), {"--bpffs-root", bpffs_root, "--run-dir", run_dir, "--state-dir", state_dir});
    fs::create_directories(run_dir);
    const std::string agent_log = topo.scratch_dir() + "/agent.log";
    {
      ChildProcess agent(argv, topo.host_netns(), agent_log);
      ASSERT_TRUE(eventually(30s, 100ms, [&] { return fs::exists(run_dir + "/agent.sock"); }))
          << read_text_file(agent_log);
      for (const auto& sb : topo.sandboxes()) {
        auto plugged = run_command({"/usr/bin/sandnetctl", "plug", "--sandbox", sb->sandbox_id, "--tap", sb->tap,
                                    "--mac", sb->mac, "--run-dir", run_dir},
                                   {.netns = topo.host_netns()});
        ASSERT_TRUE(plugged.ok()) << plugged.output << read_text_file(agent_log);
      }
      // Every member running and applied on its host, as the API reports it.
      ASSERT_TRUE(eventually(30s, 200ms, [&] {
        json net = ctl(topo, {"network", "inspect", "backend"});
        for (const auto& m : net["members"])
          if (m.value("status", "") != "running" || !m.value("applied", false)) return false;
        return net["members"].size() == 2;
      })) << ctl(topo, {"network", "inspect", "backend"}).dump() << read_text_file(agent_log);
      expect_backend_matrix(topo, read_text_file(agent_log));
      agent.send_signal(SIGTERM);
      EXPECT_TRUE(agent.wait_exit(20s).has_value()) << read_text_file(agent_log);
    }
    run_command({"/usr/sbin/sandnet-agent", "purge", "--bpffs-root", bpffs_root});
    EXPECT_FALSE(fs::exists(bpffs_root));
    stop_api(*api);
  }
  purge_and_check();
}

}  // namespace
}  // namespace sandnet::testing
