/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* sn_xdp_drop(): the XDP twin of sn_drop() (drop.h): the same counters and
 * sampled events, keyed with the XDP hook, and XDP_DROP for the verdict. */
#ifndef SN_BPF_XDP_DROP_H
#define SN_BPF_XDP_DROP_H

#include "drop.h"

/* row is the tap's counter_row, 0 for a device without a tap entry. */
static __always_inline int sn_xdp_drop(const struct sn_pkt *pkt, __u32 row, __u32 reason)
{
	if (sn_count_drop(row, SN_HOOK_XDP, reason))
		sn_emit_drop(pkt, reason);
	return XDP_DROP;
}

#endif
