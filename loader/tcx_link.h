// Raw TCX link syscalls (libbpf 1.1 has no bpf_program__attach_tcx).
#pragma once
#include <cstdint>

namespace sandnet::dp {

// BPF_LINK_CREATE with a TCX attach type; appends after the device's other
// TCX programs, disturbing none. Returns the link fd or -1 (errno set).
int tcx_link_create(int prog_fd, uint32_t ifindex, int attach_type);

struct TcxLinkInfo {
  uint32_t link_type = 0;
  uint32_t prog_id = 0;
  uint32_t ifindex = 0;      // 0 once the device is gone (defunct link)
  uint32_t attach_type = 0;
};
// Returns false (errno set) if fd is not a link.
bool tcx_link_info(int link_fd, TcxLinkInfo& out);

}  // namespace sandnet::dp
