// The agent's GET /metrics, scraped from a running agent in API mode: blocked traffic shows up
// under its hook and reason name, and the revisions show the agent caught up with the feed.
#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdlib>
#include <optional>
#include <string>

#include "tests/e2e/e2e_world.h"
#include "tests/integration/harness/netns.h"
#include "tests/integration/harness/poll.h"
#include "tests/integration/harness/probes.h"
#include "tests/integration/harness/require_root.h"

namespace sandnet::e2e {
namespace {

constexpr int kMetricsPort = 9465;  // on the world's own host namespace's loopback
const milliseconds kBlocked{800};

std::string scrape(const World& w) {
  return testing::in_netns(w.host_netns(), [] {
    httplib::Client client("127.0.0.1", kMetricsPort);
    client.set_connection_timeout(std::chrono::seconds(5));
    client.set_read_timeout(std::chrono::seconds(30));
    auto r = client.Get("/metrics");
    return r && r->status == 200 ? r->body : std::string();
  });
}

// The value of the sample whose name and labels are exactly `series`; nullopt when absent.
std::optional<double> sample(const std::string& text, const std::string& series) {
  std::string key = "\n" + series + " ";
  auto at = ("\n" + text).find(key);
  if (at == std::string::npos) return std::nullopt;
  return std::strtod(text.c_str() + at + key.size() - 1, nullptr);
}

class AgentMetrics : public ::testing::Test {
 protected:
  void SetUp() override {
    SANDNET_REQUIRE_ROOT();
    world_ = std::make_unique<World>();
    world_->start_api();
    world_->start_agent({"--metrics-listen", "127.0.0.1:" + std::to_string(kMetricsPort)});
  }
  void TearDown() override {
    if (HasFailure() && world_) std::fprintf(stderr, "---- agent log\n%s\n", world_->agent_log().c_str());
    world_.reset();
  }
  std::unique_ptr<World> world_;
};

TEST_F(AgentMetrics, DropsByReasonAndTheAgentCaughtUpWithTheFeed) {
  World& w = *world_;
  w.ok("POST", "/v1/networks", {{"name", "backend"}});
  auto& a = w.create_sandbox("A", "brave-otter");
  auto& c = w.create_sandbox("C", "quick-fox");  // in no network
  w.plug(a);
  w.plug(c);
  EXPECT_EQ(w.attach(a, "backend")["applied"], true);

  std::string before = scrape(w);
  ASSERT_FALSE(before.empty()) << "no answer on :" << kMetricsPort;
  const std::string not_peer = "sandnet_agent_drops_total{hook=\"ingress\",reason=\"ARP_NOT_PEER\"}";
  ASSERT_TRUE(sample(before, not_peer)) << before;
  double dropped_before = *sample(before, not_peer);

  // C is in no network: its ARP requests for A are dropped at its tap, as ARP_NOT_PEER.
  EXPECT_FALSE(testing::ping_once(c.netns, a.ip, kBlocked));
  std::string text;
  EXPECT_TRUE(testing::eventually(milliseconds(20000), milliseconds(100), [&] {
    text = scrape(w);
    auto now = sample(text, not_peer);
    return now && *now > dropped_before;
  })) << text;

  // Caught up: what the feed delivered is applied and reported.
  EXPECT_TRUE(testing::eventually(milliseconds(20000), milliseconds(100), [&] {
    text = scrape(w);
    auto feed = sample(text, "sandnet_agent_feed_revision");
    return feed && *feed > 0 && sample(text, "sandnet_agent_applied_revision") == feed &&
           sample(text, "sandnet_agent_reported_revision") == feed;
  })) << text;
  EXPECT_EQ(sample(text, "sandnet_agent_api_reachable"), 1.0);
  EXPECT_GE(sample(text, "sandnet_agent_applies_total{result=\"ok\"}").value_or(0), 1.0);
  EXPECT_EQ(sample(text, "sandnet_agent_applies_total{result=\"failed\"}"), 0.0);
  EXPECT_GE(sample(text, "sandnet_agent_apply_duration_seconds_count").value_or(0), 1.0);
  EXPECT_EQ(sample(text, "sandnet_agent_plugs"), 2.0);
}

}  // namespace
}  // namespace sandnet::e2e
