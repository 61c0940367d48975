// Every seed endpoint's success shape, over real HTTP against the real binary.
#include <regex>

#include "tests/api/api_fixture.h"

namespace sandnet::test {
namespace {

using nlohmann::json;

const std::regex kRfc3339Utc(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)");
const std::regex kNetId("net-[0-9A-HJKMNP-TV-Z]{26}");
const std::regex kSbId("sb_[0-9A-HJKMNP-TV-Z]{26}");

void expect_network_shape(const json& n, const std::string& name, int members) {
  ASSERT_TRUE(n.is_object()) << n;
  EXPECT_TRUE(std::regex_match(n["id"].get<std::string>(), kNetId)) << n;
  EXPECT_EQ(n["name"], name);
  EXPECT_TRUE(std::regex_match(n["created_at"].get<std::string>(), kRfc3339Utc)) << n;
  EXPECT_EQ(n["member_count"], members);
}

class EndpointsTest : public ApiTest {};

TEST_F(EndpointsTest, ListNetworksEmpty) {
  Response r = alice().get("/v1/networks");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, json::parse(R"({"status":"success","data":{"data":[],
      "pagination":{"total":0,"limit":50,"offset":0,"count":0}}})"));
}

TEST_F(EndpointsTest, CreateNetworkShape) {
  Response r = alice().post("/v1/networks", R"({"name": "backend"})");
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["status"], "success");
  EXPECT_EQ(r.body["data"].size(), 4u) << r.raw;  // id, name, created_at, member_count
  expect_network_shape(r.body["data"], "backend", 0);
  EXPECT_NE(r.headers.find("Content-Type")->second.find("application/json"), std::string::npos);
}

TEST_F(EndpointsTest, ListNetworksShowsCreatedWithMemberCount) {
  json net = make_network(alice(), "backend");
  make_sandbox(alice(), "brave-otter", {"backend"});
  make_sandbox(alice(), "clever-fox", {net["id"]});
  Response r = alice().get("/v1/networks");
  ASSERT_EQ(r.status, 200);
  ASSERT_EQ(r.body["data"]["data"].size(), 1u);
  expect_network_shape(r.body["data"]["data"][0], "backend", 2);
  EXPECT_EQ(r.body["data"]["pagination"],
            json::parse(R"({"total":1,"limit":50,"offset":0,"count":1})"));
}

TEST_F(EndpointsTest, GetNetworkByNameAndIdWithMembers) {
  json net = make_network(alice(), "backend");
  json a = make_sandbox(alice(), "brave-otter", {"backend"});
  json b = make_sandbox(alice(), "clever-fox", {"backend"});
  for (std::string ref : {std::string("backend"), net["id"].get<std::string>()}) {
    Response r = alice().get("/v1/networks/" + ref);
    ASSERT_EQ(r.status, 200) << r.raw;
    const json& d = r.body["data"];
    expect_network_shape(d, "backend", 2);
    EXPECT_EQ(d["id"], net["id"]);
    ASSERT_EQ(d["members"].size(), 2u);
    EXPECT_EQ(d["members"][0], (json{{"sandbox_id", a["id"]}, {"name", "brave-otter"},
                                     {"status", "pending"}, {"ip", a["ip"]},
                                     {"applied", false}}));  // not placed on a host yet
    EXPECT_EQ(d["members"][1]["sandbox_id"], b["id"]);
    EXPECT_EQ(d["members"][1]["name"], "clever-fox");
  }
}

TEST_F(EndpointsTest, DeleteEmptyNetwork) {
  json net = make_network(alice(), "backend");
  Response r = alice().del("/v1/networks/" + net["id"].get<std::string>());
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body, json::parse(R"({"status":"success","data":{"ok":true}})"));
  expect_fail(alice().get("/v1/networks/backend"), 404, "not_found");
  make_network(alice(), "backend");  // the name is free again
  EXPECT_EQ(alice().del("/v1/networks/backend").status, 200);
}

TEST_F(EndpointsTest, DeleteNetworkWithMembersIs409ListingThem) {
  make_network(alice(), "backend");
  json a = make_sandbox(alice(), "brave-otter", {"backend"});
  Response r = alice().del("/v1/networks/backend");
  expect_fail(r, 409, "network_has_members");
  ASSERT_EQ(r.body["data"]["members"].size(), 1u) << r.raw;
  EXPECT_EQ(r.body["data"]["members"][0]["sandbox_id"], a["id"]);
  EXPECT_EQ(r.body["data"]["members"][0]["name"], "brave-otter");
  // Detach, then delete succeeds.
  EXPECT_EQ(alice().del("/v1/sandboxes/" + a["id"].get<std::string>() + "/networks/backend")
                .status, 200);
  EXPECT_EQ(alice().del("/v1/networks/backend").status, 200);
}

TEST_F(EndpointsTest, AttachAndDetach) {
  json net = make_network(alice(), "backend");
  json sb = make_sandbox(alice(), "brave-otter");
  std::string sb_path = "/v1/sandboxes/" + sb["id"].get<std::string>();
  Response r = alice().post(sb_path + "/networks", R"({"id": "backend"})");
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body, json::parse(R"({"status":"success","data":{"ok":true}})"));
  // Attach twice is idempotent: 200 and still one member. By id this time.
  r = alice().post(sb_path + "/networks", json{{"id", net["id"]}}.dump());
  ASSERT_EQ(r.status, 200) << r.raw;
  Response g = alice().get("/v1/networks/backend");
  EXPECT_EQ(g.body["data"]["member_count"], 1);
  EXPECT_EQ(g.body["data"]["members"].size(), 1u);

  r = alice().del(sb_path + "/networks/" + net["id"].get<std::string>());
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body, json::parse(R"({"status":"success","data":{"ok":true}})"));
  EXPECT_EQ(alice().get("/v1/networks/backend").body["data"]["member_count"], 0);
  // Detaching again: the membership is gone.
  expect_fail(alice().del(sb_path + "/networks/backend"), 404, "not_found");
}

TEST_F(EndpointsTest, SandboxLifecycle) {
  make_network(alice(), "backend");
  make_network(alice(), "frontend");
  json sb = make_sandbox(alice(), "brave-otter", {"backend", "frontend"});
  EXPECT_TRUE(std::regex_match(sb["id"].get<std::string>(), kSbId)) << sb;
  EXPECT_EQ(sb["name"], "brave-otter");
  EXPECT_EQ(sb["status"], "pending");
  EXPECT_EQ(sb["ip"], "10.42.0.2");  // .0 network, .1 gateway
  EXPECT_TRUE(std::regex_match(sb["created_at"].get<std::string>(), kRfc3339Utc));
  ASSERT_EQ(sb["networks"].size(), 2u);
  EXPECT_EQ(sb["networks"][0]["name"], "backend");
  EXPECT_EQ(sb["networks"][1]["name"], "frontend");

  std::string id = sb["id"];
  Response by_id = alice().get("/v1/sandboxes/" + id);
  ASSERT_EQ(by_id.status, 200);
  EXPECT_EQ(by_id.body["data"], sb);
  EXPECT_EQ(alice().get("/v1/sandboxes/brave-otter").body["data"], sb);  // names work too

  Response list = alice().get("/v1/sandboxes");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.body["data"]["data"], json::array({sb}));
  EXPECT_EQ(list.body["data"]["pagination"]["total"], 1);

  json second = make_sandbox(alice(), "clever-fox");
  EXPECT_EQ(second["ip"], "10.42.0.3");
  EXPECT_EQ(second["networks"], json::array());

  // Delete detaches everywhere.
  Response d = alice().del("/v1/sandboxes/" + id);
  ASSERT_EQ(d.status, 200) << d.raw;
  EXPECT_EQ(d.body, json::parse(R"({"status":"success","data":{"ok":true}})"));
  EXPECT_EQ(alice().get("/v1/networks/backend").body["data"]["member_count"], 0);
  EXPECT_EQ(alice().get("/v1/networks/frontend").body["data"]["member_count"], 0);
  expect_fail(alice().get("/v1/sandboxes/" + id), 404, "not_found");
  EXPECT_EQ(alice().del("/v1/networks/backend").status, 200);
}

TEST_F(EndpointsTest, CreateSandboxIsAllOrNothing) {
  make_network(alice(), "backend");
  Response r = alice().post("/v1/sandboxes",
                            R"({"name":"brave-otter","networks":[{"id":"backend"},{"id":"nope"}]})");
  expect_fail(r, 404, "not_found");
  EXPECT_EQ(r.body["data"]["field"], "networks[1].id");
  EXPECT_EQ(alice().get("/v1/sandboxes").body["data"]["pagination"]["total"], 0);
  EXPECT_EQ(alice().get("/v1/networks/backend").body["data"]["member_count"], 0);
  // The failed create consumed no address.
  EXPECT_EQ(make_sandbox(alice(), "brave-otter")["ip"], "10.42.0.2");
}

TEST_F(EndpointsTest, HealthzAndMetrics) {
  Response h = anon().get("/healthz");
  ASSERT_EQ(h.status, 200);
  EXPECT_EQ(h.body["status"], "success");
  EXPECT_EQ(h.body["data"]["ok"], true);
  alice().get("/v1/networks");
  alice().get("/v1/networks/nope");
  Response m = anon().get("/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_NE(m.raw.find("sandnet_api_requests_total{route=\"/v1/networks\",method=\"GET\","
                       "code=\"200\"} 1"),
            std::string::npos)
      << m.raw;
  EXPECT_NE(m.raw.find("route=\"/v1/networks/{id}\",method=\"GET\",code=\"404\"} 1"),
            std::string::npos)
      << m.raw;
  EXPECT_NE(m.raw.find("sandnet_api_request_duration_seconds_bucket{route=\"/v1/networks\","
                       "method=\"GET\",le=\"+Inf\"} 1"),
            std::string::npos)
      << m.raw;
  EXPECT_NE(m.raw.find("# TYPE sandnet_api_request_duration_seconds histogram"),
            std::string::npos);
}

TEST_F(EndpointsTest, IdempotencyKeyReplaysAndRejectsDifferentBody) {
  httplib::Headers key{{"Idempotency-Key", "create-backend-1"}};
  Response first = alice().post("/v1/networks", R"({"name":"backend"})", key);
  ASSERT_EQ(first.status, 200);
  // Same request (whitespace differs) -> same answer, same id, nothing new created.
  Response again = alice().post("/v1/networks", R"({ "name" : "backend" })", key);
  ASSERT_EQ(again.status, 200) << again.raw;
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.headers.find("Idempotent-Replayed")->second, "true");
  EXPECT_EQ(alice().get("/v1/networks").body["data"]["pagination"]["total"], 1);
  // Same key, different body -> 422.
  expect_fail(alice().post("/v1/networks", R"({"name":"other"})", key), 422,
              "idempotency_key_reused");
  // Keys are per user: bob's identical key is independent.
  EXPECT_EQ(bob().post("/v1/networks", R"({"name":"backend"})", key).status, 200);

  // Sandbox create and attach honour it too.
  httplib::Headers sk{{"Idempotency-Key", "sb-1"}};
  Response s1 = alice().post("/v1/sandboxes", R"({"name":"brave-otter"})", sk);
  Response s2 = alice().post("/v1/sandboxes", R"({"name":"brave-otter"})", sk);
  ASSERT_EQ(s1.status, 200);
  EXPECT_EQ(s1.body, s2.body);
  std::string attach = "/v1/sandboxes/" + s1.body["data"]["id"].get<std::string>() + "/networks";
  httplib::Headers ak{{"Idempotency-Key", "attach-1"}};
  EXPECT_EQ(alice().post(attach, R"({"id":"backend"})", ak).status, 200);
  EXPECT_EQ(alice().post(attach, R"({"id":"backend"})", ak).status, 200);
  expect_fail(alice().post(attach, R"({"id":"elsewhere"})", ak), 422, "idempotency_key_reused");
  // A failed request stores nothing: the key can be used once the request is valid.
  httplib::Headers fk{{"Idempotency-Key", "fail-then-ok"}};
  expect_fail(alice().post(attach, R"({"id":"later"})", fk), 404, "not_found");
  make_network(alice(), "later");
  EXPECT_EQ(alice().post(attach, R"({"id":"later"})", fk).status, 200);
}

TEST_F(EndpointsTest, NamesAreScopedPerUser) {
  make_network(alice(), "backend");
  make_network(bob(), "backend");
  make_sandbox(alice(), "brave-otter");
  make_sandbox(bob(), "brave-otter");
  EXPECT_EQ(alice().get("/v1/networks").body["data"]["pagination"]["total"], 1);
  EXPECT_EQ(bob().get("/v1/sandboxes").body["data"]["pagination"]["total"], 1);
}

}  // namespace
}  // namespace sandnet::test
