#include "sync/reconciler.h"

#include <cstring>
#include <random>
#include <thread>

#include <spdlog/spdlog.h>

#include "common/ifname.h"
#include "common/mac_addr.h"
#include "common/netlink/link_identity.h"
#include "common/ulid.h"
#include "loader/net_addr.h"
#include "sync/checkpoint.h"
#include "sync/guest_tables.h"
#include "sync/plug_binding.h"
#include "sync/view_to_state.h"

namespace sandnet::sync {

using nlohmann::json;

namespace {

json fail(const std::string& message) { return {{"ok", false}, {"error", message}}; }

// Fail closed: a device the kernel cannot be asked about counts as another device.
Binding binding_of(DatapathPort& dp, const LocalPlug& plug, std::optional<netlink::LinkIdentity>& now) {
  try {
    now = dp.query_link(plug.tap);
    return check_binding(plug, now);
  } catch (const std::exception& e) {
    spdlog::error("tap {}: {}", plug.tap, e.what());
    return Binding::replaced;
  }
}

}  // namespace

Reconciler::Reconciler(ReconcilerOptions options, FeedClient& client, DatapathPort& datapath, TablePusher& pusher)
    : options_(std::move(options)),
      client_(client),
      dp_(datapath),
      pusher_(pusher),
      host_link_local_(dp::format_ipv4(options_.config.host_link_local_be)),
      checkpoints_(options_.state_dir) {}

void Reconciler::restore() {
  std::lock_guard lock(mu_);
  std::optional<Checkpoint> cp;
  try {
    cp = load_checkpoint(options_.state_dir);
  } catch (const std::exception& e) {
    spdlog::error("{}; starting from a fresh snapshot", e.what());
  }
  if (cp && cp->host_id != options_.host_id) {
    spdlog::warn("checkpoint in {} is for host {}, not {}; ignored", options_.state_dir, cp->host_id,
                 options_.host_id);
    cp.reset();
  }
  std::vector<std::string> all;
  bool base_current = false;  // the base and log on disk hold exactly the restored state
  if (cp) {
    view_ = std::move(cp->view);
    check_own_host_locked();
    plugs_ = std::move(cp->plugs);
    unreported_unplugs_ = std::move(cp->unreported_unplugs);
    bool changed = false;
    auto gone = verify_plugs_locked(nullptr, changed);
    for (auto& id : gone) {
      spdlog::info("sandbox {}: tap {} vanished while the agent was away; unplugged", id, plugs_.at(id).tap);
      unreported_unplugs_.insert(id);
      plugs_.erase(id);
    }
    base_current = cp->log_appendable && gone.empty() && !changed;
    if (base_current) checkpoints_.adopt_log(cp->log_bytes);
    for (auto& [id, p] : plugs_)
      if (!p.unbound) all.push_back(id);
    spdlog::info("checkpoint: revision {}, {} sandboxes, {} networks, {} plugs ({} log records)", view_.revision(),
                 view_.sandboxes().size(), view_.networks().size(), plugs_.size(), cp->replayed_records);
    if (!cp->lists_hosts) {
      // Enforced as it is until the snapshot comes; revision 0 also goes into any base
      // written meanwhile, so a crash before the snapshot asks for it again.
      spdlog::info("checkpoint from an agent without host records: asking the API for a snapshot");
      view_.forget_revision();
    }
  }
  generation_ = cp ? cp->generation : 0;
  // Without a checkpoint the view and plugs are empty: every tap that carries the programs
  // is held drop-all by the datapath (never detached) until the runtime plugs it again.
  if (apply_locked(all)) applied_revision_ = view_.revision();
  reported_revision_ = 0;  // unknown: report again once the API answers
  // A fresh base first unless the files on disk are this very state with a whole log: a torn
  // line must not precede new records, and plugs dropped here are in no record. Not waited
  // for: the writer writes in order, so no record can reach the log before it. (Skipping it
  // keeps the base's text, the largest transient of a restart, out of the restart's peak.)
  if (!base_current) compact_locked();
}

bool Reconciler::apply_locked(const std::vector<std::string>& repush, const std::set<std::string>* touched,
                              const std::set<std::string>& release, const StateChange* change) {
  using Clock = std::chrono::steady_clock;
  auto us_since = [](Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t).count();
  };
  auto t0 = Clock::now();
  std::vector<std::string> skipped;
  std::optional<dp::DesiredDelta> delta;  // handed to the datapath: it plans only what changed
  if (change && state_known_) {
    delta = state_delta(view_, plugs_, options_.host_id, options_.config, *change, &skipped);
    dp::apply_delta(state_, *delta);
  } else {
    auto build = view_to_state(view_, plugs_, options_.host_id, options_.config);
    state_ = std::move(build.state);
    skipped = std::move(build.skipped);
    state_known_ = true;
  }
  auto derive_us = us_since(t0);
  for (auto& s : skipped) spdlog::warn("not installed: {}", s);
  applies_++;
  auto t1 = Clock::now();
  bool ok = true;
  try {
    // After a failed apply the datapath may not have taken the last delta: whole, until one succeeds.
    auto r = dp_.apply(state_, release, delta && !datapath_behind_ ? &*delta : nullptr);
    // Each warning (a missing tap, a quarantine) once while it lasts, not at every apply.
    std::set<std::string> warnings(r.warnings.begin(), r.warnings.end());
    for (auto& w : warnings)
      if (!warned_.count(w)) spdlog::warn("{}", w);
    warned_ = std::move(warnings);
    spdlog::debug("revision {}: applied {} endpoints, {} networks: {} map writes, {} links new, {} detached",
                  view_.revision(), state_.endpoints.size(), state_.networks.size(), r.map_writes,
                  r.attach.created, r.detached);
    last_apply_error_.clear();
    quarantined_ = std::move(r.quarantined);
    attach_failures_ = std::move(r.attach_failures);
  } catch (const std::exception& e) {
    // A write failed (the writes before it stay; the loader re-reads the maps) or the maps'
    // own contents break the layout (nothing written): this revision is not applied (never
    // reported). Entries over a capacity do not land here: they are quarantined one by one.
    if (last_apply_error_ != e.what()) spdlog::error("revision {}: not applied: {}", view_.revision(), e.what());
    last_apply_error_ = e.what();
    ok = false;
  }
  datapath_behind_ = !ok;
  auto datapath_us = us_since(t1);
  auto t2 = Clock::now();
  sync_host_channels_locked();
  // Each guest's update: whole when what changed is unknown (a plug, a snapshot, a restart),
  // else only the touched guests', each the change to its table (the pusher keeps the tables).
  std::map<std::string, std::optional<TableUpdate>> updates;
  if (!touched) {
    table_index_.clear();
    for (auto& [id, _] : plugs_)
      if (auto u = table_index_.table(view_, plugs_, options_.host_id, id)) updates[id] = std::move(u);
  } else {
    for (auto& id : *touched) updates[id] = table_index_.table(view_, plugs_, options_.host_id, id);
  }
  auto tables_us = us_since(t2);
  auto t3 = Clock::now();
  // Handed over, never waited for under the lock: a guest that accepts and never answers must
  // not delay anyone's apply. "Applied" is the datapath's; tables follow per guest.
  size_t rebuilt = updates.size();
  pusher_.update(updates, view_.revision(), repush, !touched);
  spdlog::debug("revision {}: derive {} us, datapath {} us, tables {} us ({} rebuilt), push {} us", view_.revision(),
                derive_us, datapath_us, tables_us, rebuilt, us_since(t3));
  if (!ok) apply_failures_++;
  apply_seconds_.observe(static_cast<double>(us_since(t0)) / 1e6);
  return ok;
}

std::vector<std::string> Reconciler::verify_plugs_locked(const std::string* only_tap, bool& changed) {
  std::vector<std::string> gone;
  for (auto& [id, plug] : plugs_) {
    if (only_tap && plug.tap != *only_tap) continue;
    std::optional<netlink::LinkIdentity> now;
    switch (binding_of(dp_, plug, now)) {
      case Binding::bound:
        break;
      case Binding::gone:
        gone.push_back(id);
        break;
      case Binding::unverified:
        // Recorded by an older agent: the device is the plugged one only if it still carries
        // what an agent put there; then bind it now.
        if (dp_.holds(now->ifindex)) {
          auto alias = "sandnet:" + new_ulid();
          if (int e = dp_.set_link_alias(now->ifindex, alias); e == 0) {
            plug.ifindex = now->ifindex;
            plug.alias = std::move(alias);
            spdlog::info("sandbox {}: plug bound to tap {} (ifindex {})", id, plug.tap, plug.ifindex);
            break;
          } else {
            spdlog::error("tap {}: cannot set its alias: {}", plug.tap, std::strerror(e));
          }
        }
        [[fallthrough]];
      case Binding::replaced:
        if (!plug.unbound) {
          spdlog::warn("sandbox {}: tap {} is not the device it was plugged on; drop-all until plugged again", id,
                       plug.tap);
          plug.unbound = true;
          changed = true;
        }
        break;
    }
  }
  return gone;
}

void Reconciler::recheck(const std::string* only_tap) {
  std::vector<std::string> gone;
  {
    std::lock_guard lock(mu_);
    bool changed = false;
    gone = verify_plugs_locked(only_tap, changed);
    if (changed && apply_locked({})) applied_revision_ = view_.revision();
  }
  for (auto& id : gone) unplug(id, "tap vanished");
}

void Reconciler::recheck_taps() { recheck(nullptr); }

void Reconciler::sync_host_channels_locked() {
  std::map<std::string, std::pair<std::string, std::string>> want;
  for (auto& [id, plug] : plugs_) {
    if (plug.unbound) continue;  // another device has the name: no channel, no table
    auto it = view_.sandboxes().find(id);
    if (it == view_.sandboxes().end() || (it->second.host && *it->second.host != options_.host_id)) continue;
    want[id] = {plug.tap, it->second.ip};
  }
  for (auto& [id, chan] : channels_) {
    auto w = want.find(id);
    if (w == want.end() || w->second != chan) dp_.close_host_channel(chan.first, chan.second, host_link_local_);
  }
  for (auto& [id, chan] : want) {
    auto c = channels_.find(id);
    if (c != channels_.end() && c->second == chan) continue;
    try {
      dp_.open_host_channel(chan.first, chan.second, host_link_local_);
    } catch (const std::exception& e) {
      spdlog::warn("sandbox {}: host channel: {}", id, e.what());
    }
  }
  channels_ = std::move(want);
}

void Reconciler::compact_locked(bool durable_now) {
  ++generation_;
  try {
    checkpoints_.compact(encode_base_file(options_.state_dir, options_.host_id, generation_, view_, plugs_,
                                          unreported_unplugs_),
                         durable_now);
  } catch (const std::exception& e) {
    // As a failed write on the writer's thread: the next append compacts again.
    spdlog::error("checkpoint not written: {}", e.what());
    checkpoints_.mark_broken();
  }
}

void Reconciler::log_locked(const CheckpointRecord& record, bool durable_now) {
  append_locked(encode_record(record), durable_now);
}

void Reconciler::append_locked(std::string line, bool durable_now) {
  checkpoints_.append(std::move(line), durable_now);
  // Compact once the log outgrows a fraction of the view (replay stays cheap), or after a
  // failed write (the log may have a gap).
  size_t limit = (size_t{1} << 20) + view_.sandboxes().size() * 64;
  if (checkpoints_.needs_compaction() || checkpoints_.log_bytes() > limit) compact_locked(durable_now);
}

void Reconciler::log_local_locked(bool durable_now) {
  log_locked({.plugs = &plugs_, .unreported_unplugs = &unreported_unplugs_}, durable_now);
}

void Reconciler::note_api(bool reachable, const std::string& detail) {
  std::lock_guard lock(api_mu_);
  if (api_reachable_ == reachable) return;
  if (reachable) spdlog::info("API reachable");
  else spdlog::warn("API unreachable ({}); enforcing the last applied state, retrying with backoff", detail);
  api_reachable_ = reachable;
}

void Reconciler::log_host_changes_locked(const std::set<std::string>& hosts) {
  for (auto& id : hosts) {
    if (id == options_.host_id) continue;
    auto& h = view_.hosts().at(id);
    spdlog::info("host {} (number {}, underlay {}) is {}: its {} sandboxes of the view are {}", id, h.number,
                 h.underlay.value_or("none"), h.live ? "live" : "lost", view_.placed_on(id).size(),
                 h.overlay_reaches() ? "peers" : "purged (no tunnel, no names)");
  }
}

void Reconciler::check_own_host_locked() {
  auto it = view_.hosts().find(options_.host_id);
  if (it == view_.hosts().end()) return;
  uint32_t configured = options_.config.overlay_setup.host_number;
  bool mismatch = configured != 0 && it->second.number != configured;
  if (feed_host_number_ != it->second.number || mismatch != host_number_mismatch_) {
    // Not a reason to stop applying: the other hosts check our frames against the feed's
    // number and drop them (closed), while a refused revision would keep a revoked peer.
    if (mismatch)
      spdlog::error("the API numbers this host {} but the config says host_number {}: frames this host sends "
                    "across hosts are dropped by the others until host_number is fixed and the agent restarted",
                    it->second.number, configured);
    else if (host_number_mismatch_)
      spdlog::info("the API's number for this host ({}) matches the config again", it->second.number);
  }
  feed_host_number_ = it->second.number;
  host_number_mismatch_ = mismatch;
}

void Reconciler::report_pending() {
  uint64_t revision;
  std::set<std::string> unplugs;
  {
    std::lock_guard lock(mu_);
    revision = applied_revision_;
    unplugs = unreported_unplugs_;
  }
  if (revision > reported_revision_) {
    try {
      client_.report_applied(revision);
      reported_revision_ = revision;
    } catch (const ApiError& e) {
      if (e.unreachable()) note_api(false, e.what());
      else spdlog::error("{}", e.what());
    }
  }
  for (auto& id : unplugs) {
    try {
      client_.unplug(id);
    } catch (const ApiError& e) {
      if (e.unreachable()) {
        note_api(false, e.what());
        continue;
      }
      spdlog::warn("unplug report for {}: {}; dropped", id, e.what());  // e.g. deleted meanwhile
    }
    std::lock_guard lock(mu_);
    unreported_unplugs_.erase(id);
    log_local_locked();
  }
}

void Reconciler::run(const std::atomic<bool>& stop) {
  std::mt19937 rng{std::random_device{}()};
  int failures = 0;
  uint64_t since;
  {
    std::lock_guard lock(mu_);
    since = view_.revision();
  }
  while (!stop) {
    bool behind;
    {
      std::lock_guard lock(mu_);
      // A failed apply is retried before each poll (the whole view: it is a diff anyway).
      if (datapath_behind_ && apply_locked({})) applied_revision_ = view_.revision();
      behind = datapath_behind_;
    }
    report_pending();
    FeedAnswer answer;
    try {
      // While behind, poll briefly so that the retry above comes soon.
      answer = client_.feed(since, behind ? std::chrono::seconds(1) : options_.long_poll);
      note_api(true, "");
      failures = 0;
    } catch (const FeedFormatError& e) {
      note_api(true, "");
      spdlog::error("feed answer rejected ({}); asking for a snapshot", e.what());
      since = 0;
      continue;
    } catch (const ApiError& e) {
      if (e.unreachable()) note_api(false, e.what());
      else spdlog::error("feed: {}", e.what());  // e.g. a revoked token: keep enforcing, keep trying
      auto ceiling = std::min<int64_t>(options_.max_backoff.count(), 100LL << std::min(failures++, 10));
      std::uniform_int_distribution<int64_t> pick(ceiling / 2, ceiling);
      auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(pick(rng));
      while (!stop && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    bool snapshot = answer.snapshot;
    std::string record;
    bool changed = false;
    bool whole = snapshot;
    {
      std::lock_guard lock(mu_);
      std::optional<std::set<std::string>> touched;
      StateChange names;
      // A change naming a large share of the view (the catch-up after a bulk import, or after a
      // long absence) is applied as a snapshot is: derived and planned whole, every table
      // rebuilt, and written as a new checkpoint base rather than a log record (the record's
      // JSON tree of every record it names was the catch-up's largest transient). Its delta
      // costs O(view) as well, and its transient indexes (names, touched entries, marked peers)
      // outweigh a whole derivation's.
      size_t records = answer.sandboxes.size() + answer.removed_sandboxes.size() + answer.networks.size() +
                       answer.removed_networks.size() + answer.hosts.size();
      whole = whole || records * 4 > view_.sandboxes().size() + 64;
      // The log record of a changes answer is the size of the change: encode it before the
      // answer is consumed, write it once the revision is reported.
      if (!whole && records != 0) record = encode_record({.feed = &answer});
      names.hosts = view_.hosts_changed_by(answer.hosts);
      if (!whole) {
        touched = guests_touched(view_, answer, plugs_, [this](const std::string& guest, const std::string& peer) {
          return table_index_.shares_network(guest, peer);
        });
        table_index_.note_change(view_, answer, options_.host_id);
        for (auto& s : answer.sandboxes) names.sandboxes.insert(s.id);
        names.sandboxes.insert(answer.removed_sandboxes.begin(), answer.removed_sandboxes.end());
        for (auto& n : answer.networks) names.networks.insert(n.id);
        names.networks.insert(answer.removed_networks.begin(), answer.removed_networks.end());
      }
      changed = view_.apply(std::move(answer));
      log_host_changes_locked(names.hosts);
      check_own_host_locked();
      bool ok = !datapath_behind_;
      if (changed || snapshot) ok = apply_locked({}, touched ? &*touched : nullptr, {}, whole ? nullptr : &names);
      // `applied` only for what is applied: a failed apply leaves the reported revision where it was.
      if (ok) applied_revision_ = view_.revision();
      since = view_.revision();
    }
    report_pending();  // promptly: `?wait=applied` callers are waiting for it
    if (changed) {
      std::lock_guard lock(mu_);
      if (whole) {
        compact_locked();
      } else {
        append_locked(std::move(record));
      }
    }
  }
}

json Reconciler::plug(const std::string& sandbox_id, const std::string& tap, std::optional<std::string> mac) {
  if (!is_sandbox_id(sandbox_id)) return fail("sandbox_id must be sb_<ULID>");
  if (!is_valid_ifname(tap)) return fail("tap must be an interface name");
  if (mac) {
    auto parsed = parse_mac(*mac);
    if (!parsed || !is_unicast_mac(*parsed)) return fail("mac must be a unicast MAC address");
    mac = format_mac(*parsed);
  }
  {
    std::lock_guard lock(mu_);
    for (auto& [id, p] : plugs_)
      if (p.tap == tap && id != sandbox_id && !p.unbound) return fail("tap " + tap + " is already used by " + id);
    auto known = view_.sandboxes().find(sandbox_id);
    if (!mac && known != view_.sandboxes().end()) {
      if (known->second.mac) mac = known->second.mac;
      else mac = derived_mac_text(known->second.ip);
    }
  }
  // Bind the plug to this very device: its ifindex, and a fresh alias that dies with it. Done
  // before the API hears of the plug, so a device that cannot be bound is never reported.
  std::optional<netlink::LinkIdentity> device;
  try {
    device = dp_.query_link(tap);
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  if (!device) return fail("tap " + tap + " does not exist");
  auto alias = "sandnet:" + new_ulid();
  if (int e = dp_.set_link_alias(device->ifindex, alias); e != 0)
    return fail("cannot set the alias of tap " + tap + ": " + std::strerror(e));
  SandboxRecord record;
  try {
    record = client_.plug(sandbox_id, mac);
    note_api(true, "");
    if (!mac) {  // first plug of a sandbox we knew nothing of: tell the API the MAC we derived
      mac = derived_mac_text(record.ip);
      record = client_.plug(sandbox_id, mac);
    }
    mac = normalized_mac(*mac);
  } catch (const ApiError& e) {
    if (e.unreachable()) note_api(false, e.what());
    return fail(e.status == 404 ? "no such sandbox " + sandbox_id : std::string(e.what()));
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  std::lock_guard lock(mu_);
  StateChange change{{sandbox_id}, {}, {}};
  // A plug of another sandbox on an older device of this name ends: the runtime placed this one.
  for (auto it = plugs_.begin(); it != plugs_.end();) {
    if (it->second.tap != tap || it->first == sandbox_id) {
      ++it;
      continue;
    }
    spdlog::info("sandbox {} unplugged from {} (its device was replaced and plugged again)", it->first, tap);
    unreported_unplugs_.insert(it->first);
    change.sandboxes.insert(it->first);
    it = plugs_.erase(it);
  }
  plugs_[sandbox_id] = {tap, *mac, device->ifindex, alias};
  unreported_unplugs_.erase(sandbox_id);
  view_.upsert(record);
  bool applied = apply_locked({sandbox_id}, nullptr, {}, &change);
  // A plug the runtime was told about must survive a crash.
  log_locked({.upsert = &record, .plugs = &plugs_, .unreported_unplugs = &unreported_unplugs_}, /*durable_now=*/true);
  // The runtime must not start a guest behind a tap that is not enforced as asked.
  if (!applied) return fail("plugged, but the datapath refused the state: " + last_apply_error_);
  unsigned ifindex = device->ifindex;
  if (auto f = attach_failures_.find(ifindex); f != attach_failures_.end())
    return fail("plugged, but the programs are not attached to " + tap + ": " + f->second);
  for (auto& q : quarantined_)
    if (q.ifindex == ifindex) return fail("plugged, but tap " + tap + " is quarantined (drop-all): " + q.why);
  spdlog::info("sandbox {} plugged on {} ({} {})", sandbox_id, tap, record.ip, *mac);
  return {{"ok", true}, {"sandbox", to_json(record)}, {"tap", tap}, {"mac", *mac}};
}

json Reconciler::unplug(const std::string& sandbox_id, const char* why) {
  {
    std::lock_guard lock(mu_);
    auto it = plugs_.find(sandbox_id);
    if (it == plugs_.end()) return fail("sandbox " + sandbox_id + " is not plugged here");
    spdlog::info("sandbox {} unplugged from {} ({})", sandbox_id, it->second.tap, why);
    std::string tap = it->second.tap;
    plugs_.erase(it);
    unreported_unplugs_.insert(sandbox_id);
    StateChange change{{sandbox_id}, {}, {}};
    apply_locked({}, nullptr, {tap}, &change);  // the one way a tap that still exists loses the programs
    log_local_locked(/*durable_now=*/true);
  }
  report_pending();
  return {{"ok", true}};
}

void Reconciler::tap_gone(const std::string& ifname) {
  // By the time the event is read, another device may already have the name: re-check the
  // device rather than trusting the name.
  recheck(&ifname);
}

json Reconciler::quarantined_json() const {
  json out = json::array();
  for (auto& q : quarantined_)
    out.push_back({{"tap", q.tap}, {"ifindex", q.ifindex}, {"sandbox_id", q.sandbox_id}, {"why", q.why},
                   {"has_entry", q.has_entry}});
  return out;
}

json Reconciler::attach_failures_json() const {
  json out = json::array();
  for (auto& [ifindex, error] : attach_failures_) out.push_back({{"ifindex", ifindex}, {"error", error}});
  return out;
}

json Reconciler::status() {
  std::lock_guard lock(mu_);
  json plugs = json::array();
  for (auto& [id, p] : plugs_)
    plugs.push_back({{"sandbox_id", id}, {"tap", p.tap}, {"mac", p.mac}, {"ifindex", p.ifindex}, {"bound", !p.unbound}});
  auto push = pusher_.stats();
  std::optional<bool> reachable;
  {
    std::lock_guard api_lock(api_mu_);
    reachable = api_reachable_;
  }
  return {{"ok", true},
          {"host_id", options_.host_id},
          {"revision", view_.revision()},
          {"applied_revision", applied_revision_},
          {"reported_revision", reported_revision_.load()},
          {"api", !reachable ? "unknown" : *reachable ? "reachable" : "unreachable"},
          {"sandboxes", view_.sandboxes().size()},
          {"networks", view_.networks().size()},
          {"plugs", plugs},
          {"unreported_unplugs", unreported_unplugs_},
          {"tables", {{"delivered", push.delivered}, {"deltas_delivered", push.deltas_delivered}, {"deltas_refused", push.deltas_refused}, {"failed_attempts", push.failed_attempts}, {"pending", push.pending}}},
          {"last_apply_error", last_apply_error_},
          {"quarantined", quarantined_json()},
          {"attach_failures", attach_failures_json()},
          {"host_number",
           {{"config", options_.config.overlay_setup.host_number},
            {"feed", feed_host_number_ ? json(*feed_host_number_) : json(nullptr)},
            {"mismatch", host_number_mismatch_}}}};
}

ReconcilerMetrics Reconciler::metrics() {
  std::lock_guard lock(mu_);
  ReconcilerMetrics m;
  m.feed_revision = view_.revision();
  m.applied_revision = applied_revision_;
  m.reported_revision = reported_revision_.load();
  {
    std::lock_guard api_lock(api_mu_);
    m.api_reachable = api_reachable_;
  }
  m.applies = applies_;
  m.apply_failures = apply_failures_;
  m.apply_seconds = apply_seconds_;
  m.push = pusher_.stats();
  m.plugs = plugs_.size();
  m.quarantined = quarantined_.size();
  m.attach_failures = attach_failures_.size();
  m.host_number_mismatch = host_number_mismatch_;
  return m;
}

json Reconciler::handle(const json& request) {
  try {
    if (!request.is_object() || !request.contains("op") || !request["op"].is_string())
      return fail("expected {\"op\": ...}");
    auto op = request["op"].get<std::string>();
    auto str = [&](const char* key) -> std::optional<std::string> {
      if (!request.contains(key) || request[key].is_null()) return std::nullopt;
      if (!request[key].is_string()) throw std::invalid_argument(std::string(key) + " must be a string");
      return request[key].get<std::string>();
    };
    if (op == "status") return status();
    auto sandbox_id = str("sandbox_id");
    if (!sandbox_id) return fail("sandbox_id is required");
    if (op == "plug") {
      auto tap = str("tap");
      if (!tap) return fail("tap is required");
      return plug(*sandbox_id, *tap, str("mac"));
    }
    if (op == "unplug") return unplug(*sandbox_id, "runtime request");
    return fail("unknown op \"" + op + "\"");
  } catch (const std::exception& e) {
    return fail(e.what());
  }
}

}  // namespace sandnet::sync
