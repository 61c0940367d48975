/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* The XDP baseline for benchmarks: passes everything. What having any XDP
 * program on a tap costs, before tap_xdp does any work. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("xdp.frags")
int empty_xdp(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}
