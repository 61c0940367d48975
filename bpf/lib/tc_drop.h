/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* sn_drop(): every TC_ACT_SHOT of the TC programs goes through here. */
#ifndef SN_BPF_TC_DROP_H
#define SN_BPF_TC_DROP_H

#include "arp.h"
#include "drop.h"

/* The event's summary, read back from the packet (sampled drops only). */
static __always_inline void sn_pkt_from_skb(struct __sk_buff *skb, struct sn_pkt *pkt)
{
	struct iphdr ip;
	struct sn_arp arp;
	__be16 proto;

	if (bpf_skb_load_bytes(skb, 2 * ETH_ALEN, &proto, sizeof(proto)) != 0)
		return;
	pkt->ethertype = bpf_ntohs(proto);
	if (proto == bpf_htons(ETH_P_IP) && bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)) == 0) {
		pkt->saddr = ip.saddr;
		pkt->daddr = ip.daddr;
		pkt->proto = ip.protocol;
	} else if (proto == bpf_htons(ETH_P_ARP) &&
		   bpf_skb_load_bytes(skb, ETH_HLEN, &arp, sizeof(arp)) == 0) {
		pkt->saddr = sn_arp_ip(arp.spa);
		pkt->daddr = sn_arp_ip(arp.tpa);
	}
}

/* A sampled drop, out of line: rare, and it needs the packet summary the
 * hot path never builds (so no drop site keeps one alive). */
static __noinline int sn_report_drop(struct __sk_buff *skb, __u32 hook, __u32 reason)
{
	struct sn_pkt pkt = { .ifindex = skb->ifindex, .hook = hook };

	sn_pkt_from_skb(skb, &pkt);
	sn_emit_drop(&pkt, reason);
	return 0;
}

/* The TC drop. row is the tap's counter_row, 0 for a device without a tap
 * entry. Counting is inlined (a call costs more than the count, measured in
 * docs/datapath.md); only the sampled report is a call. */
static __always_inline int sn_drop(struct __sk_buff *skb, __u32 row, __u32 hook, __u32 reason)
{
	if (sn_count_drop(row, hook, reason))
		sn_report_drop(skb, hook, reason);
	return TC_ACT_SHOT;
}

#endif
