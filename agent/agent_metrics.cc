#include "agent/agent_metrics.h"

#include <fmt/format.h>

#include "common/prometheus_text.h"
#include "loader/drop_reasons.h"

namespace sandnet::agent {
namespace {

std::string gauge(std::string_view name, std::string_view help, uint64_t value) {
  return prom::header(name, "gauge", help) + fmt::format("{} {}\n", name, value);
}

}  // namespace

std::string render_drop_metrics(const dp::DropTotals::Totals& totals) {
  std::string out = prom::header("sandnet_agent_drops_total", "counter",
                                 "Packets the datapath dropped, by hook and reason (docs/datapath.md, drop reasons).");
  for (unsigned hook = 0; hook < SN_HOOK__MAX; ++hook) {
    for (unsigned r = 0; r < SN_DROP__MAX; ++r) {
      auto it = totals.find({hook, r});
      out += fmt::format("sandnet_agent_drops_total{{hook=\"{}\",reason=\"{}\"}} {}\n", dp::hook_name(hook),
                         *dp::drop_reason_name(r), it == totals.end() ? 0 : it->second);
    }
  }
  return out;
}

std::string render_reconciler_metrics(const sync::ReconcilerMetrics& m) {
  std::string out;
  out += gauge("sandnet_agent_feed_revision", "The newest revision the host feed delivered.", m.feed_revision);
  out += gauge("sandnet_agent_applied_revision",
               "The newest revision the datapath enforces (behind the feed revision while an apply fails).",
               m.applied_revision);
  out += gauge("sandnet_agent_reported_revision", "The newest applied revision the API acknowledged.",
               m.reported_revision);
  if (m.api_reachable) {
    out += gauge("sandnet_agent_api_reachable", "1 when the last feed call was answered, 0 when it failed.",
                 *m.api_reachable ? 1 : 0);
  }
  out += prom::header("sandnet_agent_applies_total", "counter", "Applies of the view to the datapath, by result.");
  out += fmt::format("sandnet_agent_applies_total{{result=\"ok\"}} {}\n", m.applies - m.apply_failures);
  out += fmt::format("sandnet_agent_applies_total{{result=\"failed\"}} {}\n", m.apply_failures);
  out += prom::header("sandnet_agent_apply_duration_seconds", "histogram",
                      "One apply: derive the state, write the maps, rebuild the touched hosts tables.");
  out += m.apply_seconds.render("sandnet_agent_apply_duration_seconds", "");
  out += prom::header("sandnet_agent_table_pushes_total", "counter",
                      "Hosts-table deliveries to guests, by result (a failed attempt is retried).");
  out += fmt::format("sandnet_agent_table_pushes_total{{result=\"delivered\"}} {}\n", m.push.delivered);
  out += fmt::format("sandnet_agent_table_pushes_total{{result=\"failed\"}} {}\n", m.push.failed_attempts);
  out += gauge("sandnet_agent_table_pushes_pending", "Guests whose newest hosts table is not delivered yet.",
               m.push.pending);
  out += gauge("sandnet_agent_plugs", "Sandboxes the runtime plugged on this host.", m.plugs);
  out += gauge("sandnet_agent_quarantined_taps", "Taps held drop-all (unplaceable, over capacity).", m.quarantined);
  out += gauge("sandnet_agent_attach_failures", "Taps whose programs could not be attached (set down).",
               m.attach_failures);
  out += gauge("sandnet_agent_host_number_mismatch",
               "1 while the feed numbers this host otherwise than the config's host_number.",
               m.host_number_mismatch ? 1 : 0);
  return out;
}

AgentMetrics::AgentMetrics(std::function<dp::DropTotals::Read()> read_counters, sync::Reconciler* reconciler)
    : read_counters_(std::move(read_counters)), reconciler_(reconciler) {}

std::string AgentMetrics::render() {
  std::string out;
  {
    std::lock_guard lock(mu_);
    drops_.add(read_counters_());
    out = render_drop_metrics(drops_.totals());
  }
  if (reconciler_) out += render_reconciler_metrics(reconciler_->metrics());
  return out;
}

}  // namespace sandnet::agent
