#include "loader/tcx_link.h"

#include <linux/bpf.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>

#include "loader/tc_features.h"

namespace sandnet::dp {

int tcx_link_create(int prog_fd, uint32_t ifindex, int attach_type) {
  union bpf_attr attr;
  std::memset(&attr, 0, sizeof attr);
  attr.link_create.prog_fd = static_cast<uint32_t>(prog_fd);
  attr.link_create.target_ifindex = ifindex;
  attr.link_create.attach_type = static_cast<uint32_t>(attach_type);
  // First in the chain: a program before us that returns TC_ACT_OK would end it
  // and skip sandnet. link_create.tcx.{relative_fd, expected_revision} stay 0:
  // before everything, no race check.
  attr.link_create.flags = kBpfFBefore;
  return static_cast<int>(syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof attr));
}

bool tcx_link_info(int link_fd, TcxLinkInfo& out) {
  // struct bpf_link_info of 6.6+; the 6.1 header lacks the tcx union member,
  // which is {ifindex, attach_type} at the start of the union.
  alignas(8) unsigned char buf[sizeof(bpf_link_info) + 64] = {};
  union bpf_attr attr;
  std::memset(&attr, 0, sizeof attr);
  attr.info.bpf_fd = static_cast<uint32_t>(link_fd);
  attr.info.info_len = sizeof buf;
  attr.info.info = reinterpret_cast<uint64_t>(buf);
  if (syscall(__NR_bpf, BPF_OBJ_GET_INFO_BY_FD, &attr, sizeof attr) != 0) return false;
  bpf_link_info info;
  std::memcpy(&info, buf, sizeof info);
  out.link_type = info.type;
  out.prog_id = info.prog_id;
  constexpr size_t union_off = offsetof(bpf_link_info, raw_tracepoint);
  std::memcpy(&out.ifindex, buf + union_off, 4);
  std::memcpy(&out.attach_type, buf + union_off + 4, 4);
  return true;
}

}  // namespace sandnet::dp
