// Faults under a churn of writes through two sandnet-api replicas on one PostgreSQL database
// (issue 16): a replica killed with SIGKILL loses no acknowledged write and the hosts' feeds,
// followed across both replicas, converge to the database's state; a PostgreSQL restart gives
// retryable 503 store_busy answers, and writes resume by themselves, without restarting a
// replica. Clients behave like the SDK and agents should: a create carries an Idempotency-Key
// and is retried with it, on the other replica when one is gone.
#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/api/api_process.h"
#include "tests/api/pg_cluster_env.h"
#include "tests/api_feed/feed_fixture.h"

namespace sandnet::test {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

// A host agent's copy of its view (as in tests/api_feed/feed_model_test.cc).
struct ViewModel {
  int64_t revision = 0;
  std::map<std::string, json> sandboxes, networks;

  void apply(const json& d) {
    if (d["type"] == "snapshot") {
      sandboxes.clear();
      networks.clear();
    }
    for (const json& s : d["sandboxes"]) sandboxes[s["id"]] = s;
    for (const json& n : d["networks"]) networks[n["id"]] = n;
    if (d["type"] == "changes") {
      for (const json& id : d["removed_sandboxes"]) sandboxes.erase(id.get<std::string>());
      for (const json& id : d["removed_networks"]) networks.erase(id.get<std::string>());
    }
    revision = d["revision"];
  }
};

class PgReplicaFaultsTest : public ::testing::Test {
 protected:
  PgReplicaFaultsTest() : db_(PgCluster::fresh_database()), key_(create_user(db_, "alice")) {
    // The churn outruns the default per-tenant and per-host request rates on purpose.
    config_ = dir_.file("serve.json");
    std::ofstream(config_) << R"({"tenant_requests_per_second": 100000,
                                  "host_requests_per_second": 100000})";
    for (int i = 0; i < 2; ++i) start_replica(i);
  }

  void start_replica(int i) {
    auto process = std::make_unique<ApiProcess>(db_, std::vector<std::string>{"--config", config_});
    auto client = std::make_unique<Api>(process->port(), key_);
    if (static_cast<int>(replicas_.size()) <= i) {
      replicas_.resize(i + 1);
      clients_.resize(i + 1);
    }
    replicas_[i] = std::move(process);
    clients_[i] = std::move(client);
  }

  Api& on(int replica) { return *clients_[replica]; }

  // Every sandbox alice has, by name, read through one replica.
  std::map<std::string, json> all_sandboxes(int replica) {
    std::map<std::string, json> out;
    for (int offset = 0;; offset += 500) {
      Response r = on(replica).get("/v1/sandboxes?limit=500&offset=" + std::to_string(offset));
      EXPECT_EQ(r.status, 200) << r.raw;
      if (r.status != 200) return out;
      for (const json& s : r.body["data"]["data"]) out[s["name"]] = s;
      if (r.body["data"]["data"].size() < 500) return out;
    }
  }

  TempDir dir_;
  std::string db_, key_, config_;
  std::vector<std::unique_ptr<ApiProcess>> replicas_;
  std::vector<std::unique_ptr<Api>> clients_;
};

TEST_F(PgReplicaFaultsTest, Kill9OfAReplicaMidChurnLosesNoAcknowledgedWriteAndFeedsConverge) {
  const std::string hosts[2] = {"h1", "h2"};
  std::string tokens[2] = {create_host(db_, "h1"), create_host(db_, "h2")};
  std::vector<std::string> nets;
  for (int i = 0; i < 3; ++i) {
    Response r = on(i % 2).post("/v1/networks", json{{"name", "net" + std::to_string(i)}}.dump());
    ASSERT_EQ(r.status, 200) << r.raw;
    nets.push_back(r.body["data"]["id"]);
  }

  std::atomic<bool> killed{false}, stop{false};
  std::atomic<int> acked{0};
  std::mutex mu;
  std::map<std::string, std::string> acked_ids;      // name -> id, answered 200
  std::map<std::string, std::string> acked_plugs;    // id -> host, answered 200
  std::string unexpected;                            // answers no correct server gives
  auto note = [&](const std::string& what) {
    std::lock_guard<std::mutex> lock(mu);
    unexpected += what + "\n";
  };
  // Sends through replica `r` (0 until it is killed), moving to replica 1 once 0 is gone.
  auto via = [&](int& r, auto&& send) -> Response {
    for (int attempt = 0; attempt < 50; ++attempt) {
      Response resp = send(r);
      if (resp.status == 0 && r == 0 && killed) {
        r = 1;  // the replica is gone: the same request, with the same key, on the other one
        continue;
      }
      if (resp.status == 429 || resp.status == 503) {
        std::this_thread::sleep_for(50ms);
        continue;
      }
      return resp;
    }
    return Response{};
  };

  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      int r = w % 2;
      for (int i = 0; !stop; ++i) {
        std::string name = "w" + std::to_string(w) + "-" + std::to_string(i);
        json body{{"name", name}, {"networks", json::array({{{"id", nets[i % 3]}}})}};
        Response created = via(r, [&](int replica) {
          return on(replica).post("/v1/sandboxes", body.dump(), {{"Idempotency-Key", name}});
        });
        if (created.status != 200) {
          note("create " + name + ": " + std::to_string(created.status) + " " + created.raw);
          continue;
        }
        std::string id = created.body["data"]["id"];
        {
          std::lock_guard<std::mutex> lock(mu);
          acked_ids[name] = id;
        }
        ++acked;
        // Its host (h1 for even writers, h2 for odd ones) plugs it, through the same replica.
        const int h = w % 2;
        Response plugged = via(r, [&](int replica) {
          HostClient client(replicas_[replica]->port(), hosts[h], tokens[h]);
          return client.plug(id);
        });
        if (plugged.status != 200) {
          note("plug " + id + ": " + std::to_string(plugged.status) + " " + plugged.raw);
          continue;
        }
        std::lock_guard<std::mutex> lock(mu);
        acked_plugs[id] = hosts[h];
      }
    });
  }

  // Two hosts follow their feeds, switching replica on every poll; a revision never goes
  // backwards, whichever replica answers.
  ViewModel models[2];
  std::vector<std::thread> followers;
  for (int h = 0; h < 2; ++h) {
    followers.emplace_back([&, h] {
      for (int poll = 0; !stop; ++poll) {
        int r = (killed || poll % 2 == 1) ? 1 : 0;
        HostClient client(replicas_[r]->port(), hosts[h], tokens[h]);
        Response resp = client.feed(models[h].revision, 1);
        if (resp.status == 0 && r == 0) continue;  // killed in between
        if (resp.status == 429 || resp.status == 503) continue;
        if (resp.status != 200) {
          note("feed " + hosts[h] + ": " + std::to_string(resp.status) + " " + resp.raw);
          continue;
        }
        int64_t revision = resp.body["data"]["revision"];
        if (revision < models[h].revision) {
          note("feed " + hosts[h] + " went back from " + std::to_string(models[h].revision) +
               " to " + std::to_string(revision));
        }
        models[h].apply(resp.body["data"]);
      }
    });
  }

  ASSERT_TRUE(eventually([&] { return acked.load() >= 60; }, 120s));
  killed = true;              // from now on "no answer" from replica 0 is expected
  replicas_[0]->kill_hard();  // mid-churn: its writers and one follower are mid-request
  int at_kill = acked.load();
  bool more = eventually([&] { return acked.load() >= at_kill + 60; }, 120s);
  stop = true;
  for (auto& t : writers) t.join();
  for (auto& t : followers) t.join();
  ASSERT_TRUE(more) << "writes did not go on through the surviving replica";
  EXPECT_EQ(unexpected, "");

  // Every acknowledged create is there exactly once, with its network; every acknowledged
  // plug holds.
  std::map<std::string, json> listed = all_sandboxes(1);
  EXPECT_EQ(listed.size(), acked_ids.size());
  for (const auto& [name, id] : acked_ids) {
    auto it = listed.find(name);
    ASSERT_NE(it, listed.end()) << name << " was acknowledged and is gone";
    EXPECT_EQ(it->second["id"], id) << name;
  }

  // A restarted replica serves the same state.
  start_replica(0);
  EXPECT_EQ(all_sandboxes(0), listed);

  // Both feeds converge: the changes after each host's last revision bring its copy to a fresh
  // snapshot's view, which holds every sandbox acknowledged as plugged on that host.
  for (int h = 0; h < 2; ++h) {
    HostClient client(replicas_[h]->port(), hosts[h], tokens[h]);
    Response changes = client.feed(models[h].revision, 0);
    ASSERT_EQ(changes.status, 200) << changes.raw;
    models[h].apply(changes.body["data"]);
    Response snap = client.feed(0, 0);
    ASSERT_EQ(snap.status, 200) << snap.raw;
    ViewModel fresh;
    fresh.apply(snap.body["data"]);
    EXPECT_EQ(models[h].revision, fresh.revision) << hosts[h];
    EXPECT_EQ(json(models[h].sandboxes), json(fresh.sandboxes)) << hosts[h];
    EXPECT_EQ(json(models[h].networks), json(fresh.networks)) << hosts[h];
    int plugged_here = 0;
    for (const auto& [id, host] : acked_plugs) {
      if (host != hosts[h]) continue;
      ++plugged_here;
      EXPECT_EQ(fresh.sandboxes.count(id), 1u) << id << " plugged on " << host;
    }
    EXPECT_GT(plugged_here, 0) << hosts[h];
  }
}

TEST_F(PgReplicaFaultsTest, DatabaseRestartMidChurnIsRetryable503AndWritesResumeOnTheirOwn) {
  std::atomic<bool> stop{false}, down{false}, resumed{false};
  std::atomic<int> acked{0}, busy{0};
  std::atomic<int> acked_after_resume[2] = {0, 0};
  std::mutex mu;
  std::set<std::string> acked_names;
  std::string unexpected;
  auto note = [&](const std::string& what) {
    std::lock_guard<std::mutex> lock(mu);
    unexpected += what + "\n";
  };

  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      const int r = w % 2;
      for (int i = 0; !stop; ++i) {
        std::string name = "w" + std::to_string(w) + "-" + std::to_string(i);
        // One create, retried with its key until it is answered (a client honouring 503).
        while (!stop) {
          Response resp = on(r).post("/v1/networks", json{{"name", name}}.dump(),
                                     {{"Idempotency-Key", name}});
          if (resp.status == 200) {
            {
              std::lock_guard<std::mutex> lock(mu);
              acked_names.insert(name);
            }
            ++acked;
            if (resumed) ++acked_after_resume[r];
            break;
          }
          if (resp.status == 503) {
            ++busy;
            // A 5xx is a JSend error: code beside message, data.retryable.
            if (resp.body.value("status", "") != "error" ||
                resp.body.value("code", "") != "store_busy" ||
                resp.body["data"].value("retryable", false) != true ||
                resp.headers.count("Retry-After") != 1) {
              note("503 but not a retryable store_busy: " + resp.raw);
            }
            std::this_thread::sleep_for(100ms);
            continue;
          }
          if (resp.status == 429) {
            std::this_thread::sleep_for(50ms);
            continue;
          }
          note(name + ": " + std::to_string(resp.status) + " " + resp.raw +
               (down ? " (database down)" : ""));
          break;
        }
      }
    });
  }

  ASSERT_TRUE(eventually([&] { return acked.load() >= 40; }, 60s));
  down = true;
  PgCluster::stop();  // fast shutdown: every session, mid-transaction or idle, is ended
  int busy_at_stop = busy.load();
  std::this_thread::sleep_for(1500ms);
  int busy_while_down = busy.load() - busy_at_stop;
  PgCluster::resume();
  down = false;
  resumed = true;
  // No replica is restarted: each one's writes succeed again by themselves.
  bool recovered = eventually(
      [&] { return acked_after_resume[0].load() >= 20 && acked_after_resume[1].load() >= 20; },
      60s);
  stop = true;
  for (auto& t : writers) t.join();
  EXPECT_TRUE(recovered) << "after the restart: " << acked_after_resume[0].load() << " and "
                         << acked_after_resume[1].load() << " writes acknowledged";
  EXPECT_GT(busy_while_down, 0) << "no 503 while the database was down";
  EXPECT_EQ(unexpected, "");

  // Every acknowledged create is there exactly once (the retries carried its key).
  std::set<std::string> listed;
  for (int offset = 0;; offset += 500) {
    Response r = on(1).get("/v1/networks?limit=500&offset=" + std::to_string(offset));
    ASSERT_EQ(r.status, 200) << r.raw;
    for (const json& n : r.body["data"]["data"]) listed.insert(n["name"].get<std::string>());
    if (r.body["data"]["data"].size() < 500) break;
  }
  for (const std::string& name : acked_names) EXPECT_EQ(listed.count(name), 1u) << name;
  std::printf("[ figures ] %d writes acknowledged, %d answered 503 store_busy (%d while down)\n",
              acked.load(), busy.load(), busy_while_down);
}

}  // namespace
}  // namespace sandnet::test
