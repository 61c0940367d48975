/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* The host's link-local channel to a guest: the agent's push connections
 * (host link-local -> guest TCP SN_PUSH_PORT) and nothing else. From the
 * guest only segments of such a connection and ICMP errors quoting one go
 * up; a connection counts when the host holds its socket with the push
 * mark, so a guest can neither open a flow nor guess one (SYN cookies). */
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

/* The first bytes of a TCP or UDP header: what an ICMP error must quote. */
struct sn_ports {
	__be16 source;
	__be16 dest;
};

/* 1 when the host has a socket for guest:SN_PUSH_PORT <-> host:host_port
 * that the agent made (push mark), or one in TIME_WAIT (the mark is not
 * readable there; only a marked socket ever completed a handshake, since
 * tap_egress lets nothing else reach the guest). Not a listener (nor a
 * request socket, which the lookup turns into its listener): those are what
 * a guessing guest would hit. bpf_sk_lookup_tcp and not bpf_skc_lookup_tcp
 * + bpf_sk_fullsock, which XDP programs cannot call: the second lookup runs
 * only when no full socket matches. */
static __always_inline int sn_push_socket(void *ctx, __be32 guest, __be32 host, __be16 host_port)
{
	struct bpf_sock_tuple t = {};
	struct bpf_sock *sk;
	int ok;

	t.ipv4.saddr = guest;
	t.ipv4.daddr = host;
	t.ipv4.sport = bpf_htons(SN_PUSH_PORT);
	t.ipv4.dport = host_port;
	sk = bpf_sk_lookup_tcp(ctx, &t, sizeof(t.ipv4), BPF_F_CURRENT_NETNS, 0);
	if (sk) {
		/* Both loads unconditional: a short-circuit made clang compute
		 * &sk->mark, and the verifier forbids arithmetic on socket pointers. */
		__u32 state = sk->state, mark = sk->mark;

		bpf_sk_release(sk);
		return state != BPF_TCP_LISTEN && mark == SN_MARK_HOST_CHANNEL;
	}
	sk = bpf_skc_lookup_tcp(ctx, &t, sizeof(t.ipv4), BPF_F_CURRENT_NETNS, 0);
	if (!sk)
		return 0;
	ok = sk->state == BPF_TCP_TIME_WAIT;
	bpf_sk_release(sk);
	return ok;
}

/* An ICMP error from the guest must quote a packet of a push connection:
 * host link-local -> this guest, TCP to SN_PUSH_PORT, option-less header
 * (the host sends none), with the host socket still there. */
static __always_inline int sn_host_icmp_error_check(void *ctx, struct sn_icmp *icmp, void *data_end,
						    const struct sn_tap *tap)
{
	struct iphdr *inner = (void *)(icmp + 1);
	struct sn_ports *ports = (void *)(inner + 1);

	if ((void *)(ports + 1) > data_end)
		return SN_DROP_MALFORMED_IP;
	if (*(const __u8 *)inner != 0x45 || inner->protocol != IPPROTO_TCP ||
	    inner->saddr != tap->host_ll || inner->daddr != tap->ip ||
	    ports->dest != bpf_htons(SN_PUSH_PORT))
		return SN_DROP_HOST_NOT_PUSH;
	if (!sn_push_socket(ctx, tap->ip, tap->host_ll, ports->source))
		return SN_DROP_HOST_NOT_PUSH;
	return -1;
}

/* Returns -1 if this guest -> host packet may go up, else the drop reason.
 * ip has been validated (option-less, inside the frame) and its addresses
 * are the tap's guest and host link-local. */
static __always_inline int sn_host_reply_check(void *ctx, struct iphdr *ip, void *data_end,
					       const struct sn_tap *tap)
{
	if (sn_ipv4_is_fragment(ip))
		return SN_DROP_FRAGMENT_TO_HOST; /* no L4 header to judge */
	if (ip->protocol == IPPROTO_TCP) {
		struct tcphdr *tcp = (void *)(ip + 1);

		if ((void *)(tcp + 1) > data_end)
			return SN_DROP_MALFORMED_IP;
		if (tcp->syn && !tcp->ack)
			return SN_DROP_HOST_ORIGINATE;
		if (tcp->source != bpf_htons(SN_PUSH_PORT) ||
		    !sn_push_socket(ctx, ip->saddr, ip->daddr, tcp->dest))
			return SN_DROP_HOST_NOT_PUSH;
		return -1;
	}
	if (ip->protocol == IPPROTO_ICMP) {
		struct sn_icmp *icmp = (void *)(ip + 1);

		if ((void *)(icmp + 1) > data_end)
			return SN_DROP_MALFORMED_IP;
		/* Echo replies answer an operator's marked ping (docs/datapath.md);
		 * the host stack ignores any it did not ask for. */
		if (icmp->type == SN_ICMP_ECHOREPLY)
			return -1;
		if (icmp->type == SN_ICMP_DEST_UNREACH)
			return sn_host_icmp_error_check(ctx, icmp, data_end, tap);
		return SN_DROP_HOST_ORIGINATE;
	}
	return SN_DROP_HOST_ORIGINATE; /* UDP and others: cannot tell a reply */
}

#endif
