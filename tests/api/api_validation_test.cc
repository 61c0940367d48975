// The validation layer in isolation (the same functions the fuzz target drives).
#include <gtest/gtest.h>

#include "api/api_error.h"
#include "api/router.h"
#include "api/validation.h"

namespace sandnet::api {
namespace {

std::string error_field(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const ApiError& e) {
    return e.extra.value("field", "<none>");
  }
  return "<no error>";
}

TEST(Validation, Pagination) {
  EXPECT_EQ(parse_pagination({}).limit, 50);
  EXPECT_EQ(parse_pagination({}).offset, 0);
  EXPECT_EQ(parse_pagination({{"limit", "500"}, {"offset", "7"}}).limit, 500);
  EXPECT_EQ(parse_pagination({{"limit", "1"}, {"offset", "7"}}).offset, 7);
  for (const char* bad : {"0", "501", "abc", "1e3", "-1", "", "+1", "0x1", " 1", "1 "}) {
    EXPECT_EQ(error_field([&] { parse_pagination({{"limit", bad}}); }), "limit") << bad;
  }
  for (const char* bad : {"-1", "a", "1.0", "9999999999999999999"}) {
    EXPECT_EQ(error_field([&] { parse_pagination({{"offset", bad}}); }), "offset") << bad;
  }
}

TEST(Validation, Bodies) {
  EXPECT_EQ(parse_create_network(R"({"name":"backend"})").name, "backend");
  auto sb = parse_create_sandbox(
      R"({"name":"a","networks":[{"id":"x"},{"id":"x"},{"id":"net-01ARZ3NDEKTSV4RRFFQ69G5FAV"}]})");
  EXPECT_EQ(sb.networks, (std::vector<std::string>{"x", "net-01ARZ3NDEKTSV4RRFFQ69G5FAV"}));
  EXPECT_TRUE(parse_create_sandbox(R"({"name":"a","networks":null})").networks.empty());
  EXPECT_EQ(parse_attach(R"({"id":"backend"})").network, "backend");
  EXPECT_EQ(error_field([] { parse_create_network(R"({"name":"a","x":1})"); }), "x");
  EXPECT_EQ(error_field([] { parse_create_network("{\"name\":\"a\xff\"}"); }), "<none>");
  std::string many = R"({"name":"a","networks":[)";
  for (int i = 0; i < 65; ++i) many += std::string(i ? "," : "") + R"({"id":"n)" + std::to_string(i) + "\"}";
  EXPECT_EQ(error_field([&] { parse_create_sandbox(many + "]}"); }), "networks");
  // Deep nesting must not blow the stack.
  std::string deep = R"({"name":)" + std::string(100000, '[') + std::string(100000, ']') + "}";
  EXPECT_EQ(error_field([&] { parse_create_network(deep); }), "name");
}

TEST(Validation, NamesAndRefs) {
  EXPECT_TRUE(is_valid_object_name("brave-otter"));
  EXPECT_FALSE(is_valid_object_name("net-01arz3ndektsv4rrffq69g5fav"));
  EXPECT_TRUE(is_valid_object_name("net-backend"));
  EXPECT_EQ(classify_network_ref("net-01ARZ3NDEKTSV4RRFFQ69G5FAV"), RefKind::kId);
  EXPECT_EQ(classify_network_ref("backend"), RefKind::kName);
  EXPECT_EQ(classify_network_ref("sb_01ARZ3NDEKTSV4RRFFQ69G5FAV"), RefKind::kInvalid);
  EXPECT_EQ(classify_sandbox_ref("sb_01ARZ3NDEKTSV4RRFFQ69G5FAV"), RefKind::kId);
  EXPECT_EQ(classify_sandbox_ref("UPPER"), RefKind::kInvalid);
}

TEST(Validation, ContentType) {
  require_json_content_type("application/json");
  require_json_content_type("Application/JSON; charset=utf-8");
  EXPECT_THROW(require_json_content_type(""), ApiError);
  EXPECT_THROW(require_json_content_type("application/jsonx"), ApiError);
}

TEST(Router, MatchesTemplatesAndReportsAllowedMethods) {
  Router<int> r;
  r.add("GET", "/v1/networks/{id}", 1);
  r.add("DELETE", "/v1/networks/{id}", 2);
  r.add("DELETE", "/v1/sandboxes/{id}/networks/{net}", 3);
  auto m = r.match("GET", "/v1/networks/backend");
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(*m.handler, 1);
  EXPECT_EQ(m.params.at("id"), "backend");
  EXPECT_EQ(m.route, "/v1/networks/{id}");
  EXPECT_NE(r.match("HEAD", "/v1/networks/x").handler, nullptr);
  auto put = r.match("PUT", "/v1/networks/x");
  EXPECT_EQ(put.handler, nullptr);
  EXPECT_EQ(put.allowed, (std::vector<std::string>{"GET", "DELETE"}));
  auto d = r.match("DELETE", "/v1/sandboxes/a/networks/b");
  ASSERT_NE(d.handler, nullptr);
  EXPECT_EQ(d.params.at("net"), "b");
  for (const char* miss : {"", "/", "v1/networks/x", "/v1/networks/", "/v1/networks//",
                           "/v1/networks/x/", "/v1/sandboxes//networks/b"}) {
    auto n = r.match("GET", miss);
    EXPECT_EQ(n.handler, nullptr) << miss;
    EXPECT_TRUE(n.allowed.empty()) << miss;
  }
}

}  // namespace
}  // namespace sandnet::api
