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

class PgReplicasTest : public ::testing::Test {
 protected:
  PgReplicasTest() : db_(PgCluster::fresh_database()), key_(create_user(db_, "alice")) {
    for (int i = 0; i < 2; ++i) {
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

TEST_F(PgReplicasTest, TwoReplicasRaceForOneNameExactlyOneWins) {
  constexpr int kPerReplica = 10;
  std::vector<int> statuses(2 * kPerReplica);
  std::vector<std::thread> threads;
  for (int i = 0; i < 2 * kPerReplica; ++i) {
    threads.emplace_back([&, i] {
      statuses[i] = on(i % 2).post("/v1/networks", R"({"name":"contested"})").status;
    });
  }
  for (std::thread& t : threads) t.join();
  int won = 0;
  for (int s : statuses) {
    if (s == 200) ++won;
    else EXPECT_EQ(s, 400);  // name_taken
  }
  EXPECT_EQ(won, 1);
  EXPECT_EQ(on(1).get("/v1/networks").body["data"]["pagination"]["total"], 1);
}

// Address allocation reads the highest address then claims the next: only a lock held from
// the start of the write transaction keeps two replicas from claiming the same one.
TEST_F(PgReplicasTest, ConcurrentCreatesAcrossReplicasNeverShareAnAddress) {
  constexpr int kSandboxes = 20;
  std::vector<std::string> ips(kSandboxes);
  std::vector<std::thread> threads;
  for (int i = 0; i < kSandboxes; ++i) {
    threads.emplace_back([&, i] {
      Response r = on(i % 2).post("/v1/sandboxes",
                                  R"({"name":"sb-)" + std::to_string(i) + R"("})");
      EXPECT_EQ(r.status, 200) << r.raw;
      if (r.status == 200) ips[i] = r.body["data"]["ip"].get<std::string>();
    });
  }
  for (std::thread& t : threads) t.join();
  std::set<std::string> distinct(ips.begin(), ips.end());
  EXPECT_EQ(distinct.size(), static_cast<size_t>(kSandboxes));
}

}  // namespace
}  // namespace sandnet::test
