// The Prometheus text of the agent: drop totals that never fall, every (hook, reason) series
// present from the first scrape, and the reconciler's figures.
#include <gtest/gtest.h>

#include "agent/agent_metrics.h"

namespace sandnet::agent {
namespace {

sn_counters with(unsigned reason, uint64_t n) {
  sn_counters c{};
  c.drops[reason] = n;
  return c;
}

TEST(DropTotals, GrowthIsAddedAndAResetCountsItsNewValue) {
  dp::DropTotals t;
  t.add({{{7, SN_HOOK_INGRESS}, with(SN_DROP_SPOOF_IP, 5)}});
  t.add({{{7, SN_HOOK_INGRESS}, with(SN_DROP_SPOOF_IP, 9)}});
  EXPECT_EQ((t.totals().at({SN_HOOK_INGRESS, SN_DROP_SPOOF_IP})), 9u);
  // The tap's row was zeroed (a new tap took it): 2 is all new, nothing is subtracted.
  t.add({{{7, SN_HOOK_INGRESS}, with(SN_DROP_SPOOF_IP, 2)}});
  EXPECT_EQ((t.totals().at({SN_HOOK_INGRESS, SN_DROP_SPOOF_IP})), 11u);
  // The tap went (its row leaves the read): the total stays.
  t.add({});
  EXPECT_EQ((t.totals().at({SN_HOOK_INGRESS, SN_DROP_SPOOF_IP})), 11u);
  // Two taps on one hook add up.
  t.add({{{7, SN_HOOK_OVERLAY}, with(SN_DROP_UNDERLAY_NOT_OWNER, 1)},
         {{8, SN_HOOK_OVERLAY}, with(SN_DROP_UNDERLAY_NOT_OWNER, 3)}});
  EXPECT_EQ((t.totals().at({SN_HOOK_OVERLAY, SN_DROP_UNDERLAY_NOT_OWNER})), 4u);
}

TEST(AgentMetricsText, EveryHookAndReasonHasItsSeriesWithNamesNotNumbers) {
  dp::DropTotals::Totals totals{{{SN_HOOK_UNDERLAY, SN_DROP_UNDERLAY_UNKNOWN_HOST}, 42}};
  std::string text = render_drop_metrics(totals);
  EXPECT_NE(text.find("# TYPE sandnet_agent_drops_total counter"), std::string::npos);
  EXPECT_NE(text.find("sandnet_agent_drops_total{hook=\"underlay\",reason=\"UNDERLAY_UNKNOWN_HOST\"} 42\n"),
            std::string::npos);
  EXPECT_NE(text.find("sandnet_agent_drops_total{hook=\"ingress\",reason=\"NO_SHARED_NETWORK\"} 0\n"),
            std::string::npos);
  size_t lines = 0;
  for (size_t at = 0; (at = text.find("sandnet_agent_drops_total{", at)) != std::string::npos; ++at) ++lines;
  EXPECT_EQ(lines, size_t{SN_HOOK__MAX} * SN_DROP__MAX);
}

TEST(AgentMetricsText, ReconcilerFiguresAndTheApplyHistogram) {
  sync::ReconcilerMetrics m;
  m.feed_revision = 12;
  m.applied_revision = 11;
  m.reported_revision = 10;
  m.api_reachable = false;
  m.applies = 5;
  m.apply_failures = 1;
  m.apply_seconds.observe(0.003);
  m.apply_seconds.observe(0.2);
  m.push.delivered = 7;
  m.push.failed_attempts = 2;
  std::string text = render_reconciler_metrics(m);
  for (const char* line :
       {"sandnet_agent_feed_revision 12\n", "sandnet_agent_applied_revision 11\n",
        "sandnet_agent_reported_revision 10\n", "sandnet_agent_api_reachable 0\n",
        "sandnet_agent_applies_total{result=\"ok\"} 4\n", "sandnet_agent_applies_total{result=\"failed\"} 1\n",
        "sandnet_agent_apply_duration_seconds_bucket{le=\"0.005\"} 1\n",
        "sandnet_agent_apply_duration_seconds_bucket{le=\"+Inf\"} 2\n",
        "sandnet_agent_apply_duration_seconds_count 2\n",
        "sandnet_agent_table_pushes_total{result=\"failed\"} 2\n", "sandnet_agent_host_number_mismatch 0\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line;
  }
  m.host_number_mismatch = true;
  EXPECT_NE(render_reconciler_metrics(m).find("sandnet_agent_host_number_mismatch 1\n"), std::string::npos);
  m.api_reachable.reset();  // unknown until the first answer: no series rather than a guess
  EXPECT_EQ(render_reconciler_metrics(m).find("sandnet_agent_api_reachable"), std::string::npos);
}

}  // namespace
}  // namespace sandnet::agent
