// sandnetctl network|sandbox driven end to end: real binary, real sandnet-api on loopback,
// real SQLite file. Covers the seed scenario, output formats, settings sources and errors.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/api/api_process.h"
#include "tests/cli/ctl_process.h"

namespace sandnet::test {
namespace {

using nlohmann::json;

class CliUserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = create_user(dir_.file("api.db"), "alice");
    server_ = std::make_unique<ApiProcess>(dir_.file("api.db"));
    env_ = {{"SANDNET_API_URL", server_->url()}, {"SANDNET_API_KEY", key_}, {"HOME", dir_.path()}};
  }

  CtlResult ctl(const std::vector<std::string>& args) { return run_sandnetctl(args, env_); }
  // Runs a command that must succeed and answers JSON (-o json appended).
  json ctl_json(std::vector<std::string> args) {
    args.insert(args.end(), {"-o", "json"});
    auto r = ctl(args);
    EXPECT_EQ(r.exit_status, 0) << r.err;
    return json::parse(r.out);
  }

  TempDir dir_;
  std::string key_;
  std::unique_ptr<ApiProcess> server_;
  std::map<std::string, std::string> env_;
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST_F(CliUserTest, SeedScenarioThroughTheCli) {
  auto r = ctl({"network", "create", "backend"});
  ASSERT_EQ(r.exit_status, 0) << r.err;
  const std::string net_id = r.out.substr(0, r.out.find('\n'));
  EXPECT_EQ(net_id.rfind("net-", 0), 0u) << r.out;

  auto otter = ctl_json({"sandbox", "create", "brave-otter", "--network", "backend"});
  EXPECT_EQ(otter["name"], "brave-otter");
  ASSERT_EQ(otter["networks"].size(), 1u);
  EXPECT_EQ(otter["networks"][0]["id"], net_id);

  r = ctl({"sandbox", "create", "clever-fox"});
  ASSERT_EQ(r.exit_status, 0) << r.err;
  EXPECT_EQ(r.out.rfind("sb_", 0), 0u) << r.out;
  r = ctl({"network", "connect", "backend", "clever-fox"});
  ASSERT_EQ(r.exit_status, 0) << r.err;
  EXPECT_EQ(r.out, "clever-fox connected to backend\n");

  auto network = ctl_json({"network", "inspect", "backend"});
  EXPECT_EQ(network["id"], net_id);
  EXPECT_EQ(network["member_count"], 2);
  ASSERT_EQ(network["members"].size(), 2u);
  EXPECT_EQ(network["members"][0]["name"], "brave-otter");
  EXPECT_EQ(network["members"][1]["name"], "clever-fox");
  EXPECT_NE(network["members"][0]["ip"], network["members"][1]["ip"]);

  r = ctl({"network", "inspect", net_id});  // by id, table form lists both members
  ASSERT_EQ(r.exit_status, 0) << r.err;
  EXPECT_NE(r.out.find("brave-otter"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(network["members"][1]["ip"].get<std::string>()), std::string::npos) << r.out;

  auto sandboxes = ctl_json({"sandbox", "ls"});
  ASSERT_EQ(sandboxes.size(), 2u);
  EXPECT_EQ(ctl_json({"sandbox", "inspect", "clever-fox"})["networks"][0]["name"], "backend");

  // The API refuses to delete a network with members: 409 → exit 5 with its message.
  r = ctl({"network", "rm", "backend"});
  EXPECT_EQ(r.exit_status, 5);
  EXPECT_NE(r.err.find("network_has_members"), std::string::npos) << r.err;

  r = ctl({"network", "disconnect", "backend", "clever-fox"});
  ASSERT_EQ(r.exit_status, 0) << r.err;
  r = ctl({"sandbox", "rm", "brave-otter"});
  ASSERT_EQ(r.exit_status, 0) << r.err;
  EXPECT_EQ(ctl_json({"network", "inspect", "backend"})["member_count"], 0);
  r = ctl({"network", "rm", "backend"});
  ASSERT_EQ(r.exit_status, 0) << r.err;
  EXPECT_EQ(r.out, "backend\n");
  EXPECT_TRUE(ctl_json({"network", "ls"}).empty());

  // Gone: 404 → exit 4.
  r = ctl({"network", "inspect", "backend"});
  EXPECT_EQ(r.exit_status, 4);
  EXPECT_NE(r.err.find("not_found"), std::string::npos) << r.err;
}

TEST_F(CliUserTest, TablesAreAlignedUnderTheirHeaders) {
  for (std::string name : {"a", "backend", "a-much-longer-network-name"})
    ASSERT_EQ(ctl({"network", "create", name}).exit_status, 0);
  ASSERT_EQ(ctl({"sandbox", "create", "brave-otter", "--network", "a", "--network", "backend"}).exit_status, 0);
  auto r = ctl({"network", "ls"});
  ASSERT_EQ(r.exit_status, 0) << r.err;
  auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 4u) << r.out;
  const size_t name_col = lines[0].find("NAME"), members_col = lines[0].find("MEMBERS");
  ASSERT_NE(members_col, std::string::npos);
  EXPECT_EQ(lines[1].substr(name_col, 2), "a ");
  EXPECT_EQ(lines[2].substr(name_col, 8), "backend ");
  EXPECT_EQ(lines[3].substr(name_col, 26), "a-much-longer-network-name");
  EXPECT_EQ(lines[1].substr(members_col, 2), "1 ");
  EXPECT_EQ(lines[3].substr(members_col, 2), "0 ");
  for (const auto& line : lines) EXPECT_NE(line.back(), ' ') << "trailing blank: " << line;

  r = ctl({"sandbox", "ls"});
  EXPECT_NE(r.out.find("a,backend"), std::string::npos) << r.out;
}

TEST_F(CliUserTest, SettingsComeFromFlagsThenEnvironmentThenConfigFile) {
  // Config file in $HOME/.config/sandnet/config, no environment.
  ::mkdir(dir_.file(".config").c_str(), 0700);
  ::mkdir(dir_.file(".config/sandnet").c_str(), 0700);
  std::ofstream(dir_.file(".config/sandnet/config"))
      << json{{"api_url", server_->url()}, {"api_key", key_}}.dump();
  auto r = run_sandnetctl({"network", "ls"}, {{"HOME", dir_.path()}});
  EXPECT_EQ(r.exit_status, 0) << r.err;

  // The environment wins over the file: a wrong key in SANDNET_API_KEY is used (401 → 3).
  r = run_sandnetctl({"network", "ls"}, {{"HOME", dir_.path()}, {"SANDNET_API_KEY", "sk_wrong"}});
  EXPECT_EQ(r.exit_status, 3) << r.err;
  EXPECT_NE(r.err.find("unauthorized"), std::string::npos) << r.err;

  // A flag wins over the environment.
  r = run_sandnetctl({"network", "ls", "--api-key", key_}, {{"HOME", dir_.path()}, {"SANDNET_API_KEY", "sk_wrong"}});
  EXPECT_EQ(r.exit_status, 0) << r.err;

  // --config names the only file read; a malformed one is an error naming it.
  std::ofstream(dir_.file("bad.json")) << R"({"api_url": 5})";
  r = run_sandnetctl({"network", "ls", "--config", dir_.file("bad.json")}, {{"HOME", dir_.path()}});
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_NE(r.err.find("bad.json"), std::string::npos) << r.err;

  // Nothing anywhere: a clear message.
  r = run_sandnetctl({"sandbox", "ls"}, {{"HOME", dir_.file("nowhere")}});
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_NE(r.err.find("no API URL"), std::string::npos) << r.err;
}

TEST_F(CliUserTest, ErrorsCarryTheApiMessageAndAnExitStatus) {
  auto r = ctl({"network", "create", "Not_A_Label"});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_NE(r.err.find("invalid_name"), std::string::npos) << r.err;
  ASSERT_EQ(ctl({"network", "create", "backend"}).exit_status, 0);
  r = ctl({"network", "create", "backend"});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_NE(r.err.find("name_taken"), std::string::npos) << r.err;

  r = ctl({"sandbox", "create", "fox", "--network", "missing"});
  EXPECT_EQ(r.exit_status, 4);

  // Hostile references are escaped into the path, never change the route.
  r = ctl({"network", "inspect", "../sandboxes"});
  EXPECT_EQ(r.exit_status, 4) << r.out;

  // No server at all.
  r = run_sandnetctl({"network", "ls", "--api-url", "http://127.0.0.1:1", "--api-key", key_}, {});
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_NE(r.err.find("cannot reach"), std::string::npos) << r.err;

  r = ctl({"network", "ls", "-o", "yaml"});  // CLI11 rejects it before any request
  EXPECT_NE(r.exit_status, 0);
}

}  // namespace
}  // namespace sandnet::test
