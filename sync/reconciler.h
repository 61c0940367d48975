// The agent's control loop in API mode: follows the host feed and keeps the datapath, the
// host channels and the guests' hosts tables equal to the view; handles the runtime's plug /
// unplug requests and vanished taps; reports to the API what it applied.
//
// Each feed answer is applied as one diff (the loader's make-before-break apply), then the
// applied revision is POSTed (once the maps are written; hosts tables are delivered per guest
// in the background and never waited for), then the checkpoint is written. While the API is unreachable nothing changes
// locally (fail-static) and the feed is retried with jittered exponential backoff; the state
// of the API connection is logged once per change, not per retry.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/prometheus_text.h"
#include "loader/agent_config.h"
#include "sync/checkpoint.h"
#include "sync/datapath_port.h"
#include "sync/feed_client.h"
#include "sync/guest_table_index.h"
#include "sync/guest_tables.h"
#include "sync/host_view.h"
#include "sync/local_plugs.h"
#include "sync/table_pusher.h"
#include "sync/view_to_state.h"

namespace sandnet::sync {

struct ReconcilerOptions {
  std::string host_id;
  std::string state_dir;
  dp::AgentConfig config;
  std::chrono::seconds long_poll{25};
  std::chrono::milliseconds max_backoff{5000};
};

// What the agent's /metrics shows of the reconciler (agent/agent_metrics.h).
struct ReconcilerMetrics {
  uint64_t feed_revision = 0;      // the view's revision: the newest the feed delivered
  uint64_t applied_revision = 0;   // the newest the datapath holds
  uint64_t reported_revision = 0;  // the newest the API was told about
  std::optional<bool> api_reachable;
  uint64_t applies = 0, apply_failures = 0;
  prom::Histogram apply_seconds;  // derive + datapath + hosts tables, per apply
  PushStats push;
  size_t plugs = 0, quarantined = 0, attach_failures = 0;
  // The feed lists this host with a number other than the config's host_number (issue 17).
  bool host_number_mismatch = false;
};

class Reconciler {
 public:
  // `datapath`: the kernel side (sync/kernel_datapath.h), injected so tests replace it.
  Reconciler(ReconcilerOptions options, FeedClient& client, DatapathPort& datapath, TablePusher& pusher);

  // Reads the checkpoint (if any), drops plugs whose tap vanished while the agent was away and
  // applies the result: on a restart this adopts the pinned maps with no write.
  void restore();
  // The feed loop; returns when `stop` becomes true (checked between polls).
  void run(const std::atomic<bool>& stop);

  // One request of the agent socket (docs/agent.md "Runtime plug API"); never throws.
  nlohmann::json handle(const nlohmann::json& request);
  // A network interface disappeared (netlink): if it was a plugged tap, unplug its sandbox, or
  // quarantine it when another device already has its name.
  void tap_gone(const std::string& ifname);
  // Link events were lost: re-check every plugged tap against its device.
  void recheck_taps();

  // A snapshot for /metrics (waits for an apply in progress, like the socket's status).
  ReconcilerMetrics metrics();

  // Held while state changes; taking it guarantees no apply or checkpoint is half-done.
  std::mutex& mutex() { return mu_; }

 private:
  nlohmann::json plug(const std::string& sandbox_id, const std::string& tap, std::optional<std::string> mac);
  nlohmann::json unplug(const std::string& sandbox_id, const char* why);
  nlohmann::json status();
  nlohmann::json quarantined_json() const;
  nlohmann::json attach_failures_json() const;
  // `touched`: the only guests whose hosts table may have changed (nullptr: all of them).
  // `release`: taps the runtime unplugged (their programs may go). Returns false when the
  // datapath refused or failed the apply as a whole: the revision is then not applied.
  // `change`: what changed since the last apply (nullptr: unknown, derive the whole view).
  bool apply_locked(const std::vector<std::string>& repush, const std::set<std::string>* touched = nullptr,
                    const std::set<std::string>& release = {}, const StateChange* change = nullptr);
  void sync_host_channels_locked();
  // Checks plugs (all, or those on `only_tap`) against their devices (sync/plug_binding.h):
  // marks a plug whose name another device took `unbound`, binds one an older agent recorded
  // (if its device still carries sandnet's programs, else `unbound`). Returns the sandboxes
  // whose tap is gone; `changed` says whether an apply is due.
  std::vector<std::string> verify_plugs_locked(const std::string* only_tap, bool& changed);
  void recheck(const std::string* only_tap);
  // Checkpoint writes (sync/checkpoint.h): feed-driven ones in the background, plugs durably
  // before answering.
  void compact_locked(bool durable_now = false);
  void log_locked(const CheckpointRecord& record, bool durable_now = false);
  void log_local_locked(bool durable_now = false);
  void append_locked(std::string line, bool durable_now = false);
  // What the feed says of this host against the config (sanity), and each changed host's
  // record, logged once per change.
  void check_own_host_locked();
  void log_host_changes_locked(const std::set<std::string>& hosts);
  void report_pending();
  void note_api(bool reachable, const std::string& detail);

  ReconcilerOptions options_;
  FeedClient& client_;
  DatapathPort& dp_;
  TablePusher& pusher_;
  std::string host_link_local_;

  std::mutex mu_;
  HostView view_;
  LocalPlugs plugs_;
  std::set<std::string> unreported_unplugs_;
  std::map<std::string, std::pair<std::string, std::string>> channels_;  // sandbox → (tap, guest ip)
  GuestTableIndex table_index_;  // each guest's table kept, patched by the feed changes that touch it
  // The desired state of the view and plugs at the last apply, patched by each change's delta
  // (O(change)); derived whole only when what changed is unknown (restore, recheck, snapshot).
  dp::DesiredState state_;
  bool state_known_ = false;
  uint64_t applied_revision_ = 0;
  std::atomic<uint64_t> reported_revision_{0};
  uint64_t applies_ = 0;
  uint64_t apply_failures_ = 0;
  prom::Histogram apply_seconds_;
  std::string last_apply_error_;
  std::set<std::string> warned_;  // the last apply's warnings, logged when they appeared
  bool datapath_behind_ = false;  // the last apply failed: retry before trusting the maps
  std::vector<dp::Quarantined> quarantined_;             // drop-all taps after the last apply
  std::map<uint32_t, std::string> attach_failures_;  // taps left without programs
  std::optional<uint32_t> feed_host_number_;  // this host's number in the feed, once listed
  bool host_number_mismatch_ = false;

  uint64_t generation_ = 0;  // of the last checkpoint base
  CheckpointWriter checkpoints_;

  std::mutex api_mu_;
  std::optional<bool> api_reachable_;  // nullopt until the first answer or failure
};

}  // namespace sandnet::sync
