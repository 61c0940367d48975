// Tenancy (another user's objects are indistinguishable from missing ones) and pagination.
#include <set>

#include "tests/api/api_fixture.h"

namespace sandnet::test {
namespace {

using nlohmann::json;

class TenancyTest : public ApiTest {};

// Bob probing alice's objects, by name and by id, gets exactly the 404 a missing object gets.
TEST_F(TenancyTest, OtherUsersObjectsAre404OnEveryEndpoint) {
  json net = make_network(alice(), "backend");
  json sb = make_sandbox(alice(), "brave-otter", {"backend"});
  json bob_sb = make_sandbox(bob(), "bobs-box");
  make_network(bob(), "bobs-net");
  std::string net_id = net["id"], sb_id = sb["id"], bob_sb_id = bob_sb["id"];
  Response missing = bob().get("/v1/networks/does-not-exist");
  expect_fail(missing, 404, "not_found");

  for (const std::string& ref : {std::string("backend"), net_id}) {
    Response r = bob().get("/v1/networks/" + ref);
    expect_fail(r, 404, "not_found");
    EXPECT_EQ(r.raw, missing.raw);
    expect_fail(bob().del("/v1/networks/" + ref), 404, "not_found");
    // Bob's own sandbox into alice's network.
    expect_fail(bob().post("/v1/sandboxes/" + bob_sb_id + "/networks", json{{"id", ref}}.dump()),
                404, "not_found");
    expect_fail(bob().post("/v1/sandboxes", json{{"name", "sneaky"},
                                                 {"networks", {{{"id", ref}}}}}.dump()),
                404, "not_found");
  }
  for (const std::string& ref : {std::string("brave-otter"), sb_id}) {
    Response r = bob().get("/v1/sandboxes/" + ref);
    expect_fail(r, 404, "not_found");
    expect_fail(bob().del("/v1/sandboxes/" + ref), 404, "not_found");
    // Alice's sandbox into bob's own network, and detaching alice's membership.
    expect_fail(bob().post("/v1/sandboxes/" + ref + "/networks", R"({"id":"bobs-net"})"), 404,
                "not_found");
    expect_fail(bob().del("/v1/sandboxes/" + ref + "/networks/" + net_id), 404, "not_found");
    expect_fail(bob().del("/v1/sandboxes/" + ref + "/networks/backend"), 404, "not_found");
  }
  // Lists show only one's own objects.
  Response nets = bob().get("/v1/networks");
  ASSERT_EQ(nets.body["data"]["data"].size(), 1u);
  EXPECT_EQ(nets.body["data"]["data"][0]["name"], "bobs-net");
  Response sbs = bob().get("/v1/sandboxes");
  ASSERT_EQ(sbs.body["data"]["data"].size(), 1u);
  EXPECT_EQ(sbs.body["data"]["data"][0]["name"], "bobs-box");
  // And nothing of alice's changed.
  Response g = alice().get("/v1/networks/backend");
  EXPECT_EQ(g.body["data"]["member_count"], 1);
  EXPECT_EQ(g.body["data"]["members"][0]["sandbox_id"], sb_id);
  EXPECT_EQ(alice().get("/v1/sandboxes/" + sb_id).status, 200);
}

class PaginationTest : public ApiTest {};

std::vector<std::string> collect_ids(Api& api, const std::string& route, int limit, int total) {
  std::vector<std::string> ids;
  for (int offset = 0; offset < total + limit; offset += limit) {
    Response r = api.get(route + "?limit=" + std::to_string(limit) +
                         "&offset=" + std::to_string(offset));
    EXPECT_EQ(r.status, 200) << r.raw;
    const json& p = r.body["data"]["pagination"];
    size_t expected = static_cast<size_t>(std::max(0, std::min(limit, total - offset)));
    EXPECT_EQ(p, (json{{"total", total}, {"limit", limit}, {"offset", offset},
                       {"count", expected}}));
    EXPECT_EQ(r.body["data"]["data"].size(), expected);
    for (const json& item : r.body["data"]["data"]) ids.push_back(item["id"]);
  }
  return ids;
}

TEST_F(PaginationTest, PagesHaveNoGapsOrDuplicatesInCreationOrder) {
  constexpr int kCount = 23;
  std::vector<std::string> created_nets, created_sbs;
  for (int i = 0; i < kCount; ++i) {
    created_nets.push_back(make_network(alice(), "net" + std::to_string(i))["id"]);
    created_sbs.push_back(make_sandbox(alice(), "sb" + std::to_string(i))["id"]);
  }
  make_network(bob(), "noise");  // other tenants never appear in the count
  for (int limit : {1, 5, 7, 23, 50, 500}) {
    EXPECT_EQ(collect_ids(alice(), "/v1/networks", limit, kCount), created_nets) << limit;
    EXPECT_EQ(collect_ids(alice(), "/v1/sandboxes", limit, kCount), created_sbs) << limit;
  }
  // Default limit is 50; an offset beyond the end is an empty page, not an error.
  Response r = alice().get("/v1/networks?offset=100");
  EXPECT_EQ(r.body["data"]["pagination"],
            (json{{"total", kCount}, {"limit", 50}, {"offset", 100}, {"count", 0}}));
  // Stable: later creates append, earlier pages do not move.
  Response first_page = alice().get("/v1/networks?limit=10");
  make_network(alice(), "later");
  Response again = alice().get("/v1/networks?limit=10");
  EXPECT_EQ(first_page.body["data"]["data"], again.body["data"]["data"]);
  EXPECT_EQ(again.body["data"]["pagination"]["total"], kCount + 1);
}

}  // namespace
}  // namespace sandnet::test
