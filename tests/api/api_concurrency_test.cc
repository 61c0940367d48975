// Concurrent writers against one server: uniqueness and membership counts stay exact.

#include <atomic>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "tests/api/api_fixture.h"
#include "tests/api/test_db.h"

namespace sandnet::test {
namespace {

using nlohmann::json;

class ConcurrencyTest : public ApiTest {};

template <typename Fn>
void run_parallel(int n, Fn fn) {
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      fn(i);
    });
  }
  go = true;
  for (auto& t : threads) t.join();
}

TEST_F(ConcurrencyTest, TwentyConcurrentCreatesOfOneNameGiveOneSuccess) {
  for (const char* route : {"/v1/networks", "/v1/sandboxes"}) {
    std::atomic<int> ok{0}, taken{0}, other{0};
    run_parallel(20, [&](int) {
      Response r = alice().post(route, R"({"name":"contested"})");
      if (r.status == 200) {
        ++ok;
      } else if (r.status == 400 && r.body["data"]["code"] == "name_taken") {
        ++taken;
      } else {
        ++other;
      }
    });
    EXPECT_EQ(ok.load(), 1) << route;
    EXPECT_EQ(taken.load(), 19) << route;
    EXPECT_EQ(other.load(), 0) << route;
    EXPECT_EQ(alice().get(route).body["data"]["pagination"]["total"], 1) << route;
  }
}

TEST_F(ConcurrencyTest, ConcurrentSandboxCreatesGetDistinctAddresses) {
  std::mutex mu;
  std::set<std::string> ips;
  std::atomic<int> ok{0};
  run_parallel(20, [&](int i) {
    Response r = alice().post("/v1/sandboxes", json{{"name", "sb" + std::to_string(i)}}.dump());
    if (r.status != 200) return;
    ++ok;
    std::lock_guard<std::mutex> lock(mu);
    ips.insert(r.body["data"]["ip"].get<std::string>());
  });
  EXPECT_EQ(ok.load(), 20);
  EXPECT_EQ(ips.size(), 20u);
}

// Concurrent retries of one request with one Idempotency-Key: one network, every answer the
// same success.
TEST_F(ConcurrencyTest, ConcurrentRetriesWithOneIdempotencyKeyCreateOnce) {
  std::mutex mu;
  std::set<std::string> bodies;
  std::atomic<int> ok{0};
  run_parallel(10, [&](int) {
    Response r = alice().post("/v1/networks", R"({"name":"once"})", {{"Idempotency-Key", "k"}});
    if (r.status != 200) return;
    ++ok;
    std::lock_guard<std::mutex> lock(mu);
    bodies.insert(r.body.dump());
  });
  EXPECT_EQ(ok.load(), 10);
  EXPECT_EQ(bodies.size(), 1u);
  EXPECT_EQ(alice().get("/v1/networks").body["data"]["pagination"]["total"], 1);
}

// 50 clients attach and detach 10 sandboxes to one network at random. Every answer must be
// 200 (or 404 for detaching a non-member), and at the end the network's member_count, its
// member list, the sandboxes' own network lists and the change log all agree.
TEST_F(ConcurrencyTest, FiftyConcurrentAttachDetachKeepCountsConsistent) {
  make_network(alice(), "shared");
  std::vector<std::string> sandboxes;
  for (int i = 0; i < 10; ++i) sandboxes.push_back(make_sandbox(alice(), "s" + std::to_string(i))["id"]);
  std::atomic<int> unexpected{0};
  std::mutex mu;
  std::string unexpected_answers;
  run_parallel(50, [&](int i) {
    std::mt19937 rng(static_cast<unsigned>(i));
    for (int round = 0; round < 4; ++round) {
      const std::string& sb = sandboxes[rng() % sandboxes.size()];
      Response r = (rng() % 2 == 0)
                       ? alice().post("/v1/sandboxes/" + sb + "/networks", R"({"id":"shared"})")
                       : alice().del("/v1/sandboxes/" + sb + "/networks/shared");
      if (r.status != 200 && r.status != 404) {
        ++unexpected;
        std::lock_guard<std::mutex> lock(mu);
        unexpected_answers += std::to_string(r.status) + " " + r.raw + "\n";
      }
    }
  });
  EXPECT_EQ(unexpected.load(), 0) << unexpected_answers;
  Response net = alice().get("/v1/networks/shared");
  int64_t member_count = net.body["data"]["member_count"];
  EXPECT_EQ(static_cast<size_t>(member_count), net.body["data"]["members"].size());
  int64_t members_seen_from_sandboxes = 0;
  for (const std::string& sb : sandboxes) {
    members_seen_from_sandboxes += alice().get("/v1/sandboxes/" + sb).body["data"]["networks"].size();
  }
  EXPECT_EQ(members_seen_from_sandboxes, member_count);
  EXPECT_EQ(count_changes(db_, "member_attached") - count_changes(db_, "member_detached"),
            member_count);
  json listed = alice().get("/v1/networks").body["data"]["data"][0];
  EXPECT_EQ(listed["member_count"], member_count);
}

}  // namespace
}  // namespace sandnet::test
