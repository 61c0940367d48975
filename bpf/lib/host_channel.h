/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* The host's link-local channel to a guest: only the host originates.
 * From the guest we pass only what is recognisably a reply. */
#ifndef SN_BPF_HOST_CHANNEL_H
#define SN_BPF_HOST_CHANNEL_H

#include <linux/tcp.h>

#include "ipv4.h"

/* The ICMP header's fixed part. linux/icmp.h is not included: it reaches libc's
 * sys/socket.h through linux/if.h, and BPF sources see kernel headers only. */
struct sn_icmp {
	__u8 type;
	__u8 code;
	__sum16 checksum;
	__be32 rest;
};

#define SN_ICMP_ECHOREPLY 0
#define SN_ICMP_DEST_UNREACH 3

/* Returns -1 if this guest -> host packet is a reply, else the drop reason.
 * ip has been validated (option-less, inside the frame). */
static __always_inline int sn_host_reply_check(struct iphdr *ip, void *data_end)
{
	if (sn_ipv4_is_fragment(ip))
		return SN_DROP_FRAGMENT_TO_HOST; /* no L4 header to judge */
	if (ip->protocol == IPPROTO_TCP) {
		struct tcphdr *tcp = (void *)(ip + 1);

		if ((void *)(tcp + 1) > data_end)
			return SN_DROP_MALFORMED_IP;
		if (tcp->syn && !tcp->ack)
			return SN_DROP_HOST_ORIGINATE;
		return -1;
	}
	if (ip->protocol == IPPROTO_ICMP) {
		struct sn_icmp *icmp = (void *)(ip + 1);

		if ((void *)(icmp + 1) > data_end)
			return SN_DROP_MALFORMED_IP;
		if (icmp->type == SN_ICMP_ECHOREPLY || icmp->type == SN_ICMP_DEST_UNREACH)
			return -1;
		return SN_DROP_HOST_ORIGINATE;
	}
	return SN_DROP_HOST_ORIGINATE; /* UDP and others: cannot tell a reply */
}

#endif
