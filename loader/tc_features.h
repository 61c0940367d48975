// Kernel feature probe for TC attachment, done once per process and cached
// (bpftrace bpffeature style). Debian's libbpf 1.1 and 6.1 uapi headers
// predate TCX, so its constants are defined here.
#pragma once

namespace sandnet::dp {

// From linux/bpf.h of 6.6+.
inline constexpr int kBpfTcxIngress = 46;   // BPF_TCX_INGRESS
inline constexpr int kBpfTcxEgress = 47;    // BPF_TCX_EGRESS
inline constexpr int kBpfLinkTypeTcx = 11;  // BPF_LINK_TYPE_TCX
// BPF_F_BEFORE (link_create.flags); with no relative program or link it
// means "first in the device's chain" (docs/datapath.md "Attachment").
inline constexpr unsigned kBpfFBefore = 1u << 3;

// True when the kernel can create TCX links (probed on loopback with a
// pass-through program that is detached at once).
bool tcx_supported();

}  // namespace sandnet::dp
