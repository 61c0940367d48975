#include "loader/tc_features.h"

#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <spdlog/spdlog.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "loader/tcx_link.h"
#include "loader/unique_fd.h"

namespace sandnet::dp {
namespace {

bool probe_tcx() {
  // r0 = -1 (TCX_NEXT: let the packet go on); exit
  bpf_insn insns[] = {
      {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, -1},
      {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
  };
  UniqueFd prog(bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "sn_probe", "GPL", insns, 2, nullptr));
  if (!prog.valid()) {
    spdlog::warn("TCX probe: cannot load a probe program: {}", std::strerror(errno));
    return false;
  }
  UniqueFd link(tcx_link_create(prog.get(), 1 /* lo */, kBpfTcxIngress));
  if (!link.valid()) {
    spdlog::info("TCX not available ({}), using clsact", std::strerror(errno));
    return false;
  }
  return true;  // closing the unpinned link detaches it
}

}  // namespace

bool tcx_supported() {
  static const bool supported = probe_tcx();
  return supported;
}

}  // namespace sandnet::dp
