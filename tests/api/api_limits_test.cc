// Datapath limits enforced by the API on every path that could exceed them (create with
// networks, attach, network and sandbox creation), so an agent never receives a state it
// must refuse. Defaults equal the agent's; small values come from the config file.
#include <fstream>
#include <functional>

#include "tests/api/api_fixture.h"

namespace sandnet::test {
namespace {

using nlohmann::json;

class LimitsTest : public ApiTest {
 protected:
  // Restarts the server with these limits in its config file.
  void restart_with(const json& limits) { restart_with_config(limits); }

  Response attach(Api& api, const std::string& sandbox, const std::string& net) {
    return api.post("/v1/sandboxes/" + sandbox + "/networks", json{{"id", net}}.dump());
  }

  json get(Api& api, const std::string& path) {
    Response r = api.get(path);
    EXPECT_EQ(r.status, 200) << r.raw;
    return r.body["data"];
  }

  static void expect_message_names(const Response& r, const std::string& what) {
    EXPECT_NE(r.body["data"].value("message", "").find(what), std::string::npos) << r.raw;
  }
};

// The agent's layout holds 64 networks per sandbox; a 65th attach used to be accepted and
// then refused by the agent for the whole host.
TEST_F(LimitsTest, AttachBeyondTheDatapathsNetworksPerSandboxIs400) {
  std::vector<std::string> nets;
  for (int i = 0; i < 65; ++i) nets.push_back(make_network(alice(), "n" + std::to_string(i))["name"]);
  std::vector<std::string> first64(nets.begin(), nets.begin() + 64);
  std::string id = make_sandbox(alice(), "brave-otter", first64)["id"];
  ASSERT_EQ(get(alice(), "/v1/sandboxes/" + id)["networks"].size(), 64u);

  Response r = attach(alice(), id, "n64");
  expect_fail(r, 400, "too_many_networks");
  expect_message_names(r, "64");
  EXPECT_EQ(r.body["data"]["limit"], 64) << r.raw;
  // Nothing changed.
  EXPECT_EQ(get(alice(), "/v1/sandboxes/" + id)["networks"].size(), 64u);
  EXPECT_EQ(get(alice(), "/v1/networks/n64")["member_count"], 0);
  // Re-attaching an existing membership changes nothing, so it is still fine at the limit.
  EXPECT_EQ(attach(alice(), id, "n0").status, 200);
  // After a detach there is room again.
  ASSERT_EQ(alice().del("/v1/sandboxes/" + id + "/networks/n0").status, 200);
  EXPECT_EQ(attach(alice(), id, "n64").status, 200);
}

TEST_F(LimitsTest, ConfiguredNetworksPerSandboxOnCreateAndAttach) {
  restart_with({{"max_networks_per_sandbox", 2}});
  for (const char* n : {"a", "b", "c"}) make_network(alice(), n);
  Response c = alice().post(
      "/v1/sandboxes",
      json{{"name", "brave-otter"}, {"networks", {{{"id", "a"}}, {{"id", "b"}}, {{"id", "c"}}}}}
          .dump());
  expect_fail(c, 400, "too_many_networks");
  expect_message_names(c, "max_networks_per_sandbox");
  EXPECT_EQ(get(alice(), "/v1/sandboxes")["pagination"]["total"], 0);  // nothing created
  std::string net_a_id = get(alice(), "/v1/networks/a")["id"];
  // The same network named twice (by name and by id) counts once.
  Response same = alice().post(
      "/v1/sandboxes", json{{"name", "brave-otter"},
                            {"networks", {{{"id", "a"}}, {{"id", net_a_id}}, {{"id", "b"}}}}}
                           .dump());
  ASSERT_EQ(same.status, 200) << same.raw;
  std::string id = same.body["data"]["id"];
  expect_fail(attach(alice(), id, "c"), 400, "too_many_networks");
  EXPECT_EQ(get(alice(), "/v1/networks/c")["member_count"], 0);
}

TEST_F(LimitsTest, ConfiguredMembersPerNetwork) {
  restart_with({{"max_members_per_network", 2}});
  make_network(alice(), "backend");
  make_network(alice(), "other");
  std::string a = make_sandbox(alice(), "a", {"backend"})["id"];
  std::string b = make_sandbox(alice(), "b")["id"];
  std::string c = make_sandbox(alice(), "c", {"other"})["id"];
  ASSERT_EQ(attach(alice(), b, "backend").status, 200);
  Response r = attach(alice(), c, "backend");
  expect_fail(r, 400, "network_full");
  expect_message_names(r, "max_members_per_network");
  Response create = alice().post(
      "/v1/sandboxes", json{{"name", "d"}, {"networks", {{{"id", "backend"}}}}}.dump());
  expect_fail(create, 400, "network_full");
  EXPECT_EQ(create.body["data"]["field"], "networks[0].id") << create.raw;
  EXPECT_EQ(get(alice(), "/v1/networks/backend")["member_count"], 2);
  EXPECT_EQ(get(alice(), "/v1/sandboxes")["pagination"]["total"], 3);
  EXPECT_EQ(get(alice(), "/v1/sandboxes/" + c)["networks"].size(), 1u);
  EXPECT_EQ(attach(alice(), a, "backend").status, 200);  // already a member: no change
}

// Each tenant limit: the tenant's next object is refused, another tenant's is not, and
// deleting one makes room. `make` creates one object of the kind, answering its status.
class TenantLimitTest : public LimitsTest {
 protected:
  void expect_tenant_limit(const std::string& key, const std::string& code,
                           const std::string& list,
                           const std::function<Response(Api&, const std::string&)>& make) {
    restart_with({{key, 2}});
    ASSERT_EQ(make(alice(), "a").status, 200);
    ASSERT_EQ(make(alice(), "b").status, 200);
    Response r = make(alice(), "c");
    expect_fail(r, 400, code);
    expect_message_names(r, key);
    EXPECT_EQ(get(alice(), list)["pagination"]["total"], 2);
    EXPECT_EQ(make(bob(), "c").status, 200);  // per tenant: bob has his own allowance
    ASSERT_EQ(alice().del(list + "/a").status, 200);
    EXPECT_EQ(make(alice(), "c").status, 200);
  }

  static Response post_named(Api& api, const std::string& path, const std::string& name) {
    return api.post(path, json{{"name", name}}.dump());
  }
};

TEST_F(TenantLimitTest, ConfiguredNetworksPerTenant) {
  expect_tenant_limit("max_networks_per_tenant", "tenant_network_limit", "/v1/networks",
                      [](Api& api, const std::string& n) {
                        return post_named(api, "/v1/networks", n);
                      });
}

TEST_F(TenantLimitTest, ConfiguredSandboxesPerTenant) {
  expect_tenant_limit("max_sandboxes_per_tenant", "tenant_sandbox_limit", "/v1/sandboxes",
                      [](Api& api, const std::string& n) {
                        return post_named(api, "/v1/sandboxes", n);
                      });
}

TEST_F(LimitsTest, LimitsBeyondTheDatapathAreRefusedAtStart) {
  server_->terminate();
  for (const char* text :
       {R"({"max_networks_per_sandbox": 65})", R"({"max_networks_per_sandbox": 0})",
        R"({"max_members_per_network": 0})", R"({"max_networks_per_tenant": "10"})",
        R"({"max_sandboxes_per_tenant": -1})"}) {
    std::string config = dir_.file("bad-limits.json");
    std::ofstream(config) << text;
    int code = 0;
    run_cli({"serve", "--listen", "127.0.0.1:0", "--db", db_, "--config", config}, &code);
    EXPECT_NE(code, 0) << text;
  }
}

}  // namespace
}  // namespace sandnet::test
