/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* Drop accounting shared by the TC and XDP programs (tc_drop.h, xdp_drop.h):
 * count the drop by {tap row, hook, reason} and sample it into the ring
 * buffer (Calico deny_reason() style). */
#ifndef SN_BPF_DROP_H
#define SN_BPF_DROP_H

#include "maps.h"

/* Counts a drop; returns 1 when this one is to be sampled. The countdown
 * lives in the counters row (per CPU: no atomics); the first drop of a row
 * on a CPU is sampled. A countdown, not a modulo: a 64-bit division costs
 * more than the rest. */
static __always_inline int sn_count_drop(__u32 row, __u32 hook, __u32 reason)
{
	__u32 index = row * SN_HOOK__MAX + hook, zero = 0, every;
	struct sn_counters *c = bpf_map_lookup_elem(&drop_counts, &index);
	const struct sn_config *cfg;

	if (!c)
		return 0;
	if (reason < SN_DROP__MAX)
		c->drops[reason]++;
	if (c->sample_left) {
		c->sample_left--;
		return 0;
	}
	cfg = bpf_map_lookup_elem(&config, &zero);
	every = cfg && cfg->version == SN_LAYOUT_VERSION ? cfg->sample_every : 1;
	if (every == 0)
		return 0;
	c->sample_left = every - 1;
	return 1;
}

static __always_inline void sn_emit_drop(const struct sn_pkt *pkt, __u32 reason)
{
	struct sn_drop_event *ev = bpf_ringbuf_reserve(&drop_events, sizeof(*ev), 0);

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

#endif
