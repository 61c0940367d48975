#include "loader/tap_attacher.h"

#include <net/if.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <set>
#include <string_view>
#include <stdexcept>
#include <vector>

#include "loader/bpf_objects.h"
#include "loader/map_set.h"
#include "loader/pin_paths.h"
#include "loader/tc_features.h"
#include "loader/tcx_link.h"
#include "loader/unique_fd.h"

namespace sandnet::dp {
namespace {

constexpr uint32_t kClsactHandle = 0x534e;  // "SN"
constexpr uint32_t kClsactPriority = 0x534e;

std::string link_pin(const std::string& root, uint32_t ifindex, const char* dir) {
  return fmt::format("{}/{}_{}", links_dir(root), ifindex, dir);
}

// A program is its instructions (tag), the maps it uses (the pinned ones by id) and its
// read-only globals (.rodata, e.g. the taps slot mask): each load creates a new .rodata map,
// so that one counts by content, not id.
struct ProgIdentity {
  uint8_t tag[BPF_TAG_SIZE] = {};
  std::vector<uint32_t> map_ids;
  std::vector<std::vector<uint8_t>> rodata;
};

// The content of a frozen, program-read-only array of one entry (a .rodata); nullopt for any
// other map.
std::optional<std::vector<uint8_t>> rodata_of(uint32_t map_id) {
  UniqueFd fd(bpf_map_get_fd_by_id(map_id));
  bpf_map_info info{};
  uint32_t len = sizeof info;
  if (!fd.valid() || bpf_obj_get_info_by_fd(fd.get(), &info, &len) != 0) return std::nullopt;
  if (!(info.map_flags & BPF_F_RDONLY_PROG) || info.type != BPF_MAP_TYPE_ARRAY || info.max_entries != 1 ||
      !std::string_view(info.name).ends_with(".rodata"))
    return std::nullopt;
  std::vector<uint8_t> value(info.value_size);
  uint32_t zero = 0;
  if (bpf_map_lookup_elem(fd.get(), &zero, value.data()) != 0) return std::nullopt;
  return value;
}

bool identify(int prog_fd, ProgIdentity& out) {
  uint32_t ids[64] = {};
  bpf_prog_info info{};
  info.nr_map_ids = 64;
  info.map_ids = reinterpret_cast<uint64_t>(ids);
  uint32_t len = sizeof info;
  if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) != 0) return false;
  std::memcpy(out.tag, info.tag, BPF_TAG_SIZE);
  for (uint32_t i = 0; i < std::min<uint32_t>(info.nr_map_ids, 64); ++i) {
    if (auto data = rodata_of(ids[i])) out.rodata.push_back(std::move(*data));
    else out.map_ids.push_back(ids[i]);
  }
  std::sort(out.map_ids.begin(), out.map_ids.end());
  std::sort(out.rodata.begin(), out.rodata.end());
  return true;
}

}  // namespace

bool same_program(int prog_fd, uint32_t prog_id) {
  UniqueFd other(bpf_prog_get_fd_by_id(prog_id));
  ProgIdentity a, b;
  if (!other.valid() || !identify(prog_fd, a) || !identify(other.get(), b)) return false;
  return std::memcmp(a.tag, b.tag, BPF_TAG_SIZE) == 0 && a.map_ids == b.map_ids && a.rodata == b.rodata;
}

TapAttacher::TapAttacher(std::string root, AttachMode mode) : root_(std::move(root)) {
  switch (mode) {
    case AttachMode::kTcx:
      if (!tcx_supported()) throw std::runtime_error("attach_mode tcx: the kernel has no TCX");
      tcx_ = true;
      break;
    case AttachMode::kClsact: tcx_ = false; break;
    case AttachMode::kAuto: tcx_ = tcx_supported(); break;
  }
  std::error_code ec;
  std::filesystem::create_directories(links_dir(root_), ec);
}

void TapAttacher::attach(uint32_t ifindex, int in_fd, int eg_fd, AttachStats& s) {
  if (tcx_) {
    attach_tcx(ifindex, in_fd, kBpfTcxIngress, "ingress", s);
    attach_tcx(ifindex, eg_fd, kBpfTcxEgress, "egress", s);
  } else {
    attach_clsact(ifindex, in_fd, true, s);
    attach_clsact(ifindex, eg_fd, false, s);
  }
}

void TapAttacher::attach_overlay_device(const std::string& role, uint32_t ifindex, int prog_fd, AttachStats& s) {
  if (!tcx_) return attach_clsact(ifindex, prog_fd, true, s);
  std::error_code ec;
  std::filesystem::create_directories(overlay_links_dir(root_), ec);
  attach_tcx_at(overlay_links_dir(root_) + "/" + role, ifindex, prog_fd, kBpfTcxIngress, s);
}

void TapAttacher::attach_tcx(uint32_t ifindex, int prog_fd, int attach_type, const char* dir,
                             AttachStats& s) {
  attach_tcx_at(link_pin(root_, ifindex, dir), ifindex, prog_fd, attach_type, s);
}

void TapAttacher::attach_tcx_at(const std::string& pin, uint32_t ifindex, int prog_fd, int attach_type,
                                AttachStats& s) {
  UniqueFd link(bpf_obj_get(pin.c_str()));
  if (link.valid()) {
    TcxLinkInfo info;
    if (tcx_link_info(link.get(), info) && info.link_type == kBpfLinkTypeTcx &&
        info.ifindex == ifindex && static_cast<int>(info.attach_type) == attach_type) {
      if (same_program(prog_fd, info.prog_id)) {
        ++s.kept;
        return;
      }
      if (bpf_link_update(link.get(), prog_fd, nullptr) == 0) {  // atomic switch
        ++s.updated;
        return;
      }
      spdlog::warn("link {}: update failed ({}), recreating", pin, std::strerror(errno));
    }
    unlink(pin.c_str());  // stale (device gone or recreated): replace
  }
  UniqueFd fresh(tcx_link_create(prog_fd, ifindex, attach_type));
  if (!fresh.valid())
    throw std::runtime_error(
        fmt::format("TCX attach {} to ifindex {}: {}", pin, ifindex, std::strerror(errno)));
  if (bpf_obj_pin(fresh.get(), pin.c_str()) != 0)
    throw std::runtime_error(fmt::format("pin {}: {}", pin, std::strerror(errno)));
  ++s.created;
}

void TapAttacher::attach_clsact(uint32_t ifindex, int prog_fd, bool ingress, AttachStats& s) {
  LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = static_cast<int>(ifindex),
              .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
  int err = bpf_tc_hook_create(&hook);
  if (err && err != -EEXIST)
    throw std::runtime_error(fmt::format("clsact on ifindex {}: {}", ifindex, std::strerror(-err)));
  LIBBPF_OPTS(bpf_tc_opts, query, .handle = kClsactHandle, .priority = kClsactPriority);
  if (bpf_tc_query(&hook, &query) == 0 && same_program(prog_fd, query.prog_id)) {
    ++s.kept;
    return;
  }
  LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE,
              .handle = kClsactHandle, .priority = kClsactPriority);
  err = bpf_tc_attach(&hook, &opts);
  if (err)
    throw std::runtime_error(fmt::format("tc attach to ifindex {}: {}", ifindex, std::strerror(-err)));
  ++s.created;
}

void TapAttacher::detach(uint32_t ifindex) {
  if (tcx_) {
    for (const char* dir : {"ingress", "egress"}) {
      auto pin = link_pin(root_, ifindex, dir);
      UniqueFd link(bpf_obj_get(pin.c_str()));
      if (link.valid()) bpf_link_detach(link.get());
      unlink(pin.c_str());
    }
    return;
  }
  for (auto point : {BPF_TC_INGRESS, BPF_TC_EGRESS}) {
    LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = static_cast<int>(ifindex), .attach_point = point);
    LIBBPF_OPTS(bpf_tc_opts, opts, .handle = kClsactHandle, .priority = kClsactPriority);
    bpf_tc_detach(&hook, &opts);  // the clsact qdisc stays: others may use it
  }
}

std::set<uint32_t> TapAttacher::pinned_ifindexes() const {
  std::set<uint32_t> out;
  std::error_code ec;
  for (auto& entry : std::filesystem::directory_iterator(links_dir(root_), ec)) {
    auto name = entry.path().filename().string();
    out.insert(static_cast<uint32_t>(std::strtoul(name.c_str(), nullptr, 10)));
  }
  return out;
}

std::set<uint32_t> TapAttacher::held_ifindexes() const {
  std::set<uint32_t> out = pinned_ifindexes();
  std::error_code ec;
  for (int version = 1; version < SN_LAYOUT_VERSION; ++version)
    for (auto& entry : std::filesystem::directory_iterator(fmt::format("{}/v{}/links", root_, version), ec))
      out.insert(static_cast<uint32_t>(std::strtoul(entry.path().filename().c_str(), nullptr, 10)));
  return out;
}

size_t retire_older_layouts(const std::string& root) {
  size_t detached = 0;
  std::error_code ec;
  for (int version = 1; version < SN_LAYOUT_VERSION; ++version) {
    auto dir = fmt::format("{}/v{}", root, version);
    if (!std::filesystem::exists(dir, ec)) continue;
    for (auto& entry : std::filesystem::directory_iterator(dir + "/links", ec)) {
      UniqueFd link(bpf_obj_get(entry.path().c_str()));
      if (link.valid() && bpf_link_detach(link.get()) == 0) ++detached;
    }
    std::filesystem::remove_all(dir, ec);
    if (ec) spdlog::warn("cannot remove the old layout {}: {}", dir, ec.message());
    else spdlog::info("retired the old layout {} ({} links detached in all)", dir, detached);
  }
  return detached;
}

namespace {

std::vector<uint32_t> namespace_ifindexes() {
  std::vector<uint32_t> out;
  if (struct if_nameindex* all = if_nameindex()) {
    for (struct if_nameindex* i = all; i->if_index != 0; ++i) out.push_back(i->if_index);
    if_freenameindex(all);
  }
  return out;
}

// The ids of the maps every program of the datapath pinned under `root` uses (every one
// counts its drops; the taps' read the config); empty when none are pinned.
std::set<uint32_t> pinned_map_ids(const std::string& root) {
  std::set<uint32_t> ids;
  for (const char* name : {"drop_counts", "config"}) {
    UniqueFd fd(bpf_obj_get(map_pin(root, name).c_str()));
    bpf_map_info info{};
    uint32_t len = sizeof info;
    if (fd.valid() && bpf_obj_get_info_by_fd(fd.get(), &info, &len) == 0) ids.insert(info.id);
  }
  return ids;
}

// True when program `prog_id` uses one of `maps`: a program of the datapath pinned there, not
// of another sandnet root in this namespace (tests run several) nor anyone else's.
bool program_uses_maps(uint32_t prog_id, const std::set<uint32_t>& maps) {
  UniqueFd fd(bpf_prog_get_fd_by_id(prog_id));
  if (!fd.valid()) return false;
  bpf_prog_info info{};
  uint32_t len = sizeof info;
  if (bpf_obj_get_info_by_fd(fd.get(), &info, &len) != 0) return false;
  std::vector<uint32_t> ids(info.nr_map_ids);
  info = {};
  info.nr_map_ids = static_cast<uint32_t>(ids.size());
  info.map_ids = reinterpret_cast<uint64_t>(ids.data());
  len = sizeof info;
  if (bpf_obj_get_info_by_fd(fd.get(), &info, &len) != 0) return false;
  return std::any_of(ids.begin(), ids.end(), [&](uint32_t id) { return maps.count(id) != 0; });
}

// Removes the clsact filters of the datapath whose maps are `maps` (sandnet's handle and
// priority, a program on those maps) from `ifindex`, both directions.
void detach_own_clsact(uint32_t ifindex, const std::set<uint32_t>& maps) {
  for (auto point : {BPF_TC_INGRESS, BPF_TC_EGRESS}) {
    LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = static_cast<int>(ifindex), .attach_point = point);
    LIBBPF_OPTS(bpf_tc_opts, query, .handle = kClsactHandle, .priority = kClsactPriority);
    if (bpf_tc_query(&hook, &query) != 0 || !program_uses_maps(query.prog_id, maps)) continue;
    LIBBPF_OPTS(bpf_tc_opts, opts, .handle = kClsactHandle, .priority = kClsactPriority);
    bpf_tc_detach(&hook, &opts);  // the clsact qdisc stays: others may use it
  }
}

}  // namespace

void purge_datapath(const std::string& root) {
  route_libbpf_logs();
  std::error_code ec;
  std::set<uint32_t> tcx_attached;
  for (auto& entry : std::filesystem::directory_iterator(links_dir(root), ec)) {
    UniqueFd link(bpf_obj_get(entry.path().c_str()));
    if (link.valid()) bpf_link_detach(link.get());
    tcx_attached.insert(static_cast<uint32_t>(std::strtoul(entry.path().filename().c_str(), nullptr, 10)));
  }
  for (auto& entry : std::filesystem::directory_iterator(overlay_links_dir(root), ec)) {
    UniqueFd link(bpf_obj_get(entry.path().c_str()));
    if (link.valid()) bpf_link_detach(link.get());
  }
  // clsact filters are not pinned: find them on every device of this namespace (taps, and
  // the VXLAN and underlay devices, whose ifindexes no map holds) by their programs' maps.
  std::set<uint32_t> maps = pinned_map_ids(root);
  if (!maps.empty()) {
    // Most devices have no filter of ours: libbpf would log each empty query as a warning.
    libbpf_print_fn_t logs = libbpf_set_print(nullptr);
    for (uint32_t ifindex : namespace_ifindexes())
      if (!tcx_attached.count(ifindex)) detach_own_clsact(ifindex, maps);
    libbpf_set_print(logs);
  }
  std::filesystem::remove_all(root, ec);
  if (ec) throw std::runtime_error(fmt::format("cannot remove {}: {}", root, ec.message()));
}

}  // namespace sandnet::dp
