// Several sandnet-api replicas (real processes) on one PostgreSQL database: what one writes the
// others read at once, and writers racing through different replicas are serialized by the
// database (the revision row's lock), not by any one process.
#include <set>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/api/api_process.h"
#include "tests/api/pg_cluster_env.h"

namespace sandnet::test {
namespace {

// Three replicas: racing writers meet through three separate processes' connection pools.
constexpr int kReplicas = 3;

class PgReplicasTest : public ::testing::Test {
 protected:
  PgReplicasTest() : db_(PgCluster::fresh_database()), key_(create_user(db_, "alice")) {
    for (int i = 0; i < kReplicas; ++i) {
      replicas_.push_back(std::make_unique<ApiProcess>(db_));
      clients_.push_back(std::make_unique<Api>(replicas_.back()->port(), key_));
    }
  }
  Api& on(int replica) { return *clients_[replica]; }

  std::string db_;
  std::string key_;
  std::vector<std::unique_ptr<ApiProcess>> replicas_;
  std::vector<std::unique_ptr<Api>> clients_;
};

TEST_F(PgReplicasTest, CreateOnOneIsVisibleOnTheOtherAtOnce) {
  Response created = on(0).post("/v1/networks", R"({"name":"backend"})");
  ASSERT_EQ(created.status, 200) << created.raw;
  Response read = on(1).get("/v1/networks/" + created.body["data"]["id"].get<std::string>());
  EXPECT_EQ(read.status, 200) << read.raw;
  EXPECT_EQ(read.body["data"]["name"], "backend");
}

TEST_F(PgReplicasTest, ThreeReplicasRaceForOneNameExactlyOneWins) {
  constexpr int kPerReplica = 7;
  std::vector<int> statuses(kReplicas * kPerReplica);
  std::vector<std::thread> threads;
  for (int i = 0; i < kReplicas * kPerReplica; ++i) {
    threads.emplace_back([&, i] {
      statuses[i] = on(i % kReplicas).post("/v1/networks", R"({"name":"contested"})").status;
    });
  }
  for (std::thread& t : threads) t.join();
  int won = 0;
  for (int s : statuses) {
    if (s == 200) ++won;
    else EXPECT_EQ(s, 400);  // name_taken
  }
  EXPECT_EQ(won, 1);
  for (int r = 0; r < kReplicas; ++r) {
    EXPECT_EQ(on(r).get("/v1/networks").body["data"]["pagination"]["total"], 1);
  }
}

// Address allocation reads the highest address then claims the next: only a lock held from
// the start of the write transaction keeps two replicas from claiming the same one.
// 20 creates, each taking an address from the one pool, spread over the three replicas.
TEST_F(PgReplicasTest, ConcurrentCreatesAcrossReplicasNeverShareAnAddress) {
  constexpr int kSandboxes = 20;
  std::vector<std::string> ips(kSandboxes);
  std::vector<std::thread> threads;
  for (int i = 0; i < kSandboxes; ++i) {
    threads.emplace_back([&, i] {
      Response r = on(i % kReplicas).post("/v1/sandboxes",
                                  R"({"name":"sb-)" + std::to_string(i) + R"("})");
      EXPECT_EQ(r.status, 200) << r.raw;
      if (r.status == 200) ips[i] = r.body["data"]["ip"].get<std::string>();
    });
  }
  for (std::thread& t : threads) t.join();
  std::set<std::string> distinct(ips.begin(), ips.end());
  EXPECT_EQ(distinct.size(), static_cast<size_t>(kSandboxes));
}

// 20 sandboxes attached to one network at once through the three replicas: every attach
// lands, and every replica lists the same 20 members in the same order.
TEST_F(PgReplicasTest, ConcurrentAttachesAcrossReplicasAllLand) {
  constexpr int kSandboxes = 20;
  Response net = on(0).post("/v1/networks", R"({"name":"shared"})");
  ASSERT_EQ(net.status, 200) << net.raw;
  std::string net_id = net.body["data"]["id"];
  std::vector<std::string> ids;
  for (int i = 0; i < kSandboxes; ++i) {
    Response r = on(i % kReplicas).post("/v1/sandboxes",
                                        R"({"name":"att-)" + std::to_string(i) + R"("})");
    ASSERT_EQ(r.status, 200) << r.raw;
    ids.push_back(r.body["data"]["id"]);
  }
  std::vector<std::thread> threads;
  for (int i = 0; i < kSandboxes; ++i) {
    threads.emplace_back([&, i] {
      Response r = on(i % kReplicas).post("/v1/sandboxes/" + ids[i] + "/networks",
                                          R"({"id":")" + net_id + R"("})");
      EXPECT_EQ(r.status, 200) << r.raw;
    });
  }
  for (std::thread& t : threads) t.join();
  nlohmann::json first = on(0).get("/v1/networks/" + net_id).body["data"]["members"];
  EXPECT_EQ(first.size(), static_cast<size_t>(kSandboxes));
  for (int r = 1; r < kReplicas; ++r) {
    EXPECT_EQ(on(r).get("/v1/networks/" + net_id).body["data"]["members"], first);
  }
}

}  // namespace
}  // namespace sandnet::test
