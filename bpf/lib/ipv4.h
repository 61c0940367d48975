/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* IPv4 header validation and overlay membership. */
#ifndef SN_BPF_IPV4_H
#define SN_BPF_IPV4_H

#include "common.h"

#define SN_IP_FRAG_MASK 0x3fff /* MF flag + fragment offset */

/* Returns the reason to drop, or -1 when the header is a sane option-less
 * IPv4 header inside the linear data and tot_len fits the packet. Options
 * are refused: no overlay guest needs them and source routing / record
 * route are attack surface. l3_len is skb->len minus the Ethernet header:
 * GSO packets (TCP from a veth) carry most of their payload in fragments,
 * beyond data_end, so tot_len is checked against the whole skb. */
static __always_inline int sn_ipv4_check(struct iphdr *ip, void *data_end, __u32 l3_len)
{
	if ((void *)(ip + 1) > data_end)
		return SN_DROP_MALFORMED_IP;
	/* Fast path: version 4, ihl 5 in one byte compare. */
	if (*(const __u8 *)ip == 0x45) {
		if (bpf_ntohs(ip->tot_len) < sizeof(*ip) || bpf_ntohs(ip->tot_len) > l3_len)
			return SN_DROP_MALFORMED_IP;
		return -1;
	}
	if (ip->version != 4 || ip->ihl < 5)
		return SN_DROP_MALFORMED_IP;
	if (bpf_ntohs(ip->tot_len) < ip->ihl * 4)
		return SN_DROP_MALFORMED_IP;
	if (bpf_ntohs(ip->tot_len) > l3_len)
		return SN_DROP_MALFORMED_IP;
	if (ip->ihl != 5)
		return SN_DROP_IP_OPTIONS;
	return -1;
}

static __always_inline int sn_ipv4_is_fragment(const struct iphdr *ip)
{
	return (ip->frag_off & bpf_htons(SN_IP_FRAG_MASK)) != 0;
}

/* All network byte order. */
static __always_inline int sn_addr_in(__u32 addr, __u32 net, __u32 mask)
{
	return (addr & mask) == net;
}

static __always_inline int sn_in_overlay(const struct sn_config *cfg, __u32 addr)
{
	return sn_addr_in(addr, cfg->overlay_net, cfg->overlay_mask);
}

#endif
