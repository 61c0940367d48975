// The SQLite store and IPAM in-process on a real file: revisions, the change log the host
// feed will read, member status updates, and address allocation/quarantine.
#include <gtest/gtest.h>

#include "api/api_error.h"
#include "api/ipam.h"
#include "api/sqlite_store.h"
#include "common/ulid.h"
#include "tests/api/api_process.h"

namespace sandnet::api {
namespace {

class StoreTest : public ::testing::Test {
 protected:
  StoreTest() : store_(dir_.file("store.db")) { user_ = store_.create_user("alice"); }
  sandnet::test::TempDir dir_;
  SqliteStore store_;
  UserId user_ = 0;
};

TEST_F(StoreTest, EveryWriteTakesOneRevisionAndLogsEveryChange) {
  int64_t r0 = 0;
  store_.read([&](ReadTx& tx) { r0 = tx.current_revision(); });
  Network net;
  Sandbox sb;
  store_.write([&](WriteTx& tx) { net = tx.create_network(user_, "backend"); });
  store_.write([&](WriteTx& tx) {
    sb = tx.create_sandbox(user_, new_sandbox_id(), "brave-otter", "10.42.0.2");
    tx.attach(sb.id, net.id);
  });
  store_.write([&](WriteTx& tx) { EXPECT_FALSE(tx.attach(sb.id, net.id)); });  // no-op
  store_.write([&](WriteTx& tx) { EXPECT_TRUE(tx.set_sandbox_status(sb.id, "host-a", "running")); });
  store_.write([&](WriteTx& tx) { EXPECT_TRUE(tx.set_sandbox_status(sb.id, "host-a", "running")); });
  store_.write([&](WriteTx& tx) { tx.delete_sandbox(sb.id); });
  store_.write([&](WriteTx& tx) { tx.delete_network(net.id); });
  store_.write([&](WriteTx& tx) { EXPECT_FALSE(tx.set_sandbox_status(sb.id, "h", "stopped")); });

  std::vector<Change> log;
  int64_t r_end = 0;
  store_.read([&](ReadTx& tx) {
    log = tx.changes_since(r0, 100);
    r_end = tx.current_revision();
  });
  // Five changing transactions; the no-op attach and unchanged status took no revision.
  EXPECT_EQ(r_end, r0 + 5);
  std::vector<std::pair<int64_t, std::string>> got;
  for (const Change& c : log) {
    got.emplace_back(c.revision - r0, c.kind);
    EXPECT_EQ(c.user_id, user_);
  }
  std::vector<std::pair<int64_t, std::string>> want = {
      {1, "network_created"}, {2, "sandbox_created"},  {2, "member_attached"},
      {3, "sandbox_status"},  {4, "member_detached"},  {4, "sandbox_deleted"},
      {5, "network_deleted"}};
  EXPECT_EQ(got, want);
  EXPECT_EQ(log[2].network_id, net.id);
  EXPECT_EQ(log[2].sandbox_id, sb.id);
}

TEST_F(StoreTest, StatusIsVisibleToMembersAndFailedWritesRollBack) {
  Network net;
  Sandbox sb;
  store_.write([&](WriteTx& tx) {
    net = tx.create_network(user_, "backend");
    sb = tx.create_sandbox(user_, new_sandbox_id(), "brave-otter", "10.42.0.2");
    tx.attach(sb.id, net.id);
    tx.set_sandbox_status(sb.id, "host-a", "running");
  });
  store_.read([&](ReadTx& tx) {
    auto members = tx.network_members(net.id);
    ASSERT_EQ(members.size(), 1u);
    EXPECT_EQ(members[0].status, "running");
    EXPECT_EQ(tx.find_sandbox_by_id(user_, sb.id)->host, "host-a");
  });
  int64_t before = 0;
  store_.read([&](ReadTx& tx) { before = tx.current_revision(); });
  EXPECT_THROW(store_.write([&](WriteTx& tx) {
    tx.create_network(user_, "other");
    tx.create_network(user_, "backend");  // name_taken: the whole transaction rolls back
  }),
               ApiError);
  store_.read([&](ReadTx& tx) {
    EXPECT_FALSE(tx.find_network_by_name(user_, "other"));
    EXPECT_EQ(tx.current_revision(), before);
  });
}

TEST(Ipam, PoolParsing) {
  auto pool = parse_ipv4_pool("10.42.0.0/16");
  ASSERT_TRUE(pool);
  EXPECT_EQ(format_ipv4(pool->gateway()), "10.42.0.1");
  EXPECT_EQ(format_ipv4(pool->first_assignable()), "10.42.0.2");
  EXPECT_EQ(format_ipv4(pool->last_assignable()), "10.42.255.254");
  for (const char* bad : {"10.42.0.0", "10.42.0.1/16", "10.42.0.0/30", "10.0.0.0/7", "x/16",
                          "10.42.0.0/", "10.42.0.0/16x", "300.1.1.1/8"}) {
    EXPECT_FALSE(parse_ipv4_pool(bad)) << bad;
  }
}

TEST_F(StoreTest, IpamUsesFreshAddressesThenQuarantinedOnesOldestFirst) {
  IpamConfig config{*parse_ipv4_pool("10.1.0.0/29"), 1000};  // .2-.6
  std::vector<uint32_t> got;
  auto alloc = [&](const std::string& id, int64_t now) {
    uint32_t ip = 0;
    store_.write([&](WriteTx& tx) { ip = allocate_ip(tx, config, id, now); });
    return format_ipv4(ip);
  };
  auto release = [&](const std::string& id, int64_t now) {
    store_.write([&](WriteTx& tx) { tx.release_ips(id, now); });
  };
  for (int i = 2; i <= 6; ++i) EXPECT_EQ(alloc("s" + std::to_string(i), 0), "10.1.0." + std::to_string(i));
  release("s5", 100);
  release("s3", 200);
  EXPECT_THROW(alloc("x", 1099), ApiError);  // .5 is still in quarantine at 1099
  EXPECT_EQ(alloc("x", 1100), "10.1.0.5");   // oldest release first
  EXPECT_THROW(alloc("y", 1100), ApiError);
  EXPECT_EQ(alloc("y", 1200), "10.1.0.3");
  try {
    alloc("z", 5000);
    FAIL() << "pool should be exhausted";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status, 503);
    EXPECT_EQ(e.code, "pool_exhausted");
  }
}

}  // namespace
}  // namespace sandnet::api
