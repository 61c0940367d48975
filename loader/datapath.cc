#include "loader/datapath.h"

#include <net/if.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "loader/overlay_device.h"
#include "loader/tap_resolver.h"

namespace sandnet::dp {

sn_config make_bpf_config(const AgentConfig& c) {
  sn_config cfg{};
  cfg.version = SN_LAYOUT_VERSION;
  cfg.overlay_net = c.overlay.net_be;
  cfg.overlay_mask = c.overlay.mask_be;
  cfg.host_ll = c.host_link_local_be;
  cfg.sample_every = c.drop_sample_every;
  std::copy(c.gateway_mac.begin(), c.gateway_mac.end(), cfg.gw_mac);
  cfg.reach_words = reach_words_per_row(c.capacity);
  cfg.host_number = c.overlay_link.host_number;
  cfg.vxlan_ifindex = c.overlay_link.vxlan_ifindex;
  cfg.overlay_mtu = c.overlay_link.mtu;
  return cfg;
}

TapForwarding make_tap_forwarding(const AgentConfig& c) {
  return {c.overlay.net_be, c.overlay.mask_be, c.host_link_local_be, c.gateway_mac, c.overlay_link};
}

Datapath::Datapath(const AgentConfig& config, std::string root, TapResolver resolver)
    : config_(config),
      root_(std::move(root)),
      resolver_(resolver ? std::move(resolver) : TapResolver(resolve_tap)),
      objects_(BpfObjects::load(root_, config)),
      attacher_(root_, config.attach_mode),
      fence_(root_ + "/fenced"),  // beside the layouts: an upgrade keeps the records
      planner_(config.capacity) {
  // The overlay's devices and their programs before the config names them: from the first
  // frame a tap tunnels, the receiving side of this host is enforcing too.
  if (config_.overlay_link.vxlan_ifindex == 0) config_.overlay_link = prepare_overlay(config_.overlay_setup);
  if (const OverlayLink& o = config_.overlay_link; o.vxlan_ifindex != 0) {
    AttachStats s;
    attacher_.attach_overlay_device("vxlan", o.vxlan_ifindex, objects_->overlay_prog_fd(), s);
    if (o.underlay_ifindex != 0)
      attacher_.attach_overlay_device("underlay", o.underlay_ifindex, objects_->underlay_prog_fd(), s);
    spdlog::info("overlay: host number {}, VXLAN ifindex {}, guest MTU {}, underlay ifindex {}", o.host_number,
                 o.vxlan_ifindex, o.mtu, o.underlay_ifindex);
  }
  // The tap entries carry the overlay link as prepared above.
  planner_ = IncrementalPlanner(config_.capacity, make_tap_forwarding(config_));
  auto want = make_bpf_config(config_);
  auto have = maps().read_config();
  if (!have || !same_bytes(*have, want)) {
    maps().write_config(want);
    config_writes_ = 1;
  }
  current_ = maps().read_image();  // adopt whatever a previous agent left
  spdlog::info("datapath at {}: adopted {} endpoints, {} taps, {} sets ({})", root_,
               current_.endpoints.size(), current_.taps.size(), current_.set_nets.size(),
               attacher_.uses_tcx() ? "tcx" : "clsact");
}

ApplyResult Datapath::apply(const DesiredState& desired, const std::set<std::string>& release,
                            const DesiredDelta* delta) {
  ApplyResult r;
  if (reread_) {  // the last apply failed: what is in the maps may have changed since (a fault cleared)
    current_ = maps().read_image();
    planner_.forget();
    reread_ = false;
  }
  // What carries the programs now (links of this layout or an older one, or entries in the
  // taps map) and still exists keeps them, unless the runtime released it.
  HeldTaps held;
  for (uint32_t ifindex : attacher_.held_ifindexes()) held.insert(ifindex);
  for (auto& [ifindex, _] : current_.taps) held.insert(ifindex);
  for (auto it = held.begin(); it != held.end();) it = device_exists(*it) ? std::next(it) : held.erase(it);
  for (auto& name : release)
    if (auto tap = resolver_(name)) held.erase(tap->ifindex);

  // Taps whose entries this apply deletes: their programs go once the entries are gone.
  std::set<uint32_t> stale;
  Plan plan;
  // A plan that quarantined an entry only because old and new did not fit side by side frees
  // room as it deletes: plan again from the result (bounded; each pass deletes something).
  const DesiredDelta nothing_new;
  for (int pass = 0; pass < kMaxPasses; ++pass) {
    // current_ becomes the plan's target here; if a write fails it is read back from the maps.
    plan = planner_.plan(desired, pass == 0 ? delta : &nothing_new, current_, resolver_, held);
    for (auto& op : plan.ops)
      if (auto* del = std::get_if<DelTap>(&op)) stale.insert(del->ifindex);
    try {
      r.map_writes += maps().apply(plan);
    } catch (...) {
      current_ = maps().read_image();  // partially applied: re-read the truth, and again next time
      planner_.forget();
      reread_ = true;
      throw;
    }
    if (!plan.replan) break;
  }
  r.warnings = plan.warnings;
  r.quarantined = plan.quarantined;
  // Taps get their programs once their entries exist (a packet before that
  // would only meet UNKNOWN_TAP), and lose them after their entries are gone.
  std::set<uint32_t> attached;
  for (auto& [ifindex, _] : current_.taps) attached.insert(ifindex);
  for (auto& q : plan.quarantined)
    if (q.ifindex) attached.insert(q.ifindex);  // also one without an entry (0: a remote endpoint)
  for (uint32_t ifindex : attached) {
    try {
      attacher_.attach(ifindex, objects_->ingress_prog_fd(), objects_->egress_prog_fd(), r.attach);
      fence_.lift(ifindex);
    } catch (const std::exception& e) {
      // No program can drop for it: the device itself goes down until one is attached.
      auto fenced = fence_.fence(ifindex);
      r.attach_failures[ifindex] =
          fenced.empty() ? fmt::format("{} (the tap is down until attached)", e.what())
                         : fmt::format("{} (and it cannot be set down: {})", e.what(), fenced);
      spdlog::error("tap ifindex {} has no sandnet program: {}", ifindex, r.attach_failures[ifindex]);
    }
  }
  retire_older_layouts(root_);  // an upgrade: the old programs step aside only now
  // Only released taps and gone devices are left to detach.
  for (uint32_t ifindex : attacher_.pinned_ifindexes()) stale.insert(ifindex);
  for (uint32_t ifindex : stale) {
    if (attached.count(ifindex)) continue;
    attacher_.detach(ifindex);
    fence_.forget(ifindex);  // released or gone: no longer ours to bring up
    ++r.detached;
  }
  return r;
}

bool Datapath::holds(uint32_t ifindex) const {
  return current_.taps.count(ifindex) != 0 || attacher_.held_ifindexes().count(ifindex) != 0;
}

bool Datapath::device_exists(uint32_t ifindex) {
  char name[IF_NAMESIZE];
  return if_indextoname(ifindex, name) != nullptr;
}

}  // namespace sandnet::dp
