/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* sn_xdp_drop(): the XDP twin of sn_drop() (drop.h): the same counters and
 * sampled events, keyed with the XDP hook, and XDP_DROP for the verdict. */
#ifndef SN_BPF_XDP_DROP_H
#define SN_BPF_XDP_DROP_H

#include "drop.h"
#include "endpoint.h"

static __always_inline int sn_xdp_drop(const struct sn_pkt *pkt, __u32 reason)
{
	const struct sn_tap *tap = sn_tap_lookup(pkt->ifindex);

	if (sn_count_drop(tap ? tap->counter_row : 0, SN_HOOK_XDP, reason))
		sn_emit_drop(pkt, reason);
	return XDP_DROP;
}

#endif
