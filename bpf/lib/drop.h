/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* sn_drop(): count a drop by {ifindex, hook, reason} and sample it into the
 * ring buffer, in one call (Calico deny_reason() style). Every TC_ACT_SHOT of
 * the datapath goes through here. */
#ifndef SN_BPF_DROP_H
#define SN_BPF_DROP_H

#include "maps.h"

static __always_inline void sn_count_drop(const struct sn_pkt *pkt, __u32 reason)
{
	struct sn_counter_key key = { .ifindex = pkt->ifindex, .hook = pkt->hook };
	struct sn_counters *c = bpf_map_lookup_elem(&drop_counts, &key);

	if (!c) {
		struct sn_counters zero = {};

		bpf_map_update_elem(&drop_counts, &key, &zero, BPF_NOEXIST);
		c = bpf_map_lookup_elem(&drop_counts, &key);
		if (!c)
			return;
	}
	if (reason < SN_DROP__MAX)
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
