// The agent's Prometheus text for GET /metrics (docs/agent.md "Metrics"): the datapath's
// drops by hook and reason, and in API mode the reconciler's revisions, applies and pushes.
#pragma once
#include <functional>
#include <mutex>
#include <string>

#include "loader/drop_totals.h"
#include "sync/reconciler.h"

namespace sandnet::agent {

// Every (hook, reason) pair, zeros included, so a rate() or an alert has its series from the
// first scrape on.
std::string render_drop_metrics(const dp::DropTotals::Totals& totals);
std::string render_reconciler_metrics(const sync::ReconcilerMetrics& m);

// Owns the monotonic drop totals between scrapes. `read_counters` reads the kernel's
// per-tap counters (dp::MapSet::read_counters); `reconciler` is null in state-file mode.
class AgentMetrics {
 public:
  AgentMetrics(std::function<dp::DropTotals::Read()> read_counters, sync::Reconciler* reconciler);
  // Throws when the counters cannot be read (the scrape answers 500).
  std::string render();

 private:
  std::function<dp::DropTotals::Read()> read_counters_;
  sync::Reconciler* reconciler_;
  std::mutex mu_;  // scrapes may overlap
  dp::DropTotals drops_;
};

}  // namespace sandnet::agent
