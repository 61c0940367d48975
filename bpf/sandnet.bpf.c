/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * sandnet datapath: TC programs on every sandbox tap.
 *   tap_ingress: packets from the guest. Anti-spoofing, ARP answered in place
 *                for peers only, the isolation verdict (3 array lookups, inlined,
 *                and 1 hash lookup), MAC
 *                rewrite and redirect straight to the peer's tap.
 *   tap_egress:  packets to the guest. Only what tap_ingress forwarded and
 *                the host's link-local channel may reach an overlay address.
 * See docs/datapath.md for the design and the reasons behind each choice.
 */
#include "lib/common.h"
#include "lib/maps.h"
#include "lib/drop.h"
#include "lib/eth.h"
#include "lib/arp.h"
#include "lib/ipv4.h"
#include "lib/endpoint.h"
#include "lib/policy.h"
#include "lib/host_channel.h"

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

static __always_inline int sn_ingress_arp(struct __sk_buff *skb, struct ethhdr *eth, void *data_end,
					  const struct sn_config *cfg, const struct sn_tap *tap,
					  struct sn_pkt *pkt)
{
	struct sn_arp *arp = sn_arp_hdr(eth, data_end);
	const struct sn_endpoint *dst;
	__u32 sender, target;

	if (!arp)
		return sn_drop(pkt, SN_DROP_MALFORMED_ARP, cfg->sample_every);
	sender = sn_arp_ip(arp->spa);
	target = sn_arp_ip(arp->tpa);
	pkt->saddr = sender;
	pkt->daddr = target;
	if (!sn_mac_eq(arp->sha, tap->mac))
		return sn_drop(pkt, SN_DROP_SPOOF_MAC, cfg->sample_every);
	if (sender == 0 || sender == target)
		return sn_drop(pkt, SN_DROP_ARP_GRATUITOUS, cfg->sample_every);
	if (sender != tap->ip)
		return sn_drop(pkt, SN_DROP_SPOOF_IP, cfg->sample_every);
	if (arp->op == bpf_htons(ARPOP_REPLY)) {
		/* The one reply a guest may send: telling the host (which asked
		 * from its link-local address) its own, verified, address. */
		if (target == cfg->host_ll)
			return sn_to_host(skb, eth, tap);
		return sn_drop(pkt, SN_DROP_ARP_REPLY, cfg->sample_every);
	}
	if (arp->op != bpf_htons(ARPOP_REQUEST))
		return sn_drop(pkt, SN_DROP_MALFORMED_ARP, cfg->sample_every);
	if (target == cfg->host_ll) {
		/* The host is the tap itself: its own MAC, so that the host
		 * stack sees replies as PACKET_HOST. */
		sn_arp_answer(eth, arp, tap->tap_mac);
		return sn_forward(skb, skb->ifindex);
	}
	dst = sn_endpoint_in(cfg, target);
	if (!dst || sn_policy_verdict(tap->set_id, dst) >= 0)
		return sn_drop(pkt, SN_DROP_ARP_NOT_PEER, cfg->sample_every);
	sn_arp_answer(eth, arp, cfg->gw_mac);
	return sn_forward(skb, skb->ifindex);
}

static __always_inline int sn_ingress_ipv4(struct __sk_buff *skb, struct ethhdr *eth, void *data_end,
					   const struct sn_config *cfg, const struct sn_tap *tap,
					   struct sn_pkt *pkt)
{
	struct iphdr *ip = (void *)(eth + 1);
	const struct sn_endpoint *dst;
	int reason;

	if ((void *)(ip + 1) > data_end)
		return sn_drop(pkt, SN_DROP_MALFORMED_IP, cfg->sample_every);
	pkt->saddr = ip->saddr;
	pkt->daddr = ip->daddr;
	pkt->proto = ip->protocol;
	reason = sn_ipv4_check(ip, data_end, skb->len - ETH_HLEN);
	if (reason >= 0)
		return sn_drop(pkt, reason, cfg->sample_every);
	if (ip->saddr != tap->ip)
		return sn_drop(pkt, SN_DROP_SPOOF_IP, cfg->sample_every);

	if (ip->daddr == cfg->host_ll) {
		reason = sn_host_reply_check(ip, data_end);
		if (reason >= 0)
			return sn_drop(pkt, reason, cfg->sample_every);
		return sn_to_host(skb, eth, tap);
	}
	if (!sn_in_overlay(cfg, ip->daddr))
		return sn_drop(pkt, SN_DROP_OVERLAY_TO_OUTSIDE, cfg->sample_every);

	/* Fragments need no special case: the verdict uses IP addresses only. */
	dst = sn_endpoint_in(cfg, ip->daddr);
	if (!dst)
		return sn_drop(pkt, SN_DROP_NO_ENDPOINT, cfg->sample_every);
	reason = sn_policy_verdict(tap->set_id, dst);
	if (reason >= 0)
		return sn_drop(pkt, reason, cfg->sample_every);
	if (dst->host_id != 0 || dst->ifindex == 0)
		return sn_drop(pkt, SN_DROP_REMOTE_HOST, cfg->sample_every);

	sn_eth_rewrite(eth, cfg->gw_mac, dst->mac);
	return sn_forward(skb, dst->ifindex);
}

SEC("tc")
int tap_ingress(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct sn_pkt pkt = { .ifindex = skb->ifindex, .hook = SN_HOOK_INGRESS };
	const struct sn_config *cfg = sn_config_get();
	struct ethhdr *eth = sn_eth_hdr(data, data_end);
	const struct sn_tap *tap;

	if (!cfg)
		return sn_drop(&pkt, SN_DROP_NO_CONFIG, 1);
	if (!eth)
		return sn_drop(&pkt, SN_DROP_MALFORMED_ETH, cfg->sample_every);
	pkt.ethertype = bpf_ntohs(eth->h_proto);
	tap = sn_tap_lookup(skb->ifindex);
	if (!tap)
		return sn_drop(&pkt, SN_DROP_UNKNOWN_TAP, cfg->sample_every);
	if (!sn_mac_eq(eth->h_source, tap->mac))
		return sn_drop(&pkt, SN_DROP_SPOOF_MAC, cfg->sample_every);
	if (eth->h_proto == bpf_htons(ETH_P_IP))
		return sn_ingress_ipv4(skb, eth, data_end, cfg, tap, &pkt);
	if (eth->h_proto == bpf_htons(ETH_P_ARP))
		return sn_ingress_arp(skb, eth, data_end, cfg, tap, &pkt);
	return sn_drop(&pkt, SN_DROP_UNSUPPORTED_L3, cfg->sample_every);
}

static __always_inline int sn_egress_arp(struct ethhdr *eth, void *data_end, const struct sn_config *cfg,
					 const struct sn_tap *tap, struct sn_pkt *pkt)
{
	struct sn_arp *arp = sn_arp_hdr(eth, data_end);
	__u32 sender, target;

	if (!arp)
		return TC_ACT_OK; /* not IPv4 ARP: touches no overlay address */
	sender = sn_arp_ip(arp->spa);
	target = sn_arp_ip(arp->tpa);
	pkt->saddr = sender;
	pkt->daddr = target;
	if (tap && sender == cfg->host_ll && target == tap->ip && arp->op == bpf_htons(ARPOP_REQUEST))
		return TC_ACT_OK; /* the host resolving its guest on the link-local channel */
	if (sn_in_overlay(cfg, sender) || sn_in_overlay(cfg, target))
		return sn_drop(pkt, SN_DROP_OUTSIDE_TO_OVERLAY, cfg->sample_every);
	return TC_ACT_OK;
}

SEC("tc")
int tap_egress(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct sn_pkt pkt = { .ifindex = skb->ifindex, .hook = SN_HOOK_EGRESS };
	const struct sn_config *cfg;
	struct ethhdr *eth;
	const struct sn_tap *tap;
	struct iphdr *ip;

	if (skb->mark == SN_MARK_FORWARDED) {
		skb->mark = 0;
		return TC_ACT_OK;
	}
	cfg = sn_config_get();
	if (!cfg)
		return sn_drop(&pkt, SN_DROP_NO_CONFIG, 1);
	eth = sn_eth_hdr(data, data_end);
	if (!eth)
		return TC_ACT_OK; /* nothing that can address the overlay */
	pkt.ethertype = bpf_ntohs(eth->h_proto);
	tap = sn_tap_lookup(skb->ifindex);
	if (eth->h_proto == bpf_htons(ETH_P_ARP))
		return sn_egress_arp(eth, data_end, cfg, tap, &pkt);
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return TC_ACT_OK; /* the overlay is IPv4-only */
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return TC_ACT_OK;
	pkt.saddr = ip->saddr;
	pkt.daddr = ip->daddr;
	pkt.proto = ip->protocol;
	if (tap && ip->saddr == cfg->host_ll && ip->daddr == tap->ip)
		return TC_ACT_OK; /* host link-local channel, host-originated */
	if (sn_in_overlay(cfg, ip->saddr) || sn_in_overlay(cfg, ip->daddr))
		return sn_drop(&pkt, SN_DROP_OUTSIDE_TO_OVERLAY, cfg->sample_every);
	return TC_ACT_OK; /* touches no overlay address: untouched */
}
