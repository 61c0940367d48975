/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* Ethernet header access and MAC helpers. */
#ifndef SN_BPF_ETH_H
#define SN_BPF_ETH_H

#include "common.h"

static __always_inline struct ethhdr *sn_eth_hdr(void *data, void *data_end)
{
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return 0;
	return eth;
}

static __always_inline int sn_mac_eq(const __u8 *a, const __u8 *b)
{
	return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) |
		(a[4] ^ b[4]) | (a[5] ^ b[5])) == 0;
}

static __always_inline void sn_mac_copy(__u8 *dst, const __u8 *src)
{
	__builtin_memcpy(dst, src, ETH_ALEN);
}

/* Forwarded frames leave with the gateway as source and the peer as
 * destination, as if routed by a one-hop router. */
static __always_inline void sn_eth_rewrite(struct ethhdr *eth, const __u8 *src, const __u8 *dst)
{
	sn_mac_copy(eth->h_source, src);
	sn_mac_copy(eth->h_dest, dst);
}

#endif
