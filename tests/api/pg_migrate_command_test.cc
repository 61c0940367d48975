// `sandnet-api migrate --from FILE --to URI` against a real SQLite server and a real
// PostgreSQL database: after the copy a replica on PostgreSQL answers every GET a user and a
// host make exactly as the SQLite server did, old keys and host tokens work, host feeds go on
// from the revision they held (no snapshot), and the next write takes the next revision.
// Refusals leave the target untouched.
#include <fstream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "api/pg_conn.h"
#include "api/sqlite_conn.h"
#include "api/sqlite_store.h"
#include "api/sqlite_to_pg.h"
#include "tests/api/api_process.h"
#include "tests/api/pg_cluster_env.h"
#include "tests/api_feed/feed_fixture.h"

namespace sandnet::test {
namespace {

using nlohmann::json;

class MigrateCommandTest : public ::testing::Test {
 protected:
  MigrateCommandTest() : sqlite_(dir_.file("sandnet.db")), pg_(PgCluster::fresh_database()) {}

  // Serve options for both sides: no lease keeper round during the test, whose turning a
  // host lost or live would take revisions between the reads compared.
  std::vector<std::string> serve_args() {
    std::string path = dir_.file("serve.json");
    std::ofstream(path) << R"({"host_lease_ms": 3600000})";
    return {"--config", path};
  }

  int64_t pg_count(const std::string& table) {
    api::PgConn conn(pg_);
    return conn.exec("SELECT COUNT(*) FROM " + table).int_at(0, 0);
  }

  // The copy must fail naming `why`, and leave the target without a single user.
  void expect_refused(const std::string& why) {
    try {
      api::copy_sqlite_to_pg(sqlite_, pg_);
      FAIL() << "copied";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
    }
  }

  TempDir dir_;
  std::string sqlite_;
  std::string pg_;
};

// Who asks what: the label, and the JSend answer.
using Answers = std::vector<std::pair<std::string, Response>>;

struct Callers {
  Api& alice;
  Api& bob;
  HostClient& h1;
  HostClient& h2;
};

// Every read a user and a host make, for every object either user holds.
Answers everything_read(const Callers& c, int64_t mid_revision) {
  Answers out;
  for (auto [who, api] : {std::pair<const char*, Api*>{"alice", &c.alice}, {"bob", &c.bob}}) {
    for (const char* list : {"/v1/networks", "/v1/sandboxes"}) {
      Response all = api->get(std::string(list) + "?limit=100");
      out.emplace_back(std::string(who) + " " + list, all);
      for (const json& item : all.body["data"]["data"]) {
        std::string path = std::string(list) + "/" + item["id"].get<std::string>();
        out.emplace_back(std::string(who) + " " + path, api->get(path));
      }
    }
    out.emplace_back(std::string(who) + " page 2", api->get("/v1/networks?limit=1&offset=1"));
  }
  for (HostClient* h : {&c.h1, &c.h2}) {
    out.emplace_back(h->host() + " snapshot", h->feed(0));
    out.emplace_back(h->host() + " changes", h->feed(mid_revision));
  }
  // The stored first answer to an Idempotency-Key is replayed from the database.
  out.emplace_back("alice replay", c.alice.post("/v1/networks", R"({"name":"keyed"})",
                                                {{"Idempotency-Key", "k-1"}}));
  return out;
}

std::string id_of(const Response& r) {
  EXPECT_EQ(r.status, 200) << r.raw;
  return r.body["data"]["id"].get<std::string>();
}

TEST_F(MigrateCommandTest, ReplicasOnPostgresContinueWhereSqliteStopped) {
  std::string alice_key = create_user(sqlite_, "alice");
  std::string bob_key = create_user(sqlite_, "bob");
  std::string h1_token = create_host(sqlite_, "h1");
  std::string h2_token = create_host(sqlite_, "h2");
  ASSERT_FALSE(run_cli({"hosts", "create", "h2", "--underlay", "10.8.0.2", "--db", sqlite_}).empty());

  Answers before;
  int64_t mid = 0;
  std::string web, frontend;
  {
    ApiProcess server(sqlite_, serve_args());
    Api alice(server.port(), alice_key), bob(server.port(), bob_key);
    HostClient h1(server.port(), "h1", h1_token), h2(server.port(), "h2", h2_token);
    std::string backend = id_of(alice.post("/v1/networks", R"({"name":"backend"})"));
    frontend = id_of(alice.post("/v1/networks", R"({"name":"frontend"})"));
    std::string scratch = id_of(alice.post("/v1/networks", R"({"name":"scratch"})"));
    web = id_of(alice.post("/v1/sandboxes", R"({"name":"web"})"));
    std::string db = id_of(alice.post("/v1/sandboxes", R"({"name":"db"})"));
    std::string tmp = id_of(alice.post("/v1/sandboxes", R"({"name":"tmp"})"));
    std::string bobnet = id_of(bob.post("/v1/networks", R"({"name":"bobnet"})"));
    std::string bobsb = id_of(bob.post("/v1/sandboxes", R"({"name":"bobsb"})"));
    auto attach = [](Api& api, const std::string& sb, const std::string& net) {
      Response r = api.post("/v1/sandboxes/" + sb + "/networks", json{{"id", net}}.dump());
      EXPECT_EQ(r.status, 200) << r.raw;
    };
    attach(alice, web, backend);
    attach(alice, db, backend);
    attach(alice, web, frontend);
    attach(bob, bobsb, bobnet);
    EXPECT_EQ(h1.plug(web, R"({"mac":"02:00:0a:2a:00:02"})").status, 200);
    EXPECT_EQ(h2.plug(db).status, 200);
    EXPECT_EQ(h1.plug(bobsb).status, 200);
    mid = h1.feed(0).body["data"]["revision"].get<int64_t>();
    EXPECT_EQ(alice.del("/v1/sandboxes/" + web + "/networks/" + frontend).status, 200);
    EXPECT_EQ(alice.del("/v1/sandboxes/" + tmp).status, 200);
    EXPECT_EQ(alice.del("/v1/networks/" + scratch).status, 200);
    EXPECT_EQ(h2.unplug(db).status, 200);
    EXPECT_EQ(alice.post("/v1/networks", R"({"name":"keyed"})", {{"Idempotency-Key", "k-1"}})
                  .status,
              200);
    int64_t last = h1.feed(0).body["data"]["revision"].get<int64_t>();
    EXPECT_EQ(h1.applied(last).status, 200);
    before = everything_read({alice, bob, h1, h2}, mid);
    EXPECT_EQ(server.terminate(), 0);
  }
  EXPECT_EQ(api::SqliteStore(sqlite_).list_users().size(), 2u);

  int rc = -1;
  std::string out = run_cli({"migrate", "--from", sqlite_, "--to", pg_}, &rc);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("copied "), std::string::npos) << out;

  ApiProcess replica(pg_, serve_args());
  Api alice(replica.port(), alice_key), bob(replica.port(), bob_key);
  HostClient h1(replica.port(), "h1", h1_token), h2(replica.port(), "h2", h2_token);
  Answers after = everything_read({alice, bob, h1, h2}, mid);
  // 13 user reads of 7 objects, 4 host reads, 1 replay: nothing compared is vacuous.
  ASSERT_EQ(before.size(), 18u);
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ(after[i].first, before[i].first);
    EXPECT_EQ(before[i].second.status, 200) << before[i].first << ": " << before[i].second.raw;
    EXPECT_EQ(after[i].second.status, before[i].second.status) << after[i].first;
    EXPECT_EQ(after[i].second.body, before[i].second.body) << after[i].first;
  }

  for (const auto& [label, r] : before) {
    if (label.find(" changes") == std::string::npos) continue;
    EXPECT_EQ(r.body["data"]["type"], "changes") << label;
    EXPECT_FALSE(r.body["data"]["sandboxes"].empty()) << label << ": " << r.raw;
  }

  // h1 held revision R: it goes on with changes, and the next write is R + 1.
  int64_t held = h1.feed(0).body["data"]["revision"].get<int64_t>();
  Response idle = h1.feed(held);
  EXPECT_EQ(idle.body["data"]["type"], "changes") << idle.raw;
  EXPECT_EQ(idle.body["data"]["revision"], held);
  Response r = alice.post("/v1/sandboxes/" + web + "/networks", json{{"id", frontend}}.dump());
  ASSERT_EQ(r.status, 200) << r.raw;
  Response next = h1.feed(held);
  EXPECT_EQ(next.body["data"]["type"], "changes") << next.raw;
  EXPECT_EQ(next.body["data"]["revision"], held + 1) << next.raw;
  EXPECT_EQ(ids_of(next.body["data"]["sandboxes"]).count(web), 1u) << next.raw;
  // Hosts keep their numbers and underlays (the feed answers above list them too).
  std::string hosts = run_cli({"hosts", "list", "--db", pg_});
  EXPECT_NE(hosts.find("h1\tnumber 1\tunderlay none\t"), std::string::npos) << hosts;
  EXPECT_NE(hosts.find("h2\tnumber 2\tunderlay 10.8.0.2\t"), std::string::npos) << hosts;
  // A new user gets the next user id, not one the copy took.
  EXPECT_FALSE(create_user(pg_, "carol").empty());
  EXPECT_EQ(pg_count("users"), 3);
}

// The copy covers every table of the schema; the test fails when a new table or column
// appears in one store's migrations and not in the other's.
TEST_F(MigrateCommandTest, EveryTableOfTheSchemaIsCopied) {
  { api::SqliteStore store(sqlite_); }
  api::StoreCopyReport report = api::copy_sqlite_to_pg(sqlite_, pg_);
  std::set<std::string> copied;
  for (const auto& [table, rows] : report.rows_per_table) copied.insert(table);
  std::set<std::string> sqlite_tables;
  {
    api::SqliteConn conn(sqlite_);
    api::Stmt s = conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table'");
    while (s.step()) sqlite_tables.insert(s.text_at(0));
  }
  sqlite_tables.erase("schema_migrations");
  EXPECT_EQ(copied, sqlite_tables);
  api::PgConn conn(pg_);
  api::PgResult r = conn.exec(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()");
  std::set<std::string> pg_tables;
  for (int i = 0; i < r.rows(); ++i) pg_tables.insert(r.text(i, 0));
  pg_tables.erase("schema_migrations");
  EXPECT_EQ(copied, pg_tables);
}

TEST_F(MigrateCommandTest, TargetThatHoldsDataIsRefusedAndUntouched) {
  create_user(sqlite_, "alice");
  create_user(pg_, "carol");
  expect_refused("already holds data");
  EXPECT_EQ(pg_count("users"), 1);
  int rc = 0;
  run_cli({"migrate", "--from", sqlite_, "--to", pg_}, &rc);
  EXPECT_NE(rc, 0);
  EXPECT_EQ(pg_count("users"), 1);
}

TEST_F(MigrateCommandTest, TableOrColumnItDoesNotKnowFailsLoudly) {
  create_user(sqlite_, "alice");
  api::SqliteConn(sqlite_).exec("CREATE TABLE surprise (x INTEGER)");
  expect_refused("surprise");
  EXPECT_EQ(pg_count("users"), 0);
  api::SqliteConn(sqlite_).exec("DROP TABLE surprise");
  api::SqliteConn(sqlite_).exec("ALTER TABLE users ADD COLUMN nickname TEXT");
  expect_refused("users.{nickname}");
  EXPECT_EQ(pg_count("users"), 0);
}

TEST_F(MigrateCommandTest, SourceNewerThanTheBinaryIsRefused) {
  create_user(sqlite_, "alice");
  api::SqliteConn(sqlite_).exec(
      "INSERT INTO schema_migrations(version, applied_at) VALUES (9999, datetime('now'))");
  expect_refused("newer than this sandnet-api");
  int rc = 0;
  run_cli({"migrate", "--from", sqlite_, "--to", "sqlite.db"}, &rc);
  EXPECT_NE(rc, 0);  // --to must be a URI
}

}  // namespace
}  // namespace sandnet::test
