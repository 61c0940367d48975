// Conventions clients expect: a request id on every response, WWW-Authenticate on 401, ids
// in any case, Idempotency-Key compared as sent (not percent-decoded), keep-alive reuse.
#include <set>

#include "tests/api/api_fixture.h"
#include "tests/api/raw_http.h"

namespace sandnet::test {
namespace {

using nlohmann::json;

class ConventionsTest : public ApiTest {};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

TEST_F(ConventionsTest, EveryResponseCarriesADistinctRequestId) {
  std::set<std::string> ids;
  for (const Response& r : {alice().get("/v1/networks"), alice().get("/nowhere"),
                            anon().get("/v1/networks"), anon().get("/healthz"),
                            alice().post("/v1/networks", "{")}) {
    auto it = r.headers.find("X-Request-Id");
    ASSERT_NE(it, r.headers.end()) << r.status << " " << r.raw;
    ids.insert(it->second);
  }
  // Answers from the HTTP layer and the connection front too.
  for (const std::string& raw :
       {raw_exchange(server_->port(), "GARBAGE\r\n\r\n"),
        raw_exchange(server_->port(), "POST /v1/networks HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n")}) {
    size_t at = raw.find("X-Request-Id: ");
    ASSERT_NE(at, std::string::npos) << raw;
    ids.insert(raw.substr(at + 14, raw.find("\r\n", at) - at - 14));
  }
  EXPECT_EQ(ids.size(), 7u);
}

TEST_F(ConventionsTest, UnauthorizedNamesTheScheme) {
  Response r = anon().get("/v1/networks");
  ASSERT_EQ(r.status, 401);
  ASSERT_EQ(r.headers.count("WWW-Authenticate"), 1u);
  EXPECT_NE(r.headers.find("WWW-Authenticate")->second.find("X-Api-Key"), std::string::npos);
}

TEST_F(ConventionsTest, IdsMatchInAnyCase) {
  std::string net = make_network(alice(), "web")["id"];
  std::string sb = make_sandbox(alice(), "box")["id"];
  ASSERT_EQ(net.rfind("net-", 0), 0u);
  EXPECT_EQ(alice().get("/v1/networks/" + lower(net)).body["data"]["id"], net);
  EXPECT_EQ(alice().get("/v1/sandboxes/" + lower(sb)).body["data"]["id"], sb);
  std::string shouting = "NET-" + net.substr(4);
  EXPECT_EQ(alice().get("/v1/networks/" + shouting).status, 200);
  EXPECT_EQ(alice().post("/v1/sandboxes/" + lower(sb) + "/networks",
                         json{{"id", lower(net)}}.dump()).status, 200);
  EXPECT_EQ(alice().get("/v1/networks/" + net).body["data"]["member_count"], 1);
  EXPECT_EQ(alice().del("/v1/sandboxes/" + lower(sb) + "/networks/" + lower(net)).status, 200);
  // Another tenant's id is still a 404 in every spelling.
  EXPECT_EQ(bob().get("/v1/networks/" + lower(net)).status, 404);
}

TEST_F(ConventionsTest, IdempotencyKeyIsComparedAsSent) {
  Response first = alice().post("/v1/networks", R"({"name":"one"})", {{"Idempotency-Key", "a%41"}});
  ASSERT_EQ(first.status, 200) << first.raw;
  Response other = alice().post("/v1/networks", R"({"name":"two"})", {{"Idempotency-Key", "aA"}});
  EXPECT_EQ(other.status, 200) << other.raw;  // a different key: not 422, not a replay
  EXPECT_EQ(other.headers.count("Idempotent-Replayed"), 0u);
  Response again = alice().post("/v1/networks", R"({"name":"one"})", {{"Idempotency-Key", "a%41"}});
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.headers.count("Idempotent-Replayed"), 1u);
  EXPECT_EQ(again.body, first.body);
}

}  // namespace
}  // namespace sandnet::test
