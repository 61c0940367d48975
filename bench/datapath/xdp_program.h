// The early-drop XDP experiment (bench/datapath/sandnet_xdp.bpf.c), loaded on the
// maps the TC datapath pinned under the current layout directory (<root>/<SN_LAYOUT_DIR>),
// and attached to a tap with a BPF_XDP link. Destroying it closes fds only.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "loader/unique_fd.h"

struct sandnet_xdp;

namespace sandnet::dp {

// What tap_xdp decides. kAllDrops: every drop tap_ingress would make.
// kSpoofingOnly: the drops decided without a hash lookup (malformed, unknown
// tap, spoofing, ARP sanity, containment, host channel); the verdict and
// every endpoint lookup stay in TC.
enum class XdpScope { kAllDrops, kSpoofingOnly };

class XdpProgram {
 public:
  // Throws std::runtime_error, also when a map is not pinned yet (the TC
  // datapath creates and pins them: load it first).
  static std::unique_ptr<XdpProgram> load(const std::string& bpffs_root,
                                          XdpScope scope = XdpScope::kAllDrops);
  ~XdpProgram();
  XdpProgram(const XdpProgram&) = delete;
  XdpProgram& operator=(const XdpProgram&) = delete;

  int prog_fd() const;

 private:
  XdpProgram() = default;
  sandnet_xdp* skel_ = nullptr;
};

// BPF_LINK_CREATE with BPF_XDP: native mode where the driver has it (tun,
// veth), else generic. Closing the last reference detaches. Throws.
UniqueFd xdp_link_create(int prog_fd, uint32_t ifindex);

}  // namespace sandnet::dp
