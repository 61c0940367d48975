#include "bench/datapath/xdp_program.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "loader/bpf_objects.h"
#include "loader/pin_paths.h"
#include "sandnet_xdp.skel.h"

namespace sandnet::dp {

std::unique_ptr<XdpProgram> XdpProgram::load(const std::string& root, XdpScope scope) {
  route_libbpf_logs();
  std::unique_ptr<XdpProgram> self(new XdpProgram());
  // Its maps are the TC datapath's, pinned by name (bpf/lib/maps.h) under the layout
  // directory: libbpf adopts them all, so that drops are counted and sampled where the CLI
  // reads them. A map not pinned yet would be created: refuse instead.
  std::string pin_root = layout_dir(root);
  LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_root.c_str());
  self->skel_ = sandnet_xdp__open_opts(&opts);
  if (!self->skel_) throw std::runtime_error("cannot open the XDP skeleton");
  bpf_map* map;
  bpf_object__for_each_map(map, self->skel_->obj) {
    if (bpf_map__is_internal(map)) continue;
    UniqueFd fd(bpf_obj_get(bpf_map__pin_path(map)));
    if (!fd.valid())
      throw std::runtime_error(fmt::format("XDP program: map {} is not pinned ({}); load the TC "
                                           "datapath first", bpf_map__pin_path(map), std::strerror(errno)));
    bpf_map_info info{};
    uint32_t len = sizeof info;
    if (bpf_obj_get_info_by_fd(fd.get(), &info, &len) != 0 || bpf_map__set_max_entries(map, info.max_entries) != 0)
      throw std::runtime_error(fmt::format("XDP program: cannot inspect {}", bpf_map__pin_path(map)));
    if (map == self->skel_->maps.taps) self->skel_->rodata->sn_tap_slot_mask = info.max_entries - 1;
  }
  self->skel_->rodata->sn_xdp_verdicts = scope == XdpScope::kAllDrops;
  int err = sandnet_xdp__load(self->skel_);
  if (err)
    throw std::runtime_error(fmt::format("loading the XDP program failed: {}", std::strerror(-err)));
  return self;
}

XdpProgram::~XdpProgram() { sandnet_xdp__destroy(skel_); }

int XdpProgram::prog_fd() const { return bpf_program__fd(skel_->progs.tap_xdp); }

UniqueFd xdp_link_create(int prog_fd, uint32_t ifindex) {
  UniqueFd link(bpf_link_create(prog_fd, static_cast<int>(ifindex), BPF_XDP, nullptr));
  if (!link.valid())
    throw std::runtime_error(fmt::format("XDP attach to ifindex {}: {}", ifindex, std::strerror(errno)));
  return link;
}

}  // namespace sandnet::dp
