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

// Purges the packages when the test ends, however it ends.
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
    if (getpwnam("sandnet-api")) GTEST_SKIP() << "SKIPPED: a sandnet-api user exists already";
    deb_dir_ = SANDNET_DEB_DIR;
  }
  std::string deb(const std::string& package) const {
    return fmt::format("{}/{}_{}_amd64.deb", deb_dir_, package, SANDNET_VERSION);
  }
  std::string deb_dir_;
};

TEST_F(HostInstallTest, InstallRunPlugReachPurge) {
  PurgeOnExit purge_guard;
  purge_guard.armed = true;
  auto installed = run_command({"dpkg", "-i", deb("sandnet-host"), deb("sandnet-api")}, {.timeout = 180s});
  ASSERT_TRUE(installed.ok()) << installed.output;

  // What the packages put on the machine.
  std::vector<std::string> files;
  for (const auto& p : kPackages)
    for (auto& f : lines_of(run_checked({"dpkg-query", "-L", p})))
      if (!fs::is_directory(f)) files.push_back(f);
  for (const char* path : {"/usr/sbin/sandnet-agent", "/usr/bin/sandnetctl", "/usr/bin/sandnet-api",
                           "/usr/sbin/sandnet-api-admin", "/lib/systemd/system/sandnet-agent.service",
                           "/lib/systemd/system/sandnet-api.service", "/etc/sandnet/agent.json",
                           "/etc/sandnet/agent.env", "/etc/sandnet/api.json",
                           "/usr/share/bash-completion/completions/sandnetctl"})
    EXPECT_TRUE(fs::exists(path)) << path;
  EXPECT_NE(run_checked({"dpkg-query", "-W", "-f=${Conffiles}", "sandnet-host"}).find("/etc/sandnet/agent.json"),
            std::string::npos);
  struct passwd* user = getpwnam("sandnet-api");
  ASSERT_NE(user, nullptr) << "postinst did not create the sandnet-api system user";
  struct stat state_dir {};
  ASSERT_EQ(stat("/var/lib/sandnet-api", &state_dir), 0);
  EXPECT_EQ(state_dir.st_uid, user->pw_uid);

  {
    Topology topo;
    // The API as its unit runs it (User=sandnet-api, the shipped config), only on a free port
    // of the test namespace's loopback instead of 8080.
    const std::string api_log = topo.scratch_dir() + "/api.log";
    ChildProcess api({"setpriv", "--reuid=sandnet-api", "--regid=sandnet-api", "--init-groups", "--",
                      "/usr/bin/sandnet-api", "serve", "--config", "/etc/sandnet/api.json", "--listen", "127.0.0.1:0"},
                     topo.host_netns(), api_log);
    std::string url;
    ASSERT_TRUE(eventually(20s, 100ms, [&] {
      auto log = read_text_file(api_log);
      auto at = log.find("listening on ");
      if (at == std::string::npos) return false;
      url = log.substr(at + 13, log.find('\n', at) - at - 13);
      return true;
    })) << read_text_file(api_log);

    const std::string key = run_checked({"sandnet-api-admin", "users", "create", "alice"});
    auto ctl = [&](std::vector<std::string> args) {
      args.insert(args.begin(), "/usr/bin/sandnetctl");
      args.insert(args.end(), {"--api-url", url, "--api-key", lines_of(key).back(), "-o", "json"});
      return json::parse(run_checked(args, {.netns = topo.host_netns()}));
    };
    json net = ctl({"network", "create", "backend"});
    std::vector<json> records;
    for (std::string name : {"brave-otter", "clever-fox"})
      records.push_back(ctl({"sandbox", "create", name, "--network", "backend"}));
    records.push_back(ctl({"sandbox", "create", "calm-heron"}));  // in no network

    // Guests get the API's addresses; taps are veths in the test namespace.
    std::vector<const Sandbox*> members;
    DesiredState state;
    for (size_t i = 0; i < records.size(); ++i) {
      Sandbox& sb = topo.add_sandbox(std::string(1, static_cast<char>('A' + i)));
      sb.sandbox_id = records[i]["id"].get<std::string>();
      sb.ip = records[i]["ip"].get<std::string>();
      sb.mac = mac_for(sb.ip);
      run_checked({"ip", "-n", sb.netns, "addr", "flush", "dev", sb.guest_if});
      run_checked({"ip", "-n", sb.netns, "link", "set", sb.guest_if, "address", sb.mac});
      run_checked({"ip", "-n", sb.netns, "addr", "add", sb.ip + "/16", "dev", sb.guest_if});
      state.add_endpoint(sb);
      if (i < 2) members.push_back(&sb);
    }
    state.set_network(net["id"].get<std::string>(), members);

    // The packaged agent with the shipped agent.json; pins under a per-test root.
    AgentPaths paths = AgentProcess::paths_for(topo);
    paths.binary = "/usr/sbin/sandnet-agent";
    paths.extra_args = {"--config", "/etc/sandnet/agent.json"};
    AgentProcess agent(paths);
    const std::string sha = agent.write_state(state.to_json());
    agent.start();
    std::string why;
    ASSERT_TRUE(agent.wait_applied(sha, 30s, &why)) << why << "\n" << agent.log();

    auto mismatches = matrix_mismatches(topo, [&](const Sandbox& from, const Sandbox& to) {
      return from.label != "C" && to.label != "C";
    });
    EXPECT_TRUE(mismatches.empty()) << describe_mismatches(mismatches) << agent.log();

    // The packaged sandnetctl reads the packaged agent's pins.
    auto endpoints = run_command({"/usr/bin/sandnetctl", "dp", "endpoints", "--bpffs-root", paths.bpffs_root},
                                 {.netns = topo.host_netns()});
    EXPECT_TRUE(endpoints.ok()) << endpoints.output;
    EXPECT_NE(endpoints.output.find(records[0]["ip"].get<std::string>()), std::string::npos) << endpoints.output;

    EXPECT_TRUE(agent.stop());
    agent.purge();
    api.send_signal(SIGTERM);
    EXPECT_TRUE(api.wait_exit(20s).has_value()) << read_text_file(api_log);
  }

  auto purged = run_command({"dpkg", "--purge", "sandnet-host", "sandnet-api"}, {.timeout = 120s});
  ASSERT_TRUE(purged.ok()) << purged.output;
  purge_guard.armed = false;
  for (const auto& p : kPackages) EXPECT_FALSE(package_installed(p)) << p;
  for (const auto& f : files) EXPECT_FALSE(fs::exists(f)) << "left behind: " << f;
  for (const char* path : {"/etc/sandnet", "/var/lib/sandnet-api", "/var/lib/sandnet", "/sys/fs/bpf/sandnet"})
    EXPECT_FALSE(fs::exists(path)) << "left behind: " << path;
  EXPECT_EQ(getpwnam("sandnet-api"), nullptr) << "system user left behind";
  EXPECT_EQ(getgrnam("sandnet-api"), nullptr) << "system group left behind";
}

}  // namespace
}  // namespace sandnet::testing
