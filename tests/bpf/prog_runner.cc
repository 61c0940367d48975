#include "prog_runner.h"

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <cerrno>

namespace sandnet::dp::testkit {

RunResult run_prog(int prog_fd, uint32_t ifindex, const Frame& in, uint32_t repeat, uint32_t mark) {
  RunResult r;
  __sk_buff ctx{};
  ctx.ifindex = ifindex;
  ctx.mark = mark;
  __sk_buff ctx_out{};
  r.out.resize(in.size() + 256);
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in.data(),
              .data_out = r.out.data(), .data_size_in = static_cast<uint32_t>(in.size()),
              .data_size_out = static_cast<uint32_t>(r.out.size()), .ctx_in = &ctx,
              .ctx_out = &ctx_out, .ctx_size_in = sizeof ctx, .ctx_size_out = sizeof ctx_out,
              .repeat = static_cast<int>(repeat));
  r.rc = bpf_prog_test_run_opts(prog_fd, &opts);
  if (r.rc != 0) r.rc = -errno;
  r.retval = opts.retval;
  r.duration_ns = opts.duration;
  r.out.resize(r.rc == 0 ? opts.data_size_out : 0);
  r.mark = ctx_out.mark;
  return r;
}

}  // namespace sandnet::dp::testkit
