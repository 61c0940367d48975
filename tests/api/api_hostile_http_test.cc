// Hostile bytes at the HTTP layer: garbage, malformed request lines, oversized headers,
// truncated and abandoned requests. The server must answer or close, and keep serving.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <random>

#include "tests/api/api_fixture.h"

namespace sandnet::test {
namespace {

class HostileHttpTest : public ApiTest {};

// Sends raw bytes, half-closes, and returns whatever comes back (bounded by SO_RCVTIMEO).
std::string raw_exchange(int port, const std::string& bytes, bool half_close = true) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string reply;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    size_t sent = 0;
    while (sent < bytes.size()) {
      ssize_t n = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<size_t>(n);
    }
    if (half_close) shutdown(fd, SHUT_WR);
    char buf[4096];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof buf, 0)) > 0) reply.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return reply;
}

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
