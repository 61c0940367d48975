/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * sandnet datapath: TC programs on every sandbox tap.
 *   tap_ingress: packets from the guest. Anti-spoofing, ARP answered in place
 *                for peers only, the isolation verdict (3 inlined array
 *                lookups: tap, endpoint, reach word), MAC rewrite and redirect
 *                straight to the peer's tap.
 *   tap_egress:  packets to the guest. Only what tap_ingress forwarded and
 *                the agent's marked push sockets may reach an overlay
 *                address; nothing unparsed or VLAN-tagged passes.
 *   overlay_ingress: frames from other hosts, on the VXLAN device: the
 *                sending host, its ownership of the inner source and the
 *                verdict, then a redirect to the local tap.
 *   underlay_ingress: on the underlay device, UDP to the VXLAN port only
 *                from registered hosts.
 * See docs/datapath.md for the design and the reasons behind each choice.
 */
#include "lib/common.h"
#include "lib/maps.h"
#include "lib/tc_drop.h"
#include "lib/eth.h"
#include "lib/arp.h"
#include "lib/ipv4.h"
#include "lib/endpoint.h"
#include "lib/policy.h"
#include "lib/host_channel.h"
#include "lib/overlay.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

static __always_inline int sn_forward(struct __sk_buff *skb, __u32 ifindex)
{
	skb->mark = SN_MARK_FORWARDED;
	return bpf_redirect(ifindex, 0);
}

/* Up the host stack, addressed to the tap itself. The device already
 * classified the frame by its original destination MAC (a guest with a
 * stale gateway-MAC neighbour entry would be PACKET_OTHERHOST and dropped
 * by ip_rcv), hence the type change too. */
static __always_inline int sn_to_host(struct __sk_buff *skb, struct ethhdr *eth,
				      const struct sn_tap *tap)
{
	sn_mac_copy(eth->h_dest, tap->tap_mac);
	bpf_skb_change_type(skb, 0 /* PACKET_HOST */);
	return TC_ACT_OK;
}

/* Returns the drop reason, or -1 once the frame has been answered in place
 * or sent up to the host (*verdict says which TC verdict). */
static __always_inline int sn_ingress_arp(struct __sk_buff *skb, struct ethhdr *eth, void *data_end,
					  const struct sn_tap *tap, int *verdict)
{
	struct sn_arp *arp = sn_arp_hdr(eth, data_end);
	const struct sn_endpoint *dst;
	__u32 sender, target;

	if (!arp)
		return SN_DROP_MALFORMED_ARP;
	sender = sn_arp_ip(arp->spa);
	target = sn_arp_ip(arp->tpa);
	if (!sn_mac_eq(arp->sha, tap->mac))
		return SN_DROP_SPOOF_MAC;
	if (sender == 0 || sender == target)
		return SN_DROP_ARP_GRATUITOUS;
	if (sender != tap->ip)
		return SN_DROP_SPOOF_IP;
	if (arp->op == bpf_htons(SN_ARPOP_REPLY)) {
		/* The one reply a guest may send: telling the host (which asked
		 * from its link-local address) its own, verified, address. */
		if (target != tap->host_ll)
			return SN_DROP_ARP_REPLY;
		*verdict = sn_to_host(skb, eth, tap);
		return -1;
	}
	if (arp->op != bpf_htons(SN_ARPOP_REQUEST))
		return SN_DROP_MALFORMED_ARP;
	if (target == tap->host_ll) {
		/* The host is the tap itself: its own MAC, so that the host
		 * stack sees replies as PACKET_HOST. */
		sn_arp_answer(eth, arp, tap->tap_mac);
		*verdict = sn_forward(skb, skb->ifindex);
		return -1;
	}
	dst = sn_endpoint_at(tap->overlay_net, tap->overlay_mask, target);
	if (!dst || sn_policy_verdict(tap, dst) >= 0)
		return SN_DROP_ARP_NOT_PEER;
	sn_arp_answer(eth, arp, tap->gw_mac);
	*verdict = sn_forward(skb, skb->ifindex);
	return -1;
}

/* Returns the drop reason, or -1 with *verdict set (redirect to the peer's
 * tap, or up to the host). */
static __always_inline int sn_ingress_ipv4(struct __sk_buff *skb, struct ethhdr *eth, void *data_end,
					   const struct sn_tap *tap, int *verdict)
{
	struct iphdr *ip = (void *)(eth + 1);
	const struct sn_endpoint *dst;
	int reason;

	reason = sn_ipv4_check(ip, data_end, skb->len - ETH_HLEN);
	if (reason >= 0)
		return reason;
	if (ip->saddr != tap->ip)
		return SN_DROP_SPOOF_IP;
	if (ip->daddr == tap->host_ll) {
		reason = sn_host_reply_check(skb, ip, data_end, tap);
		if (reason >= 0)
			return reason;
		*verdict = sn_to_host(skb, eth, tap);
		return -1;
	}
	if (!sn_addr_in(ip->daddr, tap->overlay_net, tap->overlay_mask))
		return SN_DROP_OVERLAY_TO_OUTSIDE;

	/* Fragments need no special case: the verdict uses IP addresses only. */
	dst = sn_endpoint_at(tap->overlay_net, tap->overlay_mask, ip->daddr);
	if (!dst)
		return SN_DROP_NO_ENDPOINT;
	reason = sn_policy_verdict(tap, dst);
	if (reason >= 0)
		return reason;
	if (dst->host_id != 0)
		return sn_overlay_send(skb, eth, ip, tap, dst, verdict);
	if (dst->ifindex == 0)
		return SN_DROP_REMOTE_HOST;

	sn_eth_rewrite(eth, tap->gw_mac, dst->mac);
	*verdict = sn_forward(skb, dst->ifindex);
	return -1;
}

/* A device with the program but no guest in its entry: a quarantined tap
 * (the agent cannot place it) drops everything under its own row and
 * reason; anything else is an unknown tap (row 0). */
static __always_inline int sn_drop_unplaced(struct __sk_buff *skb, const struct sn_tap *tap, __u32 hook)
{
	if (sn_tap_quarantined(tap))
		return sn_drop(skb, tap->counter_row, hook, SN_DROP_QUARANTINED);
	return sn_drop(skb, 0, hook, SN_DROP_UNKNOWN_TAP);
}

/* The hot path reads one tap entry (which carries the config fields it
 * needs; its slot, or the overflow hash when another ifindex holds the slot)
 * and never the config map. A quarantined entry has ip 0, so the hot path's
 * one "placed" test also keeps it off the fast path. */
SEC("tc")
int tap_ingress(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = sn_eth_hdr(data, data_end);
	const struct sn_tap *tap;
	int reason, verdict = TC_ACT_SHOT;

	if (!eth)
		return sn_drop(skb, 0, SN_HOOK_INGRESS, SN_DROP_MALFORMED_ETH);
	tap = sn_tap_entry(skb->ifindex);
	if (!sn_tap_placed(tap))
		return sn_drop_unplaced(skb, tap, SN_HOOK_INGRESS);
	/* A tag the device took off (skb->vlan_present) left a frame that looks
	 * untagged: it must not pass for one. */
	if (!sn_mac_eq(eth->h_source, tap->mac))
		reason = SN_DROP_SPOOF_MAC;
	else if (skb->vlan_present)
		reason = SN_DROP_VLAN;
	else if (sn_eth_proto(eth) == bpf_htons(ETH_P_IP))
		reason = sn_ingress_ipv4(skb, eth, data_end, tap, &verdict);
	else if (sn_eth_proto(eth) == bpf_htons(ETH_P_ARP))
		reason = sn_ingress_arp(skb, eth, data_end, tap, &verdict);
	else if (sn_eth_is_vlan(sn_eth_proto(eth)))
		reason = SN_DROP_VLAN;
	else
		reason = SN_DROP_UNSUPPORTED_L3;
	if (reason >= 0)
		return sn_drop(skb, tap->counter_row, SN_HOOK_INGRESS, reason);
	return verdict;
}

/* Returns the drop reason or -1 to let the frame through. */
static __always_inline int sn_egress_arp(struct ethhdr *eth, void *data_end, const struct sn_config *cfg,
					 const struct sn_tap *tap)
{
	struct sn_arp *arp = sn_arp_hdr(eth, data_end);
	__u32 sender, target;

	if (!arp)
		return SN_DROP_MALFORMED_ARP; /* truncated or not Ethernet/IPv4: cannot tell */
	sender = sn_arp_ip(arp->spa);
	target = sn_arp_ip(arp->tpa);
	if (sender == cfg->host_ll && target == tap->ip && arp->op == bpf_htons(SN_ARPOP_REQUEST))
		return -1; /* the host resolving its guest on the link-local channel */
	if (sn_in_overlay(cfg, sender) || sn_in_overlay(cfg, target))
		return SN_DROP_OUTSIDE_TO_OVERLAY;
	return -1;
}

static __always_inline int sn_egress_ipv4(struct __sk_buff *skb, struct ethhdr *eth, void *data_end,
					  const struct sn_config *cfg, const struct sn_tap *tap)
{
	struct iphdr *ip = (void *)(eth + 1);

	if ((void *)(ip + 1) > data_end)
		return SN_DROP_MALFORMED_IP;
	/* The host link-local channel: only what the agent's push sockets send
	 * (their SO_MARK); not what an outsider provokes the host stack into. */
	if (ip->saddr == cfg->host_ll && ip->daddr == tap->ip)
		return skb->mark == SN_MARK_HOST_CHANNEL ? -1 : SN_DROP_HOST_UNMARKED;
	if (sn_in_overlay(cfg, ip->saddr) || sn_in_overlay(cfg, ip->daddr))
		return SN_DROP_OUTSIDE_TO_OVERLAY;
	return -1; /* touches no overlay address: untouched */
}

/* Host-sent frames may keep headers outside the linear data: pull the first
 * bytes the rules read (an Ethernet + ARP header covers Ethernet + IPv4),
 * so that what stays unreadable really is short, and is dropped. */
#define SN_EGRESS_PULL (ETH_HLEN + sizeof(struct sn_arp))

/* tap is a placed entry (tap_egress drops on any other device first). */
static __always_inline int sn_egress_reason(struct __sk_buff *skb, const struct sn_config *cfg,
					    const struct sn_tap *tap)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth;
	__be16 proto;

	if (skb->vlan_present)
		return SN_DROP_VLAN;
	if (data + SN_EGRESS_PULL > data_end) {
		bpf_skb_pull_data(skb, skb->len < SN_EGRESS_PULL ? 0 : SN_EGRESS_PULL);
		data = (void *)(long)skb->data;
		data_end = (void *)(long)skb->data_end;
	}
	eth = sn_eth_hdr(data, data_end);
	if (!eth)
		return SN_DROP_MALFORMED_ETH;
	proto = sn_eth_proto(eth);
	if (proto == bpf_htons(ETH_P_IP))
		return sn_egress_ipv4(skb, eth, data_end, cfg, tap);
	if (proto == bpf_htons(ETH_P_ARP))
		return sn_egress_arp(eth, data_end, cfg, tap);
	if (sn_eth_is_vlan(proto))
		return SN_DROP_VLAN; /* would hide an overlay packet behind the tag */
	return -1; /* anything else: the overlay is IPv4-only */
}

SEC("tc")
int tap_egress(struct __sk_buff *skb)
{
	const struct sn_config *cfg;
	const struct sn_tap *tap;
	__u32 mark = skb->mark;
	int reason;

	/* A quarantined tap takes nothing, forwarded frames and the host
	 * channel included. */
	tap = sn_tap_entry(skb->ifindex);
	if (sn_tap_quarantined(tap))
		return sn_drop(skb, tap->counter_row, SN_HOOK_EGRESS, SN_DROP_QUARANTINED);
	if (mark == SN_MARK_FORWARDED) {
		/* Through a barrier: clang would otherwise reuse a ctx pointer
		 * offset it computed for the load, which the verifier refuses. */
		barrier_var(skb);
		skb->mark = 0;
		return TC_ACT_OK;
	}
	cfg = sn_config_get();
	if (!cfg)
		return sn_drop(skb, sn_tap_placed(tap) ? tap->counter_row : 0, SN_HOOK_EGRESS, SN_DROP_NO_CONFIG);
	/* Programs on a device without a guest entry (between its entry's
	 * removal and its detach): nothing reaches it. */
	if (!sn_tap_placed(tap))
		return sn_drop(skb, 0, SN_HOOK_EGRESS, SN_DROP_UNKNOWN_TAP);
	reason = sn_egress_reason(skb, cfg, tap);
	if (reason >= 0)
		return sn_drop(skb, tap->counter_row, SN_HOOK_EGRESS, reason);
	return TC_ACT_OK;
}

/* Returns the drop reason, or -1 with *verdict the redirect to the local
 * tap. *row is the target tap's counter row once it is known (0 before). */
static __always_inline int sn_overlay_receive(struct __sk_buff *skb, __u32 *row, int *verdict)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	const struct sn_endpoint *src, *dst;
	const struct sn_config *cfg;
	const struct sn_tap *tap;
	struct ethhdr *eth;
	struct iphdr *ip;
	__u32 from = 0;
	int reason;

	reason = sn_overlay_sender(skb, &from);
	if (reason >= 0)
		return reason;
	cfg = sn_config_get();
	if (!cfg)
		return SN_DROP_NO_CONFIG;
	eth = sn_eth_hdr(data, data_end);
	if (!eth)
		return SN_DROP_MALFORMED_ETH;
	if (skb->vlan_present || sn_eth_is_vlan(sn_eth_proto(eth)))
		return SN_DROP_VLAN;
	/* IPv4 only: each host answers ARP for its own guests' peers. */
	if (sn_eth_proto(eth) != bpf_htons(ETH_P_IP))
		return SN_DROP_UNSUPPORTED_L3;
	ip = (void *)(eth + 1);
	reason = sn_ipv4_check(ip, data_end, skb->len - ETH_HLEN);
	if (reason >= 0)
		return reason;
	tap = sn_overlay_target(cfg, ip, &dst);
	if (!tap)
		return SN_DROP_UNDERLAY_NOT_LOCAL;
	*row = tap->counter_row;
	if (!sn_overlay_owner_ok(cfg, eth, ip, from, &src))
		return SN_DROP_UNDERLAY_NOT_OWNER;
	reason = sn_policy_verdict(tap, src);
	if (reason >= 0)
		return reason;
	sn_eth_rewrite(eth, tap->gw_mac, tap->mac);
	*verdict = sn_forward(skb, tap->ifindex);
	return -1;
}

/* On the VXLAN device's ingress. Drops before a target tap is known count
 * in row 0 (like a device without an entry); the rest in the target's row. */
SEC("tc")
int overlay_ingress(struct __sk_buff *skb)
{
	int reason, verdict = TC_ACT_SHOT;
	__u32 row = 0;

	reason = sn_overlay_receive(skb, &row, &verdict);
	if (reason >= 0)
		return sn_drop(skb, row, SN_HOOK_OVERLAY, reason);
	return verdict;
}

#define SN_UNDERLAY_PULL (ETH_HLEN + 60 + sizeof(struct udphdr))

/* On the underlay device's ingress: what is not VXLAN passes untouched. */
SEC("tc")
int underlay_ingress(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	int reason;

	/* Ethernet + the longest IPv4 header + UDP, when not all linear. */
	if (data + SN_UNDERLAY_PULL > data_end) {
		bpf_skb_pull_data(skb, skb->len < SN_UNDERLAY_PULL ? 0 : SN_UNDERLAY_PULL);
		data = (void *)(long)skb->data;
		data_end = (void *)(long)skb->data_end;
	}
	reason = sn_underlay_check(data, data_end);
	if (reason >= 0)
		return sn_drop(skb, 0, SN_HOOK_UNDERLAY, reason);
	return TC_ACT_OK;
}
