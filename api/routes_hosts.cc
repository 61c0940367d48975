// Host-agent routes (X-Host-Token): GET /v1/hosts/{host}/feed, POST .../sandboxes/{sb}/plug,
// POST .../sandboxes/{sb}/unplug, POST .../applied. See docs/host-feed.md.
#include <algorithm>
#include <chrono>
#include <optional>

#include "api/api_error.h"
#include "api/host_view.h"
#include "api/jsend.h"
#include "api/placement.h"
#include "api/route_support.h"

namespace sandnet::api {

using nlohmann::json;

namespace {

// A snapshot when the client has nothing (0), is behind the retained log, or claims a
// revision this server never reached (e.g. a database restored from backup); else the
// changes since, or nothing yet (nullopt) with `seen` = the revision checked.
std::optional<json> feed_answer(ReadTx& tx, const std::string& host, int64_t since,
                                int64_t& seen) {
  int64_t now = tx.current_revision();
  if (since == 0 || since < tx.feed_log_floor() || since > now) {
    return snapshot_json(snapshot_view(tx, host));
  }
  ViewChanges changes = compute_view_changes(tx, host, since);
  seen = changes.revision;
  if (changes.empty()) return std::nullopt;
  return changes_json(changes);
}

using Clock = std::chrono::steady_clock;

Reply no_changes(int64_t revision) {
  ViewChanges none;
  none.revision = revision;  // every revision up to here was checked: nothing for this host
  return {200, jsend_success(changes_json(none))};
}

// Without the follower: every wake re-reads the store, which is the truth (the notifier
// only says when to look). Kept as the fan-out bench's baseline (feed_follower: false).
Reply feed_per_request(RouteEnv& env, Call& call, const FeedQuery& q, Clock::time_point deadline) {
  int64_t seen = 0;
  std::optional<json> answer;
  auto check = [&] {
    env.store.read([&](ReadTx& tx) { answer = feed_answer(tx, call.host, q.since, seen); });
  };
  check();
  if (answer) return {200, jsend_success(std::move(*answer))};
  WaitSlots::Slot slot(env.wait_slots, caller_name(call));
  if (!slot.acquired() && q.timeout > 0) {
    throw ApiError(503, "too_many_waiters", "every long-poll slot is taken; retry shortly", {},
                   1);
  }
  // Woken only by commits that touched this host.
  while (env.notifier.wait(call.host, seen, deadline) == ChangeNotifier::Wake::kRelevant) {
    check();
    if (answer) return {200, jsend_success(std::move(*answer))};
  }
  return no_changes(seen);
}

// A host behind the follower whose revision the store's log no longer reaches gets a
// snapshot, as without the follower, even while the follower still keeps the changes.
bool below_log_floor(RouteEnv& env, int64_t since) {
  if (since == 0 || since >= env.follower->known()) return false;
  int64_t floor = 0;
  env.store.read([&](ReadTx& tx) { floor = tx.feed_log_floor(); });
  return since < floor;
}

// With the follower: a host at the revision the follower knows waits without a query and
// takes its answer from the follower's shared read; anything else asks the store once
// (feed_answer, the same as without the follower), then waits on the follower from there.
Reply feed_followed(RouteEnv& env, Call& call, const FeedQuery& q, Clock::time_point deadline) {
  int64_t since = q.since;
  bool from_client = true;  // not yet checked against the store (it may be ahead of it)
  bool ask = below_log_floor(env, since);
  std::optional<WaitSlots::Slot> slot;
  Clock::time_point until = Clock::now();  // the first pass does not wait for changes...
  // ...only, briefly, for the follower to read this replica's own acknowledged writes.
  Clock::time_point catch_up = std::min(deadline, until + std::chrono::seconds(2));
  while (true) {
    ViewChanges changes;
    FeedFollower::Outcome outcome =
        ask ? FeedFollower::Outcome::kAsk
            : env.follower->wait(call.host, since, until, catch_up, changes);
    ask = false;
    if (outcome == FeedFollower::Outcome::kAnswer) {
      return {200, jsend_success(changes_json(changes))};
    }
    if (outcome == FeedFollower::Outcome::kShutdown) return no_changes(since);
    if (outcome == FeedFollower::Outcome::kAsk ||
        (outcome == FeedFollower::Outcome::kBehind && from_client)) {
      std::optional<json> answer;
      int64_t seen = since;
      env.store.read([&](ReadTx& tx) { answer = feed_answer(tx, call.host, since, seen); });
      if (answer) return {200, jsend_success(std::move(*answer))};
      since = seen;
      from_client = false;
      continue;
    }
    // kNothing, or kBehind for a checked revision: wait (once) until the deadline.
    if (slot || q.timeout == 0) return no_changes(since);
    slot.emplace(env.wait_slots, caller_name(call));
    if (!slot->acquired()) {
      throw ApiError(503, "too_many_waiters", "every long-poll slot is taken; retry shortly",
                     {}, 1);
    }
    until = deadline;
  }
}

Reply feed(RouteEnv& env, Call& call) {
  FeedQuery q = parse_feed_query(call.req.params);
  auto deadline = Clock::now() + std::chrono::seconds(q.timeout);
  if (env.follower) return feed_followed(env, call, q, deadline);
  return feed_per_request(env, call, q, deadline);
}

// Path sandbox ids only: hosts see sandboxes of every tenant, by id.
std::string sandbox_path_id(const Call& call) {
  std::string id = canonical_ref(call.params.at("sb"));
  if (classify_sandbox_ref(id) != RefKind::kId) throw not_found("sandbox");
  return id;
}

json placed_record(ReadTx& tx, const std::string& id) {
  std::optional<ViewSandbox> sb = tx.view_sandbox(id);
  if (!sb) throw not_found("sandbox");
  return view_sandbox_json(*sb);  // placed here: all its networks are in this host's view
}

// A host plugs only a sandbox that runs nowhere else or already runs here: taking one from
// another host would pull its tenant's topology into this view and leave the holder's tap
// outside its target. A move is explicit: the holder unplugs first. The refusal names no
// host or tenant (a host sees only its own world).
Reply plug(RouteEnv& env, Call& call) {
  if (!call.req.body.empty()) require_json_body(call);
  std::string mac = parse_plug(call.req.body);
  std::string id = sandbox_path_id(call);
  json record;
  env.store.write([&](WriteTx& tx) {
    plug_on(tx, call.host, id, mac);
    record = placed_record(tx, id);
  });
  return {200, jsend_success(std::move(record))};
}

// Only the host it is placed on can stop it; anyone else's unplug (a stranger, or a late one
// after a move) changes nothing and learns nothing.
Reply unplug(RouteEnv& env, Call& call) {
  std::string id = sandbox_path_id(call);
  json record;
  env.store.write([&](WriteTx& tx) {
    unplug_on(tx, call.host, id);
    record = placed_record(tx, id);
  });
  return {200, jsend_success(std::move(record))};
}

Reply applied(RouteEnv& env, Call& call) {
  require_json_body(call);
  int64_t revision = parse_applied(call.req.body);
  int64_t now = 0;
  env.store.read([&](ReadTx& tx) { now = tx.current_revision(); });
  if (revision > now) {
    throw invalid_field("revision", "invalid_revision",
                        "revision " + std::to_string(revision) +
                            " is ahead of the server's revision " + std::to_string(now));
  }
  // Memory only: AppliedPersister stores it within a second, in one batch for all hosts.
  int64_t recorded = env.applied.report(call.host, revision);
  return {200, jsend_success({{"host", call.host}, {"applied_revision", recorded}})};
}

}  // namespace

void add_host_routes(ApiRouter& router, RouteEnv& env) {
  auto host_route = [&env](Reply (*fn)(RouteEnv&, Call&)) {
    return RouteSpec{false, [&env, fn](Call& c) { return fn(env, c); }, true};
  };
  router.add("GET", "/v1/hosts/{host}/feed", host_route(feed));
  router.add("POST", "/v1/hosts/{host}/sandboxes/{sb}/plug", host_route(plug));
  router.add("POST", "/v1/hosts/{host}/sandboxes/{sb}/unplug", host_route(unplug));
  router.add("POST", "/v1/hosts/{host}/applied", host_route(applied));
}

}  // namespace sandnet::api
