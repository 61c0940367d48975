/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* sn_xdp_drop(): the XDP twin of sn_drop() (drop.h): the same counters and
 * sampled events, keyed with the XDP hook, and XDP_DROP for the verdict. */
#ifndef SN_BPF_XDP_DROP_H
#define SN_BPF_XDP_DROP_H

#include "drop.h"

static __always_inline int sn_xdp_drop(const struct sn_pkt *pkt, __u32 reason, __u32 sample_every)
{
	sn_count_drop(pkt, reason);
	sn_sample_drop(pkt, reason, sample_every);
	return XDP_DROP;
}

#endif
