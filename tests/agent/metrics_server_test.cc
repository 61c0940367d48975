// The /metrics listener over real TCP on loopback: what it serves, what it refuses, and that a
// hostile client (an endless head, a silent connection) neither grows it nor stops the next
// scrape.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "agent/metrics_server.h"

namespace sandnet::agent {
namespace {

int connect_to(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Sends `request`, reads until the server closes.
std::string exchange(uint16_t port, const std::string& request) {
  int fd = connect_to(port);
  if (fd < 0) return {};
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  (void)send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<size_t>(n));
  close(fd);
  return out;
}

TEST(MetricsServer, ServesGetMetricsAndRefusesTheRest) {
  MetricsServer server("127.0.0.1:0", [] { return std::string("sandnet_agent_plugs 3\n"); });
  ASSERT_NE(server.port(), 0);
  std::string ok = exchange(server.port(), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(ok.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << ok;
  EXPECT_NE(ok.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
  EXPECT_NE(ok.find("\r\n\r\nsandnet_agent_plugs 3\n"), std::string::npos);
  EXPECT_EQ(exchange(server.port(), "GET /metrics?x=1 HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 200", 0), 0u);
  EXPECT_EQ(exchange(server.port(), "GET / HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 404", 0), 0u);
  EXPECT_EQ(exchange(server.port(), "POST /metrics HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 405", 0), 0u);
}

TEST(MetricsServer, AFailingRenderAnswers500) {
  MetricsServer server("127.0.0.1:0", []() -> std::string { throw std::runtime_error("maps unreadable"); });
  std::string r = exchange(server.port(), "GET /metrics HTTP/1.1\r\n\r\n");
  EXPECT_EQ(r.rfind("HTTP/1.1 500", 0), 0u) << r;
  EXPECT_NE(r.find("maps unreadable"), std::string::npos);
}

TEST(MetricsServer, AnEndlessHeadIsCutAtItsBoundAndTheNextScrapeIsServed) {
  MetricsServer server("127.0.0.1:0", [] { return std::string("ok 1\n"); });
  // 64 KiB of header lines with no end: answered 400 after 8 KiB, never buffered whole.
  std::string flood = "GET /metrics HTTP/1.1\r\n";
  while (flood.size() < 65536) flood += "X-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
  EXPECT_EQ(exchange(server.port(), flood).rfind("HTTP/1.1 400", 0), 0u);
  // A client that connects and says nothing is given up on; then a scrape is served.
  int silent = connect_to(server.port());
  ASSERT_GE(silent, 0);
  std::string r = exchange(server.port(), "GET /metrics HTTP/1.1\r\n\r\n");
  EXPECT_EQ(r.rfind("HTTP/1.1 200", 0), 0u) << r;
  close(silent);
}

TEST(MetricsServer, ABadOrTakenAddressIsAStartupError) {
  EXPECT_THROW(MetricsServer("nonsense", [] { return std::string(); }), std::invalid_argument);
  EXPECT_THROW(MetricsServer("256.1.1.1:9", [] { return std::string(); }), std::runtime_error);
  MetricsServer first("127.0.0.1:0", [] { return std::string(); });
  EXPECT_THROW(MetricsServer("127.0.0.1:" + std::to_string(first.port()), [] { return std::string(); }),
               std::runtime_error);
}

TEST(MetricsServer, ListenAddressForms) {
  EXPECT_EQ(split_listen_address("127.0.0.1:9465"), (std::pair<std::string, std::string>{"127.0.0.1", "9465"}));
  EXPECT_EQ(split_listen_address("[::1]:9465"), (std::pair<std::string, std::string>{"::1", "9465"}));
  EXPECT_THROW(split_listen_address("9465"), std::invalid_argument);
  EXPECT_THROW(split_listen_address("127.0.0.1:"), std::invalid_argument);
}

}  // namespace
}  // namespace sandnet::agent
