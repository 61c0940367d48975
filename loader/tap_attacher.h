// Attaches the datapath programs to tap devices and detaches them, with TCX
// links pinned under <root>/v<SN_LAYOUT_VERSION>/links (they outlive the agent), or with
// clsact filters where the kernel has no TCX. Neither disturbs other
// programs on the device. Attaching is idempotent: an attachment already
// running the same program (same tag and maps) is left alone, another one
// is replaced atomically (bpf_link_update).
#pragma once
#include <cstdint>
#include <set>
#include <string>

#include "loader/agent_config.h"

namespace sandnet::dp {

struct AttachStats {
  size_t created = 0;
  size_t updated = 0;
  size_t kept = 0;
};

class TapAttacher {
 public:
  TapAttacher(std::string bpffs_root, AttachMode mode);

  bool uses_tcx() const { return tcx_; }
  void attach(uint32_t ifindex, int ingress_prog_fd, int egress_prog_fd, AttachStats& stats);
  // One of the overlay's devices (role "vxlan" or "underlay"): prog_fd on its ingress only,
  // pinned under overlay_links_dir/<role> (so never taken for a tap).
  void attach_overlay_device(const std::string& role, uint32_t ifindex, int prog_fd, AttachStats& stats);
  void detach(uint32_t ifindex);
  // Ifindexes with pinned TCX links (empty in clsact mode: those are
  // tracked through the taps map).
  std::set<uint32_t> pinned_ifindexes() const;
  // pinned_ifindexes() plus the taps older layouts' links still hold (an upgrade): every
  // tap that carries a sandnet program through a pinned link.
  std::set<uint32_t> held_ifindexes() const;

 private:
  void attach_tcx(uint32_t ifindex, int prog_fd, int attach_type, const char* dir, AttachStats& s);
  void attach_tcx_at(const std::string& pin, uint32_t ifindex, int prog_fd, int attach_type, AttachStats& s);
  void attach_clsact(uint32_t ifindex, int prog_fd, bool ingress, AttachStats& s);
  std::string root_;
  bool tcx_;
};

// True when prog_fd runs the same instructions on the same maps as the
// program with id prog_id.
bool same_program(int prog_fd, uint32_t prog_id);

// Detaches every pinned link, clsact filters on the taps we know of, and
// removes <root> entirely. Idempotent.
void purge_datapath(const std::string& bpffs_root);

// An upgrade across layouts: detaches the TCX links pinned under older
// layout directories (<root>/v1, <root>/v2, ...) and removes them with their
// maps. Their programs run first in each tap's TCX chain and end it, so the
// current layout's programs only take over once these are gone: call it
// after the current programs are attached to every tap of the state, and no
// tap meets a moment without a program. (clsact filters need nothing: the
// new filter replaces the old one in place.) Returns the links detached.
size_t retire_older_layouts(const std::string& bpffs_root);

}  // namespace sandnet::dp
