/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* Ethernet/IPv4 ARP: parsing and answering a request in place. */
#ifndef SN_BPF_ARP_H
#define SN_BPF_ARP_H

#include "eth.h"

/* From linux/if_arp.h, which is not included: it pulls in linux/netdevice.h and,
 * through linux/if.h, libc's sys/socket.h. BPF sources see kernel headers only. */
#define SN_ARPHRD_ETHER 1
#define SN_ARPOP_REQUEST 1
#define SN_ARPOP_REPLY 2

struct sn_arp {
	__be16 htype;
	__be16 ptype;
	__u8 hlen;
	__u8 plen;
	__be16 op;
	__u8 sha[ETH_ALEN];
	__u8 spa[4];
	__u8 tha[ETH_ALEN];
	__u8 tpa[4];
} __attribute__((packed));

/* NULL unless a complete Ethernet/IPv4 ARP header follows the Ethernet one. */
static __always_inline struct sn_arp *sn_arp_hdr(struct ethhdr *eth, void *data_end)
{
	struct sn_arp *arp = (void *)(eth + 1);

	if ((void *)(arp + 1) > data_end)
		return 0;
	if (arp->htype != bpf_htons(SN_ARPHRD_ETHER) || arp->ptype != bpf_htons(ETH_P_IP) ||
	    arp->hlen != ETH_ALEN || arp->plen != 4)
		return 0;
	return arp;
}

static __always_inline __u32 sn_arp_ip(const __u8 *p)
{
	__u32 v;

	__builtin_memcpy(&v, p, 4);
	return v;
}

/* Turns the request into the reply "target is at mac", addressed back to
 * the requester, in the same buffer. */
static __always_inline void sn_arp_answer(struct ethhdr *eth, struct sn_arp *arp, const __u8 *mac)
{
	__u8 target_ip[4];

	__builtin_memcpy(target_ip, arp->tpa, 4);
	arp->op = bpf_htons(SN_ARPOP_REPLY);
	__builtin_memcpy(arp->tha, arp->sha, ETH_ALEN);
	__builtin_memcpy(arp->tpa, arp->spa, 4);
	__builtin_memcpy(arp->sha, mac, ETH_ALEN);
	__builtin_memcpy(arp->spa, target_ip, 4);
	sn_eth_rewrite(eth, mac, arp->tha);
}

#endif
