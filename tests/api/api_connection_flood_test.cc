// Starvation, over real sockets: 500 idle keep-alive connections and 200 slowloris sockets
// (a request line and half a header, never finished) are open while a normal client's GET
// is timed; a full request queue answers 503 + Retry-After at once.
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "tests/api/api_fixture.h"
#include "tests/api/test_db.h"
#include "tests/api/raw_http.h"

namespace sandnet::test {
namespace {

using Clock = std::chrono::steady_clock;

class ConnectionFloodTest : public ApiTest {
 protected:
  ~ConnectionFloodTest() override {
    for (int fd : fds_) close(fd);
  }

  // A connection that made one keep-alive request and now sits idle.
  void open_idle_keep_alive() {
    int fd = connect_loopback(server_->port());
    ASSERT_GE(fd, 0);
    fds_.push_back(fd);
    ASSERT_TRUE(send_all(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_EQ(status_of(read_response(fd)), 200);
  }

  void open_slowloris() {
    int fd = connect_loopback(server_->port());
    ASSERT_GE(fd, 0);
    fds_.push_back(fd);
    ASSERT_TRUE(send_all(fd, "GET /v1/networks HTTP/1.1\r\nHost: x\r\nX-Slow: a"));
  }

  std::vector<int> fds_;
};

TEST_F(ConnectionFloodTest, IdleAndSlowConnectionsDoNotStarveAGet) {
  make_network(alice(), "flooded");
  auto t0 = Clock::now();
  for (int i = 0; i < 500; ++i) ASSERT_NO_FATAL_FAILURE(open_idle_keep_alive());
  for (int i = 0; i < 200; ++i) ASSERT_NO_FATAL_FAILURE(open_slowloris());
  double opened_s = std::chrono::duration<double>(Clock::now() - t0).count();

  Api fresh(server_->port(), alice_key_);  // a new client, not one of the pooled ones
  auto start = Clock::now();
  Response r = fresh.get("/v1/networks/flooded");
  double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  std::printf("[ figures ] GET under 500 idle + 200 slowloris: %.1f ms (opened in %.2f s)\n",
              ms, opened_s);
  EXPECT_EQ(r.status, 200) << r.raw;
  EXPECT_LT(ms, 5000.0);  // generous: it measures ~1 ms here (docs/api.md)

  // The idle connections are still served when they speak again.
  ASSERT_TRUE(send_all(fds_[0], "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  EXPECT_EQ(status_of(read_all(fds_[0])), 200);
}

TEST_F(ConnectionFloodTest, ConnectionsPastTheLimitAre503) {
  restart_with_config({{"max_connections", 3}});
  for (int i = 0; i < 3; ++i) ASSERT_NO_FATAL_FAILURE(open_idle_keep_alive());
  std::string reply = raw_exchange(server_->port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(status_of(reply), 503) << reply;
  EXPECT_NE(reply.find("too_many_connections"), std::string::npos) << reply;
  EXPECT_NE(reply.find("Retry-After: 1"), std::string::npos) << reply;
  for (int fd : fds_) close(fd);
  fds_.clear();
  // Closed connections free their places (the server notices the close on its next read).
  EXPECT_TRUE(eventually([&] { return anon().get("/healthz").status == 200; }));
}

// A writer another process blocks (it holds the store's write lock) occupies the only worker;
// one more request fills the one-slot queue; the next is refused at once.
TEST_F(ConnectionFloodTest, FullQueueAnswers503WithRetryAfter) {
  restart_with_config({{"threads", 1}, {"wait_threads", 0}, {"max_queued_requests", 1},
                       {"busy_timeout_ms", 3000}});
  ForeignWriteLock lock(db_);

  std::thread blocked([&] { alice().post("/v1/networks", R"({"name":"blocked"})"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  std::thread queued([&] { bob().post("/v1/networks", R"({"name":"queued"})"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  Api third(server_->port(), alice_key_);
  Response r = third.get("/v1/networks");
  lock.release();
  blocked.join();
  queued.join();
  expect_fail(r, 503, "overloaded");
  EXPECT_EQ(r.headers.count("Retry-After"), 1u);
  EXPECT_EQ(r.body["data"]["retryable"], true) << r.raw;
  EXPECT_EQ(alice().get("/v1/networks").status, 200);
}

}  // namespace
}  // namespace sandnet::test
