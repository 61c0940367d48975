/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* The isolation verdict: one bit of the source tap's reach row, whatever the
 * number of networks per sandbox. The loader sets the bit of every set that
 * shares a network with the tap's set. */
#ifndef SN_BPF_POLICY_H
#define SN_BPF_POLICY_H

#include "maps.h"

static __always_inline int sn_reaches(const struct sn_tap *tap, __u32 dst_set)
{
	__u32 word = tap->reach_base + dst_set / SN_REACH_BITS;
	const struct sn_reach_word *w = bpf_map_lookup_elem(&reach, &word);

	return w && (w->dst_sets >> (dst_set % SN_REACH_BITS)) & 1;
}

/* Returns -1 when allowed, else the drop reason. Set 0 ("in no network")
 * never has a bit, so the reason is told apart only on the drop path. */
static __always_inline int sn_policy_verdict(const struct sn_tap *tap, const struct sn_endpoint *dst)
{
	if (sn_reaches(tap, dst->set_id))
		return -1;
	if (tap->set_id == 0 || dst->set_id == 0)
		return SN_DROP_NO_NETWORK;
	return SN_DROP_NO_SHARED_NETWORK;
}

#endif
