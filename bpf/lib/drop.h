/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* sn_drop(): count a drop by {ifindex, hook, reason} and sample it into the
 * ring buffer, in one call (Calico deny_reason() style). Every TC_ACT_SHOT of
 * the datapath goes through here. */
#ifndef SN_BPF_DROP_H
#define SN_BPF_DROP_H

#include "endpoint.h"

/* The row comes from the tap entry (one more inlined array lookup, on drops
 * only), so callers need nothing but the ifindex in pkt. */
static __always_inline void sn_count_drop(const struct sn_pkt *pkt, __u32 reason)
{
	const struct sn_tap *tap = sn_tap_lookup(pkt->ifindex);
	__u32 row = tap ? tap->counter_row : 0;
	__u32 index = row * SN_HOOK__MAX + pkt->hook;
	struct sn_counters *c;

	if (pkt->hook >= SN_HOOK__MAX)
		return;
	c = bpf_map_lookup_elem(&drop_counts, &index);
	if (c && reason < SN_DROP__MAX)
		c->drops[reason]++; /* per-CPU value: no atomics needed */
}

static __always_inline void sn_sample_drop(const struct sn_pkt *pkt, __u32 reason,
					   __u32 sample_every)
{
	__u32 zero = 0;
	__u64 *left = bpf_map_lookup_elem(&sample_ctr, &zero);
	struct sn_drop_event *ev;

	if (!left || sample_every == 0)
		return;
	/* A countdown, not a modulo: a 64-bit division costs more than the
	 * rest of the sampling. The first drop on a CPU is sampled. */
	if (*left) {
		(*left)--;
		return;
	}
	*left = sample_every - 1;
	ev = bpf_ringbuf_reserve(&drop_events, sizeof(*ev), 0);
	if (!ev)
		return; /* reader too slow: the counters still have it */
	ev->ts_ns = bpf_ktime_get_ns();
	ev->ifindex = pkt->ifindex;
	ev->reason = reason;
	ev->saddr = pkt->saddr;
	ev->daddr = pkt->daddr;
	ev->ethertype = pkt->ethertype;
	ev->proto = pkt->proto;
	ev->hook = pkt->hook;
	bpf_ringbuf_submit(ev, 0);
}

static __always_inline int sn_drop(const struct sn_pkt *pkt, __u32 reason, __u32 sample_every)
{
	sn_count_drop(pkt, reason);
	sn_sample_drop(pkt, reason, sample_every);
	return TC_ACT_SHOT;
}

#endif
