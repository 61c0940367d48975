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

/* MACs as one 32-bit and one 16-bit access (Cilium eth_addrcmp style):
 * clang emits byte accesses for a 6-byte memcmp/memcpy on packed headers.
 * x86 and arm64 take unaligned packet accesses. */
static __always_inline int sn_mac_eq(const __u8 *a, const __u8 *b)
{
	return ((*(const __u32 *)a ^ *(const __u32 *)b) |
		(*(const __u16 *)(a + 4) ^ *(const __u16 *)(b + 4))) == 0;
}

static __always_inline void sn_mac_copy(__u8 *dst, const __u8 *src)
{
	*(__u32 *)dst = *(const __u32 *)src;
	*(__u16 *)(dst + 4) = *(const __u16 *)(src + 4);
}

/* The EtherType as read off the wire, with one 16-bit load. */
static __always_inline __be16 sn_eth_proto(const struct ethhdr *eth)
{
	return *(const __be16 *)((const __u8 *)eth + 2 * ETH_ALEN);
}

/* An 802.1Q or 802.1ad tag where the EtherType should be. */
static __always_inline int sn_eth_is_vlan(__be16 proto)
{
	return proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD);
}

/* Forwarded frames leave with the gateway as source and the peer as
 * destination, as if routed by a one-hop router. */
static __always_inline void sn_eth_rewrite(struct ethhdr *eth, const __u8 *src, const __u8 *dst)
{
	sn_mac_copy(eth->h_source, src);
	sn_mac_copy(eth->h_dest, dst);
}

#endif
