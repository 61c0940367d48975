#include "loader/bpf_objects.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <fcntl.h>

#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <filesystem>
#include <set>
#include <vector>
#include <stdexcept>

#include "loader/pin_paths.h"
#include "loader/tap_slots.h"
#include "sandnet_bpf.skel.h"

namespace sandnet::dp {
namespace {

int libbpf_to_spdlog(enum libbpf_print_level level, const char* format, va_list args) {
  if (level == LIBBPF_DEBUG) return 0;
  char buf[1024];
  int n = vsnprintf(buf, sizeof buf, format, args);
  std::string_view msg(buf, n > 0 ? std::min<size_t>(static_cast<size_t>(n), sizeof buf - 1) : 0);
  while (!msg.empty() && msg.back() == '\n') msg.remove_suffix(1);
  if (level == LIBBPF_WARN) spdlog::warn("libbpf: {}", msg);
  else spdlog::info("libbpf: {}", msg);
  return n;
}

// Refuses, with a message an operator can act on, a pinned map that libbpf
// would not reuse (different layout or capacity).
void check_pinned_compatible(const std::string& path, bpf_map* map) {
  int fd = bpf_obj_get(path.c_str());
  if (fd < 0) return;  // not pinned yet: libbpf creates it
  bpf_map_info info{};
  uint32_t len = sizeof info;
  int rc = bpf_obj_get_info_by_fd(fd, &info, &len);
  close(fd);
  if (rc != 0) throw std::runtime_error(fmt::format("cannot inspect pinned map {}", path));
  if (info.type != bpf_map__type(map) || info.key_size != bpf_map__key_size(map) ||
      info.value_size != bpf_map__value_size(map))
    throw std::runtime_error(fmt::format(
        "pinned map {} has another layout (key {} value {} bytes, expected {} / {}); "
        "run `sandnet-agent purge` to rebuild",
        path, info.key_size, info.value_size, bpf_map__key_size(map), bpf_map__value_size(map)));
  if (info.max_entries != bpf_map__max_entries(map))
    throw std::runtime_error(fmt::format(
        "pinned map {} holds {} entries but the configuration asks for {}; restore the "
        "configuration or run `sandnet-agent purge` (drops enforcement until reloaded)",
        path, info.max_entries, bpf_map__max_entries(map)));
}

UniqueFd dup_fd(const bpf_map* map) {
  int fd = fcntl(bpf_map__fd(map), F_DUPFD_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(fmt::format("dup: {}", std::strerror(errno)));
  return UniqueFd(fd);
}

}  // namespace

void check_map_list(const std::vector<std::string>& object_maps) {
  std::set<std::string> known;
  for (auto& [name, _] : kMaps) known.insert(name);
  for (auto& name : object_maps)
    if (!known.erase(name))
      throw std::runtime_error(fmt::format("the BPF object has map {} that the agent does not know: "
                                           "agent and object are out of step", name));
  if (!known.empty())
    throw std::runtime_error(fmt::format("the agent expects map {} that the BPF object lacks: agent and "
                                         "object are out of step", *known.begin()));
}

void route_libbpf_logs() {
  static bool done = [] {
    libbpf_set_print(libbpf_to_spdlog);
    return true;
  }();
  (void)done;
}

std::unique_ptr<BpfObjects> BpfObjects::load(const std::string& root, const AgentConfig& config) {
  const Capacity& cap = config.capacity;
  route_libbpf_logs();
  std::unique_ptr<BpfObjects> self(new BpfObjects());
  std::error_code ec;
  std::filesystem::create_directories(layout_dir(root), ec);
  if (ec) throw std::runtime_error(fmt::format("cannot create {}: {}", layout_dir(root), ec.message()));
  // Every map is LIBBPF_PIN_BY_NAME: libbpf adopts <pin root>/<name> when it is there,
  // else creates and pins it.
  std::string pin_root = layout_dir(root);
  LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_root.c_str());
  self->skel_ = sandnet_bpf__open_opts(&opts);
  if (!self->skel_) throw std::runtime_error("cannot open the BPF skeleton");
  std::vector<std::string> names;
  bpf_map* map;
  bpf_object__for_each_map(map, self->skel_->obj) {
    if (bpf_map__is_internal(map)) continue;  // .rodata: set before load, never pinned
    if (bpf_map__pin_path(map) == nullptr)
      throw std::runtime_error(fmt::format("map {} is not pinned by name (bpf/lib/maps.h)", bpf_map__name(map)));
    names.push_back(bpf_map__name(map));
  }
  check_map_list(names);
  auto& m = self->skel_->maps;
  bpf_map__set_max_entries(m.endpoints, overlay_slots(config.overlay));
  bpf_map__set_max_entries(m.taps, tap_slots(cap));
  bpf_map__set_max_entries(m.taps_overflow, cap.max_local_taps);
  bpf_map__set_max_entries(m.reach, static_cast<uint32_t>(reach_words(cap)));
  bpf_map__set_max_entries(m.set_nets, cap.max_sets);
  bpf_map__set_max_entries(m.networks, cap.max_networks);
  bpf_map__set_max_entries(m.hosts, cap.max_hosts);
  bpf_map__set_max_entries(m.underlay_hosts, cap.max_hosts);
  bpf_map__set_max_entries(m.drop_counts, (cap.max_local_taps + 1) * SN_HOOK__MAX);
  self->skel_->rodata->sn_tap_slot_mask = tap_slots(cap) - 1;
  bpf_object__for_each_map(map, self->skel_->obj) {
    if (!bpf_map__is_internal(map)) check_pinned_compatible(bpf_map__pin_path(map), map);
  }
  int err = sandnet_bpf__load(self->skel_);
  if (err) throw std::runtime_error(fmt::format("loading the BPF programs failed: {}", std::strerror(-err)));

  MapFds fds;
  for (auto& [name, fd] : kMaps) fds.*fd = dup_fd(bpf_object__find_map_by_name(self->skel_->obj, name));
  self->maps_ = std::make_unique<MapSet>(std::move(fds));
  return self;
}

BpfObjects::~BpfObjects() { sandnet_bpf__destroy(skel_); }

int BpfObjects::ingress_prog_fd() const { return bpf_program__fd(skel_->progs.tap_ingress); }
int BpfObjects::egress_prog_fd() const { return bpf_program__fd(skel_->progs.tap_egress); }
int BpfObjects::overlay_prog_fd() const { return bpf_program__fd(skel_->progs.overlay_ingress); }
int BpfObjects::underlay_prog_fd() const { return bpf_program__fd(skel_->progs.underlay_ingress); }

}  // namespace sandnet::dp
