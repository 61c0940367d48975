// A fresh server and database per test with two tenants (alice, bob) and two host agents
// (h1, h2) played by the test itself over X-Host-Token.
#pragma once
#include <future>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tests/api/api_fixture.h"

namespace sandnet::test {

// A host agent's side of the feed, driven by the test.
class HostClient {
 public:
  HostClient(int port, std::string host, std::string token)
      : api_(port, ""), host_(std::move(host)), token_(std::move(token)) {}

  const std::string& host() const { return host_; }
  const std::string& token() const { return token_; }

  Response feed(int64_t since, int timeout = 0) const;
  Response feed_query(const std::string& query) const;  // raw "since=..&timeout=.."
  Response plug(const std::string& sandbox_id, const std::string& body = "") const;
  Response unplug(const std::string& sandbox_id) const;
  Response applied(int64_t revision) const;
  Response get(const std::string& path) const;
  Response post(const std::string& path, const std::string& body,
                const std::string& content_type = "application/json") const;

 private:
  Api api_;
  std::string host_;
  std::string token_;
};

class FeedTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    h1_token_ = create_host(db_, "h1");
    h2_token_ = create_host(db_, "h2");
    h1_ = std::make_unique<HostClient>(server_->port(), "h1", h1_token_);
    h2_ = std::make_unique<HostClient>(server_->port(), "h2", h2_token_);
  }

  HostClient& h1() { return *h1_; }
  HostClient& h2() { return *h2_; }

  // The current snapshot's data for the host, asserting success.
  nlohmann::json snapshot(HostClient& h) {
    Response r = h.feed(0);
    EXPECT_EQ(r.status, 200) << r.raw;
    EXPECT_EQ(r.body["data"]["type"], "snapshot") << r.raw;
    return r.body["data"];
  }

  std::string sandbox_id(const std::string& name, Api* api = nullptr) {
    return make_sandbox(api ? *api : alice(), name)["id"];
  }

  void attach(const std::string& sandbox, const std::string& net, Api* api = nullptr) {
    Response r = (api ? *api : alice())
                     .post("/v1/sandboxes/" + sandbox + "/networks",
                           nlohmann::json{{"id", net}}.dump());
    ASSERT_EQ(r.status, 200) << r.raw;
  }

  void detach(const std::string& sandbox, const std::string& net) {
    Response r = alice().del("/v1/sandboxes/" + sandbox + "/networks/" + net);
    ASSERT_EQ(r.status, 200) << r.raw;
  }

  void plug(HostClient& h, const std::string& sandbox) {
    Response r = h.plug(sandbox);
    ASSERT_EQ(r.status, 200) << r.raw;
  }

  // Sandbox "a" plugged on h1 and "b" on h2, both in a new network "net": each host sees
  // the other's. Returns their ids.
  std::pair<std::string, std::string> share_a_network() {
    std::string net = make_network(alice(), "net")["id"];
    std::string a = sandbox_id("a"), b = sandbox_id("b");
    attach(a, net);
    attach(b, net);
    plug(h1(), a);
    plug(h2(), b);
    return {a, b};
  }

  std::string h1_token_, h2_token_;
  std::unique_ptr<HostClient> h1_, h2_;
};

// Waits for concurrent long-polls: how many answered 200, and how many 503
// too_many_waiters (checked, with its Retry-After).
struct PollOutcome {
  int ok = 0;
  int busy = 0;
};
PollOutcome collect_polls(std::vector<std::future<Response>>& polls);

// Ids of the records in a feed list.
std::set<std::string> ids_of(const nlohmann::json& records);

// The record of host `id` in a feed answer's "hosts", or null.
nlohmann::json host_record(const nlohmann::json& data, const std::string& id);

}  // namespace sandnet::test
