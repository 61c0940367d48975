// Every error the API answers, each as a JSend envelope with the right status and code.

#include "tests/api/api_fixture.h"
#include "tests/api/test_db.h"

namespace sandnet::test {
namespace {

using nlohmann::json;

class ErrorsTest : public ApiTest {};

TEST_F(ErrorsTest, MissingOrInvalidKeyIs401OnEveryTenantRoute) {
  Api wrong(server_->port(), "sk_0000000000000000_" + std::string(64, '0'));
  Api garbage(server_->port(), "not-a-key");
  // Right key id, wrong secret.
  Api forged(server_->port(), alice_key_.substr(0, alice_key_.size() - 1) +
                                  (alice_key_.back() == '0' ? "1" : "0"));
  for (Api* api : {&anon(), &wrong, &garbage, &forged}) {
    expect_fail(api->get("/v1/networks"), 401, "unauthorized");
    expect_fail(api->post("/v1/networks", R"({"name":"x"})"), 401, "unauthorized");
    expect_fail(api->get("/v1/networks/x"), 401, "unauthorized");
    expect_fail(api->del("/v1/networks/x"), 401, "unauthorized");
    expect_fail(api->get("/v1/sandboxes"), 401, "unauthorized");
    expect_fail(api->post("/v1/sandboxes", R"({"name":"x"})"), 401, "unauthorized");
    expect_fail(api->get("/v1/sandboxes/x"), 401, "unauthorized");
    expect_fail(api->del("/v1/sandboxes/x"), 401, "unauthorized");
    expect_fail(api->post("/v1/sandboxes/x/networks", R"({"id":"x"})"), 401, "unauthorized");
    expect_fail(api->del("/v1/sandboxes/x/networks/y"), 401, "unauthorized");
  }
}

TEST_F(ErrorsTest, UnknownRouteIs404AndWrongMethodIs405WithAllow) {
  expect_fail(alice().get("/v1/nope"), 404, "not_found");
  expect_fail(anon().get("/"), 404, "not_found");
  expect_fail(alice().get("/v1/networks/"), 404, "not_found");
  expect_fail(alice().get("/v1/networks/a/b/c"), 404, "not_found");
  expect_fail(alice().get("/v1/networks/" + std::string(7000, 'a')), 404, "not_found");

  Response r = alice().request("PUT", "/v1/networks/backend", "{}", {}, "application/json");
  expect_fail(r, 405, "method_not_allowed");
  EXPECT_EQ(r.headers.find("Allow")->second, "GET, DELETE");
  r = alice().request("PATCH", "/v1/networks", "{}", {}, "application/json");
  expect_fail(r, 405, "method_not_allowed");
  EXPECT_EQ(r.headers.find("Allow")->second, "GET, POST");
  r = alice().del("/v1/sandboxes/x/networks");
  expect_fail(r, 405, "method_not_allowed");
  EXPECT_EQ(r.headers.find("Allow")->second, "POST");
}

TEST_F(ErrorsTest, OversizedBodyIs413) {
  std::string big = R"({"name":")" + std::string(200 * 1024, 'a') + R"("})";
  expect_fail(alice().post("/v1/networks", big), 413, "payload_too_large");
  expect_fail(alice().post("/v1/sandboxes", big), 413, "payload_too_large");
  // The server is fine afterwards.
  EXPECT_EQ(alice().get("/v1/networks").status, 200);
}

TEST_F(ErrorsTest, WrongContentTypeIs415) {
  expect_fail(alice().post("/v1/networks", R"({"name":"x"})", {}, "text/plain"), 415,
              "unsupported_media_type");
  expect_fail(alice().post("/v1/networks", "name=x", {}, "application/x-www-form-urlencoded"),
              415, "unsupported_media_type");
  EXPECT_EQ(alice().post("/v1/networks", R"({"name":"x"})", {},
                         "application/json; charset=utf-8").status, 200);
}

struct BadBody {
  const char* body;
  const char* code;
  const char* field;  // "" when none
};

TEST_F(ErrorsTest, CreateNetworkValidation) {
  const BadBody cases[] = {
      {"", "invalid_json", ""},
      {"{", "invalid_json", ""},
      {"not json", "invalid_json", ""},
      {"[]", "invalid_json", ""},
      {"\"backend\"", "invalid_json", ""},
      {"{}", "missing_field", "name"},
      {R"({"name":null})", "missing_field", "name"},
      {R"({"name":1})", "invalid_type", "name"},
      {R"({"name":["a"]})", "invalid_type", "name"},
      {R"({"name":""})", "invalid_name", "name"},
      {R"({"name":"Backend"})", "invalid_name", "name"},
      {R"({"name":"-backend"})", "invalid_name", "name"},
      {R"({"name":"backend-"})", "invalid_name", "name"},
      {R"({"name":"back_end"})", "invalid_name", "name"},
      {R"({"name":"back.end"})", "invalid_name", "name"},
      {R"({"name":"net-01arz3ndektsv4rrffq69g5fav"})", "invalid_name", "name"},
      {R"({"name":"backend","extra":1})", "unknown_field", "extra"},
  };
  for (const BadBody& c : cases) {
    Response r = alice().post("/v1/networks", c.body);
    expect_fail(r, 400, c.code);
    if (*c.field) EXPECT_EQ(r.body["data"].value("field", ""), c.field) << c.body;
  }
  std::string long_name(64, 'a');
  expect_fail(alice().post("/v1/networks", json{{"name", long_name}}.dump()), 400,
              "invalid_name");
  EXPECT_EQ(alice().post("/v1/networks", json{{"name", std::string(63, 'a')}}.dump()).status,
            200);
  EXPECT_EQ(alice().get("/v1/networks").body["data"]["pagination"]["total"], 1);
}

TEST_F(ErrorsTest, DuplicateNameIs400NameTaken) {
  make_network(alice(), "backend");
  Response r = alice().post("/v1/networks", R"({"name":"backend"})");
  expect_fail(r, 400, "name_taken");
  EXPECT_EQ(r.body["data"]["field"], "name");
  make_sandbox(alice(), "brave-otter");
  expect_fail(alice().post("/v1/sandboxes", R"({"name":"brave-otter"})"), 400, "name_taken");
}

TEST_F(ErrorsTest, CreateSandboxAndAttachValidation) {
  const BadBody sandbox_cases[] = {
      {R"({"networks":[]})", "missing_field", "name"},
      {R"({"name":"a","networks":{}})", "invalid_type", "networks"},
      {R"({"name":"a","networks":["backend"]})", "invalid_type", "networks[0]"},
      {R"({"name":"a","networks":[{"id":1}]})", "invalid_type", "networks[0].id"},
      {R"({"name":"a","networks":[{}]})", "missing_field", "networks[0].id"},
      {R"({"name":"a","networks":[{"id":"Bad!"}]})", "invalid_id", "networks[0].id"},
      {R"({"name":"a","networks":[{"id":"x","name":"y"}]})", "unknown_field", "networks[0].name"},
      {R"({"name":"a","image":"x"})", "unknown_field", "image"},
  };
  for (const BadBody& c : sandbox_cases) {
    Response r = alice().post("/v1/sandboxes", c.body);
    expect_fail(r, 400, c.code);
    EXPECT_EQ(r.body["data"].value("field", ""), c.field) << c.body;
  }
  json sb = make_sandbox(alice(), "brave-otter");
  std::string path = "/v1/sandboxes/" + sb["id"].get<std::string>() + "/networks";
  const BadBody attach_cases[] = {
      {"{}", "missing_field", "id"},
      {R"({"id":5})", "invalid_type", "id"},
      {R"({"id":""})", "invalid_id", "id"},
      {R"({"id":"x","force":true})", "unknown_field", "force"},
      {"[1]", "invalid_json", ""},
  };
  for (const BadBody& c : attach_cases) {
    Response r = alice().post(path, c.body);
    expect_fail(r, 400, c.code);
    EXPECT_EQ(r.body["data"].value("field", ""), c.field) << c.body;
  }
}

TEST_F(ErrorsTest, PaginationParameterValidation) {
  for (const char* bad : {"abc", "1e3", "-1", "501", "0", "", "+5", " 5", "5 ", "1.0",
                          "99999999999999999999"}) {
    for (const char* route : {"/v1/networks", "/v1/sandboxes"}) {
      Response r = alice().get(std::string(route) + "?limit=" + httplib::detail::encode_query_param(bad));
      expect_fail(r, 400, "invalid_limit");
      EXPECT_EQ(r.body["data"]["field"], "limit") << bad;
      EXPECT_NE(r.body["data"]["message"].get<std::string>().find("limit"), std::string::npos);
    }
  }
  for (const char* bad : {"abc", "-1", "1e3", "", "0x10", "1.5"}) {
    Response r = alice().get(std::string("/v1/networks?offset=") + bad);
    expect_fail(r, 400, "invalid_offset");
    EXPECT_EQ(r.body["data"]["field"], "offset") << bad;
  }
  expect_fail(alice().get("/v1/networks?limit=5&limit=6"), 400, "invalid_limit");
  EXPECT_EQ(alice().get("/v1/networks?limit=500&offset=0").status, 200);
  EXPECT_EQ(alice().get("/v1/networks?limit=1&offset=123456789").status, 200);
  EXPECT_EQ(alice().get("/v1/networks?unrelated=1").status, 200);  // unknown params ignored
}

TEST_F(ErrorsTest, UnknownObjectsAre404) {
  json sb = make_sandbox(alice(), "brave-otter");
  std::string sb_id = sb["id"];
  make_network(alice(), "backend");
  expect_fail(alice().get("/v1/networks/nope"), 404, "not_found");
  expect_fail(alice().get("/v1/networks/net-01ARZ3NDEKTSV4RRFFQ69G5FAV"), 404, "not_found");
  expect_fail(alice().get("/v1/networks/Not%20Valid"), 404, "not_found");
  expect_fail(alice().del("/v1/networks/nope"), 404, "not_found");
  expect_fail(alice().get("/v1/sandboxes/sb_01ARZ3NDEKTSV4RRFFQ69G5FAV"), 404, "not_found");
  expect_fail(alice().del("/v1/sandboxes/nope"), 404, "not_found");
  expect_fail(alice().post("/v1/sandboxes/nope/networks", R"({"id":"backend"})"), 404,
              "not_found");
  expect_fail(alice().post("/v1/sandboxes/" + sb_id + "/networks", R"({"id":"nope"})"), 404,
              "not_found");
  expect_fail(alice().del("/v1/sandboxes/nope/networks/backend"), 404, "not_found");
  expect_fail(alice().del("/v1/sandboxes/" + sb_id + "/networks/nope"), 404, "not_found");
  expect_fail(alice().del("/v1/sandboxes/" + sb_id + "/networks/backend"), 404, "not_found");
}

TEST_F(ErrorsTest, BadIdempotencyKeyIs400) {
  std::string too_long(300, 'k');
  Response r = alice().post("/v1/networks", R"({"name":"x"})", {{"Idempotency-Key", too_long}});
  expect_fail(r, 400, "invalid_idempotency_key");
  EXPECT_EQ(r.body["data"]["field"], "Idempotency-Key");
}

// A real store failure (a trigger that aborts inserts) must answer a JSend 500 error,
// roll back, and leave the server serving.
TEST_F(ErrorsTest, StoreFailureIs500Error) {
  BrokenNetworkInserts broken(db_);
  Response r = alice().post("/v1/networks", R"({"name":"backend"})");
  expect_fail(r, 500, "internal");
  EXPECT_EQ(r.body["message"], "internal server error");  // no internals leaked
  EXPECT_EQ(r.raw.find("injected"), std::string::npos) << r.raw;
  broken.repair();
  EXPECT_EQ(alice().post("/v1/networks", R"({"name":"backend"})").status, 200);
}

}  // namespace
}  // namespace sandnet::test
