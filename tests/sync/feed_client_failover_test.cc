// The agent's API client with several URLs: two real sandnet-api replicas on one database.
// When the replica in use is gone, the feed continues on the other from the same revision
// (no change lost or repeated); a call that was never sent moves on, one that was sent and
// went unanswered does not (the first replica may have done it).
#include "sync/feed_client.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include <gtest/gtest.h>

#include "tests/api/api_fixture.h"

namespace sandnet::sync {
namespace {

// A loopback port with a listening socket that never accepts: connections complete in the
// kernel's backlog, requests are sent, and no answer ever comes.
class SilentListener {
 public:
  SilentListener() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(listen(fd_, 16), 0);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~SilentListener() { close(fd_); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A loopback port nobody listens on: connecting is refused.
std::string refused_url() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return "http://127.0.0.1:" + std::to_string(ntohs(a.sin_port));
}

bool has_sandbox(const FeedAnswer& a, const std::string& id) {
  return std::any_of(a.sandboxes.begin(), a.sandboxes.end(), [&](const SandboxRecord& s) { return s.id == id; });
}

class FeedClientFailover : public test::ApiTest {
 protected:
  void SetUp() override {
    test::ApiTest::SetUp();
    token_ = test::run_cli({"hosts", "create", "h1", "--db", db_});
    while (!token_.empty() && (token_.back() == '\n' || token_.back() == '\r')) token_.pop_back();
    replica_b_ = std::make_unique<test::ApiProcess>(db_);
    alice_on_b_ = std::make_unique<test::Api>(replica_b_->port(), alice_key_);
    net_ = make_network(alice(), "net")["id"];
    plugged_ = make_sandbox(alice(), "plugged", {net_})["id"];
  }
  FeedClientOptions options(std::vector<std::string> urls) {
    FeedClientOptions o{std::move(urls), "h1", token_};
    o.request_timeout = std::chrono::seconds(2);
    return o;
  }
  std::string token_, net_, plugged_;
  std::unique_ptr<test::ApiProcess> replica_b_;
  std::unique_ptr<test::Api> alice_on_b_;
};

TEST_F(FeedClientFailover, TheFeedContinuesOnTheOtherReplicaFromTheSameRevision) {
  FeedClient client(options({server_->url(), replica_b_->url()}));
  client.plug(plugged_, "02:00:00:00:00:01");
  FeedAnswer snapshot = client.feed(0, std::chrono::seconds(1));
  ASSERT_TRUE(snapshot.snapshot);
  ASSERT_TRUE(has_sandbox(snapshot, plugged_));
  EXPECT_EQ(client.current_url(), server_->url());

  server_->kill_hard();  // replica A is gone mid-life
  std::string first = make_sandbox(*alice_on_b_, "first", {net_})["id"];
  FeedAnswer changes = client.feed(snapshot.revision, std::chrono::seconds(5));
  EXPECT_EQ(client.current_url(), replica_b_->url());
  EXPECT_FALSE(changes.snapshot);
  EXPECT_GT(changes.revision, snapshot.revision);
  EXPECT_TRUE(has_sandbox(changes, first)) << "the change made while A was gone is not lost";

  std::string second = make_sandbox(*alice_on_b_, "second", {net_})["id"];
  FeedAnswer next = client.feed(changes.revision, std::chrono::seconds(5));
  EXPECT_GT(next.revision, changes.revision);
  EXPECT_TRUE(has_sandbox(next, second));
  EXPECT_FALSE(has_sandbox(next, first)) << "nor repeated";
}

TEST_F(FeedClientFailover, ACallThatWasNeverSentMovesOnAndStaysOnTheReplicaThatAnswered) {
  FeedClient client(options({refused_url(), replica_b_->url()}));
  EXPECT_EQ(client.plug(plugged_, "02:00:00:00:00:01").id, plugged_);
  EXPECT_EQ(client.current_url(), replica_b_->url());
  client.report_applied(1);  // straight to B now
  EXPECT_EQ(client.current_url(), replica_b_->url());
}

TEST_F(FeedClientFailover, APostThatWasSentAndNotAnsweredIsNotRepeatedElsewhere) {
  SilentListener silent;
  FeedClient client(options({silent.url(), replica_b_->url()}));
  EXPECT_THROW(client.plug(plugged_, "02:00:00:00:00:01"), ApiError);
  auto r = alice_on_b_->get("/v1/sandboxes/" + plugged_);
  EXPECT_EQ(r.body["data"].value("status", ""), "pending") << "a plug the silent replica may have done ran again on B";
  // A GET changes nothing: it moves on.
  FeedAnswer snapshot = client.feed(0, std::chrono::seconds(1));
  EXPECT_TRUE(snapshot.snapshot);
  EXPECT_EQ(client.current_url(), replica_b_->url());
}

TEST_F(FeedClientFailover, WhenNoReplicaAnswersTheCallFailsAsUnreachable) {
  FeedClient client(options({refused_url(), refused_url()}));
  try {
    client.feed(0, std::chrono::seconds(1));
    FAIL() << "no replica answered, yet the feed returned";
  } catch (const ApiError& e) {
    EXPECT_TRUE(e.unreachable()) << e.what();
  }
}

}  // namespace
}  // namespace sandnet::sync
