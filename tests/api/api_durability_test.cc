// Restart persistence, graceful SIGTERM, and the crash test: every write that got a 2xx
// answer before a kill -9 is there after restart.

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "tests/api/api_fixture.h"
#include "tests/api/test_db.h"

namespace sandnet::test {
namespace {

using nlohmann::json;

class DurabilityTest : public ApiTest {};

TEST_F(DurabilityTest, StateSurvivesGracefulRestart) {
  json net = make_network(alice(), "backend");
  json sb = make_sandbox(alice(), "brave-otter", {"backend"});
  json gone = make_sandbox(alice(), "short-lived");
  ASSERT_EQ(alice().del("/v1/sandboxes/short-lived").status, 200);
  Response before = alice().get("/v1/networks/backend");

  EXPECT_EQ(server_->terminate(), 0);  // SIGTERM: clean exit
  start();
  Response after = alice().get("/v1/networks/backend");
  ASSERT_EQ(after.status, 200);
  EXPECT_EQ(after.body, before.body);
  EXPECT_EQ(alice().get("/v1/sandboxes/" + sb["id"].get<std::string>()).body["data"], sb);
  // IPAM state persisted too: the next address is fresh, the freed one stays quarantined.
  json next = make_sandbox(alice(), "clever-fox");
  EXPECT_EQ(next["ip"], "10.42.0.4");
  // Idempotency records persist.
  httplib::Headers key{{"Idempotency-Key", "k1"}};
  Response first = alice().post("/v1/networks", R"({"name":"n1"})", key);
  server_->kill_hard();
  start();
  Response replay = alice().post("/v1/networks", R"({"name":"n1"})", key);
  EXPECT_EQ(replay.status, 200);
  EXPECT_EQ(replay.body, first.body);
}

TEST_F(DurabilityTest, SigtermFinishesInFlightRequests) {
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::thread client([&] {
    for (int i = 0; !stop; ++i) {
      Response r = alice().get("/v1/networks");
      // After shutdown: no answer at all is fine; a half answer or 5xx is not. This loop
      // outruns tenant_requests_per_second, so 429 (a whole answer) is fine too.
      if (r.status != 0 && r.status != 200 && r.status != 429) ++bad;
      if (r.status == 0) break;
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(server_->terminate(), 0);
  stop = true;
  client.join();
  EXPECT_EQ(bad.load(), 0);
}

TEST_F(DurabilityTest, AcknowledgedWritesSurviveKill9) {
  constexpr int kWriters = 4;
  constexpr int kAckedBeforeKill = 120;
  std::mutex mu;
  std::vector<std::string> acked_networks, acked_sandboxes;
  std::atomic<int> acked{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; !stop; ++i) {
        std::string name = "w" + std::to_string(w) + "-" + std::to_string(i);
        bool sandbox = i % 2 == 1;
        Response r = alice().post(sandbox ? "/v1/sandboxes" : "/v1/networks",
                                  json{{"name", name}}.dump());
        if (r.status == 0) return;  // server gone
        if (r.status == 200) {
          std::lock_guard<std::mutex> lock(mu);
          (sandbox ? acked_sandboxes : acked_networks).push_back(name);
          ++acked;
        }
      }
    });
  }
  ASSERT_TRUE(eventually([&] { return acked.load() >= kAckedBeforeKill; },
                         std::chrono::seconds(120)));
  server_->kill_hard();  // mid-stream: writers are still sending
  stop = true;
  for (auto& t : writers) t.join();

  // The database is consistent and every acknowledged write is in it.
  EXPECT_EQ(integrity_check(db_), "ok");

  start();
  std::set<std::string> nets, sbs;
  for (const char* route : {"/v1/networks", "/v1/sandboxes"}) {
    for (int offset = 0;; offset += 500) {
      Response r = alice().get(std::string(route) + "?limit=500&offset=" + std::to_string(offset));
      ASSERT_EQ(r.status, 200);
      for (const json& item : r.body["data"]["data"]) {
        (std::string(route) == "/v1/networks" ? nets : sbs).insert(item["name"]);
      }
      if (r.body["data"]["pagination"]["count"] < 500) break;
    }
  }
  int missing = 0;
  for (const std::string& n : acked_networks) missing += nets.count(n) ? 0 : 1;
  for (const std::string& n : acked_sandboxes) missing += sbs.count(n) ? 0 : 1;
  EXPECT_EQ(missing, 0) << "of " << acked_networks.size() + acked_sandboxes.size()
                        << " acknowledged writes";
  EXPECT_GE(acked_networks.size() + acked_sandboxes.size(), size_t{kAckedBeforeKill});
}

}  // namespace
}  // namespace sandnet::test
