// Scale of the host feed at the issue's target: 10,000 sandboxes on one host in 1,000
// networks of 100 members (100,000 memberships). Prints the time to compute and serialize the
// whole view, the size and time of a "changes" answer, and, over real HTTP against the real
// binary, the time from an attach's/detach's 200 to the waiting long-poll's answer (p50/p99).
// Figures only: nothing here asserts on time (docs/host-feed.md quotes a run).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <future>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "api/auth.h"
#include "api/host_auth.h"
#include "api/host_view.h"
#include "api/sqlite_store.h"
#include "common/ulid.h"
#include "tests/api/api_process.h"

namespace sandnet::test {
namespace {

using namespace sandnet::api;
using Clock = std::chrono::steady_clock;

constexpr int kSandboxes = 10000, kNetworks = 1000, kPerSandbox = 10;

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

struct Seeded {
  std::vector<std::string> sandboxes, networks;
  UserId user = 0;
};

// Every sandbox on h1, each in kPerSandbox networks: 100 members per network.
Seeded seed(SqliteStore& store) {
  Seeded s;
  s.user = store.create_user("scale");
  store.write([&](WriteTx& tx) {
    for (int n = 0; n < kNetworks; ++n) {
      s.networks.push_back(tx.create_network(s.user, fmt::format("net{}", n)).id);
    }
    for (int i = 0; i < kSandboxes; ++i) {
      std::string id = new_sandbox_id();
      tx.create_sandbox(s.user, id, fmt::format("sb{}", i),
                        fmt::format("10.42.{}.{}", 1 + i / 250, 1 + i % 250));
      tx.set_sandbox_status(id, "h1", "running");
      s.sandboxes.push_back(id);
    }
    for (int i = 0; i < kSandboxes; ++i) {
      for (int k = 0; k < kPerSandbox; ++k) {
        tx.attach(s.sandboxes[i], s.networks[(i + k * 97) % kNetworks]);
      }
    }
  });
  return s;
}

TEST(FeedScaleTest, ViewAndChangesAt10kSandboxes100kMemberships) {
  TempDir dir;
  std::string db = dir.file("scale.db");
  Seeded seeded;
  {
    SqliteStore store(db);
    auto t = Clock::now();
    seeded = seed(store);
    std::printf("seeded %d sandboxes, %d memberships in %.0f ms\n", kSandboxes,
                kSandboxes * kPerSandbox, ms_since(t));

    std::vector<double> view_ms, json_ms;
    size_t bytes = 0, members = 0;
    for (int run = 0; run < 5; ++run) {
      HostView view;
      auto t0 = Clock::now();
      store.read([&](ReadTx& tx) { view = tx.host_view("h1"); });
      view_ms.push_back(ms_since(t0));
      auto t1 = Clock::now();
      bytes = snapshot_json(view).dump().size();
      json_ms.push_back(ms_since(t1));
      ASSERT_EQ(view.sandboxes.size(), static_cast<size_t>(kSandboxes));
      ASSERT_EQ(view.networks.size(), static_cast<size_t>(kNetworks));
      members = 0;
      for (const ViewNetwork& n : view.networks) members += n.members.size();
      ASSERT_EQ(members, static_cast<size_t>(kSandboxes * kPerSandbox));
    }
    std::printf("host view (10k sandboxes, 100k memberships): compute median %.0f ms, "
                "JSON %.0f ms, %zu bytes\n",
                percentile(view_ms, 0.5), percentile(json_ms, 0.5), bytes);

    // One more local sandbox attached to a network already in the view.
    int64_t before = 0;
    store.read([&](ReadTx& tx) { before = tx.current_revision(); });
    std::string extra = new_sandbox_id();
    store.write([&](WriteTx& tx) {
      tx.create_sandbox(seeded.user, extra, "extra", "10.42.200.1");
      tx.set_sandbox_status(extra, "h1", "running");
      tx.attach(extra, seeded.networks[0]);
    });
    ViewChanges changes;
    auto t2 = Clock::now();
    store.read([&](ReadTx& tx) { changes = compute_view_changes(tx, "h1", before); });
    double delta_ms = ms_since(t2);
    EXPECT_EQ(changes.sandboxes.size(), 1u);
    EXPECT_EQ(changes.networks.size(), 1u);
    std::printf("changes answer for one attach: %zu sandbox, %zu network, %zu bytes, %.2f ms\n",
                changes.sandboxes.size(), changes.networks.size(),
                changes_json(changes).dump().size(), delta_ms);
  }

  // Over HTTP, against the real binary on this database.
  std::string key, token;
  {
    SqliteStore store(db);
    key = issue_api_key(store, seeded.user).token;
    token = issue_host_token(store, "h1");
  }
  // One tenant holds the whole seeded world: far past the default per-tenant quotas.
  std::string config = db + ".config.json";
  {
    std::ofstream(config) << R"({"quota_sandboxes": 1000000, "quota_networks": 1000000,)"
                          << R"( "quota_memberships": 10000000, "quota_addresses": 1000000})";
  }
  ApiProcess server(db, {"--config", config});
  Api user(server.port(), key);
  Api anon(server.port(), "");
  httplib::Headers host_header{{"X-Host-Token", token}};
  auto t3 = Clock::now();
  Response snap = anon.request("GET", "/v1/hosts/h1/feed?since=0", "", host_header, "");
  double snap_ms = ms_since(t3);
  ASSERT_EQ(snap.status, 200);
  std::printf("snapshot over HTTP: %.0f ms, %zu bytes\n", snap_ms, snap.raw.size());
  int64_t rev = snap.body["data"]["revision"];

  std::vector<double> convergence;
  const std::string sb = seeded.sandboxes[0], net = seeded.networks[kNetworks - 1];
  for (int i = 0; i < 200; ++i) {
    auto poll = std::async(std::launch::async, [&] {
      Response r = anon.request("GET", fmt::format("/v1/hosts/h1/feed?since={}&timeout=30", rev),
                                "", host_header, "");
      return std::make_pair(r, Clock::now());
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    Response change = i % 2 == 0
        ? user.post("/v1/sandboxes/" + sb + "/networks", fmt::format(R"({{"id":"{}"}})", net))
        : user.del("/v1/sandboxes/" + sb + "/networks/" + net);
    auto acked = Clock::now();
    ASSERT_EQ(change.status, 200) << change.raw;
    auto [r, answered] = poll.get();
    ASSERT_EQ(r.status, 200) << r.raw;
    ASSERT_EQ(r.body["data"]["type"], "changes");
    ASSERT_FALSE(r.body["data"]["sandboxes"].empty());
    rev = r.body["data"]["revision"];
    convergence.push_back(
        std::max(0.0, std::chrono::duration<double, std::milli>(answered - acked).count()));
  }
  std::printf("attach/detach 200 -> long-poll answer (200 changes, 10k view): p50 %.2f ms, "
              "p99 %.2f ms, max %.2f ms\n",
              percentile(convergence, 0.5), percentile(convergence, 0.99),
              percentile(convergence, 1.0));
}

}  // namespace
}  // namespace sandnet::test
