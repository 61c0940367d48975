#include "loader/xdp_program.h"

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
  self->skel_ = sandnet_xdp__open();
  if (!self->skel_) throw std::runtime_error("cannot open the XDP skeleton");
  // Every map of the object (but its own .rodata) is one the TC programs
  // pinned: share them all, so that drops are counted and sampled where the
  // CLI reads them.
  bpf_map* map;
  bpf_object__for_each_map(map, self->skel_->obj) {
    if (bpf_map__is_internal(map)) continue;
    auto path = map_pin(root, bpf_map__name(map));
    UniqueFd fd(bpf_obj_get(path.c_str()));
    if (!fd.valid())
      throw std::runtime_error(fmt::format("XDP program: map {} is not pinned ({}); load the TC "
                                           "datapath first", path, std::strerror(errno)));
    if (bpf_map__reuse_fd(map, fd.get()) != 0)
      throw std::runtime_error(fmt::format("XDP program: cannot reuse {}", path));
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
