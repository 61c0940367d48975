/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* The baseline for benchmarks: a TC program that does nothing. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tc")
int empty_tc(struct __sk_buff *skb)
{
	(void)skb;
	return TC_ACT_OK;
}
