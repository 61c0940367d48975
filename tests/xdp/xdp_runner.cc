#include "xdp_runner.h"

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <cerrno>

namespace sandnet::dp::testkit {

XdpRunResult run_xdp(int prog_fd, uint32_t ifindex, const Frame& in) {
  XdpRunResult r;
  xdp_md ctx{};
  ctx.data_end = static_cast<uint32_t>(in.size());
  ctx.ingress_ifindex = ifindex;
  Frame out(in.size() + 256);
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in.data(), .data_out = out.data(),
              .data_size_in = static_cast<uint32_t>(in.size()),
              .data_size_out = static_cast<uint32_t>(out.size()), .ctx_in = &ctx,
              .ctx_size_in = sizeof ctx, .repeat = 1);
  r.rc = bpf_prog_test_run_opts(prog_fd, &opts);
  if (r.rc != 0) r.rc = -errno;
  r.retval = opts.retval;
  return r;
}

}  // namespace sandnet::dp::testkit
