/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* The isolation verdict: one lookup of the {src set, dst set} pair, whatever
 * the number of networks per sandbox. The loader fills a pair only when the
 * two network sets intersect. */
#ifndef SN_BPF_POLICY_H
#define SN_BPF_POLICY_H

#include "maps.h"

/* Returns -1 when allowed, else the drop reason. */
static __always_inline int sn_policy_verdict(__u32 src_set, const struct sn_endpoint *dst)
{
	struct sn_pair_key key = { .src_set = src_set, .dst_set = dst->set_id };

	if (src_set == 0 || dst->set_id == 0)
		return SN_DROP_NO_NETWORK;
	if (!bpf_map_lookup_elem(&set_pairs, &key))
		return SN_DROP_NO_SHARED_NETWORK;
	return -1;
}

#endif
