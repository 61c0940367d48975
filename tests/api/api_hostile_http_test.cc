// Hostile bytes at the HTTP layer: garbage, malformed request lines, oversized headers,
// truncated and abandoned requests. The server must answer or close, and keep serving.
#include <random>

#include "tests/api/api_fixture.h"
#include "tests/api/raw_http.h"

namespace sandnet::test {
namespace {

class HostileHttpTest : public ApiTest {};

TEST_F(HostileHttpTest, MalformedRequestsGetJSendOrCloseAndServerSurvives) {
  int port = server_->port();
  const std::string cases[] = {
      "\r\n\r\n",
      "GET\r\n\r\n",
      "GET / HTTP/9.9\r\n\r\n",
      "BREW /v1/networks HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET /v1/networks HTTP/1.1\r\nHost: x\r\nX-Api-Key: " + std::string(100000, 'k') + "\r\n\r\n",
      "GET /" + std::string(20000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n",
      "POST /v1/networks HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n",
      "POST /v1/networks HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
      "POST /v1/networks HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "POST /v1/networks HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"name\":",
      "GET /v1/networks%00%ff%zz HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET /v1/networks?limit=%ff%00&offset=%% HTTP/1.1\r\nHost: x\r\n\r\n",
  };
  for (const std::string& c : cases) {
    std::string reply = raw_exchange(port, c);
    if (!reply.empty()) {
      // Any answer is an HTTP response whose body (if any) is a JSend envelope.
      EXPECT_EQ(reply.rfind("HTTP/1.1 ", 0), 0u) << c.substr(0, 80);
      size_t body = reply.find("\r\n\r\n");
      if (body != std::string::npos && body + 4 < reply.size()) {
        auto parsed = nlohmann::json::parse(reply.substr(body + 4), nullptr, false);
        EXPECT_TRUE(parsed.is_object() && parsed.contains("status")) << reply.substr(0, 200);
      }
    }
    ASSERT_EQ(anon().get("/healthz").status, 200) << "after: " << c.substr(0, 80);
  }
  std::mt19937 rng(42);
  for (int i = 0; i < 200; ++i) {
    std::string junk(rng() % 2048, '\0');
    for (char& ch : junk) ch = static_cast<char>(rng());
    raw_exchange(port, junk);
  }
  EXPECT_EQ(anon().get("/healthz").status, 200);
  EXPECT_EQ(alice().post("/v1/networks", R"({"name":"still-fine"})").status, 200);
}

}  // namespace
}  // namespace sandnet::test
