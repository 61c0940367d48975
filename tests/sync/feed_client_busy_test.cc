// The agent's API client against the real sandnet-api held to a tiny host request rate: a
// burst of plugs (a host booting VMs) meets 429 + Retry-After, waits as told and gets every
// plug through; told to wait longer than it may, it fails at once with the API's answer.
#include "sync/feed_client.h"

#include <gtest/gtest.h>

#include "tests/api/api_fixture.h"

namespace sandnet::sync {
namespace {

class FeedClientBusy : public test::ApiTest {
 protected:
  void SetUp() override {
    test::ApiTest::SetUp();
    token_ = test::run_cli({"hosts", "create", "h1", "--db", db_});
    while (!token_.empty() && (token_.back() == '\n' || token_.back() == '\r')) token_.pop_back();
    restart_with_config({{"host_requests_per_second", 1}});  // a burst of 2, then one a second
    for (int i = 0; i < 5; ++i) sandboxes_.push_back(make_sandbox(alice(), "sb-" + std::to_string(i))["id"]);
  }
  std::string token_;
  std::vector<std::string> sandboxes_;
};

TEST_F(FeedClientBusy, ABurstOfPlugsWaitsAsToldAndGetsThrough) {
  FeedClient client({{server_->url()}, "h1", token_});
  for (auto& id : sandboxes_) EXPECT_EQ(client.plug(id, "02:00:00:00:00:01").id, id);
  for (auto& id : sandboxes_) {
    auto r = alice().get("/v1/sandboxes/" + id);
    EXPECT_EQ(r.body["data"].value("status", ""), "running") << r.raw;
  }
}

TEST_F(FeedClientBusy, AWaitLongerThanAllowedFailsWithTheApisAnswer) {
  FeedClientOptions options{{server_->url()}, "h1", token_};
  options.max_retry_after = std::chrono::seconds(0);  // every Retry-After is too long
  FeedClient client(options);
  int refused = 0;
  for (auto& id : sandboxes_) {
    try {
      client.plug(id, "02:00:00:00:00:01");
    } catch (const ApiError& e) {
      EXPECT_EQ(e.status, 429) << e.what();
      ++refused;
    }
  }
  EXPECT_GT(refused, 0) << "the host rate never refused: the test shows nothing";
}

}  // namespace
}  // namespace sandnet::sync
