/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * sandnet early drops, an experiment: an XDP program on sandbox taps, in
 * front of tap_ingress (bpf/sandnet.bpf.c). It lives in bench/ with its
 * benchmark because it is not part of the product: its rules repeat
 * tap_ingress's (from the same bpf/lib helpers, tap lookup included).
 *   tap_xdp: decides, from the frame and the maps alone, every drop
 *            tap_ingress would make, and makes it before the kernel builds an
 *            skb (on a tap, in tun_get_user). Everything else passes to TC,
 *            which forwards, answers ARP and sends host replies up as today.
 * It must agree with tap_ingress: same checks, same order, same reasons
 * (tests/xdp compares both programs frame by frame). Drops are counted in
 * the same maps under the hook SN_HOOK_XDP.
 * Measured not to pay on a tap (bench/datapath/xdp_vs_tc; docs/datapath.md,
 * "TC-only vs TC+XDP"): the agent does not attach it. The loader of this
 * experiment is bench/datapath/xdp_program.cc.
 */
#include "lib/common.h"
#include "lib/maps.h"
#include "lib/xdp_drop.h"
#include "lib/eth.h"
#include "lib/arp.h"
#include "lib/ipv4.h"
#include "lib/endpoint.h"
#include "lib/policy.h"
#include "lib/host_channel.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define SN_PASS (-1)

/* Set by the loader before load. 0 = "spoofing only": the destination
 * endpoint and the verdict are left to TC, so that allowed traffic pays XDP
 * only the tap lookup and the header checks. */
const volatile __u32 sn_xdp_verdicts = 1;

/* tap_ingress's ARP rules; SN_PASS where it answers in place or sends the
 * reply up to the host. */
static __always_inline int sn_xdp_arp_reason(struct ethhdr *eth, void *data_end,
					     const struct sn_config *cfg, const struct sn_tap *tap,
					     struct sn_pkt *pkt)
{
	struct sn_arp *arp = sn_arp_hdr(eth, data_end);
	const struct sn_endpoint *dst;
	__u32 sender, target;

	if (!arp)
		return SN_DROP_MALFORMED_ARP;
	sender = sn_arp_ip(arp->spa);
	target = sn_arp_ip(arp->tpa);
	pkt->saddr = sender;
	pkt->daddr = target;
	if (!sn_mac_eq(arp->sha, tap->mac))
		return SN_DROP_SPOOF_MAC;
	if (sender == 0 || sender == target)
		return SN_DROP_ARP_GRATUITOUS;
	if (sender != tap->ip)
		return SN_DROP_SPOOF_IP;
	if (arp->op == bpf_htons(SN_ARPOP_REPLY))
		return target == cfg->host_ll ? SN_PASS : SN_DROP_ARP_REPLY;
	if (arp->op != bpf_htons(SN_ARPOP_REQUEST))
		return SN_DROP_MALFORMED_ARP;
	if (target == cfg->host_ll || !sn_xdp_verdicts)
		return SN_PASS;
	dst = sn_endpoint_in(cfg, target);
	if (!dst || sn_policy_verdict(tap, dst) >= 0)
		return SN_DROP_ARP_NOT_PEER;
	return SN_PASS;
}

/* tap_ingress's IPv4 rules; SN_PASS where it forwards or sends up to the
 * host. l3_len covers every fragment of a multi-buffer frame, as skb->len. */
static __always_inline int sn_xdp_ipv4_reason(struct xdp_md *ctx, struct ethhdr *eth, void *data_end, __u32 l3_len,
					      const struct sn_config *cfg, const struct sn_tap *tap,
					      struct sn_pkt *pkt)
{
	struct iphdr *ip = (void *)(eth + 1);
	const struct sn_endpoint *dst;
	int reason;

	if ((void *)(ip + 1) > data_end)
		return SN_DROP_MALFORMED_IP;
	pkt->saddr = ip->saddr;
	pkt->daddr = ip->daddr;
	pkt->proto = ip->protocol;
	reason = sn_ipv4_check(ip, data_end, l3_len);
	if (reason >= 0)
		return reason;
	if (ip->saddr != tap->ip)
		return SN_DROP_SPOOF_IP;
	if (ip->daddr == cfg->host_ll)
		return sn_host_reply_check(ctx, ip, data_end, tap);
	if (!sn_in_overlay(cfg, ip->daddr))
		return SN_DROP_OVERLAY_TO_OUTSIDE;
	if (!sn_xdp_verdicts)
		return SN_PASS;
	dst = sn_endpoint_in(cfg, ip->daddr);
	if (!dst)
		return SN_DROP_NO_ENDPOINT;
	reason = sn_policy_verdict(tap, dst);
	if (reason >= 0)
		return reason;
	/* Across hosts TC tunnels it (or drops it for a reason of the overlay's
	 * own); without an overlay on this host, the same drop as TC's. */
	if (dst->host_id != 0)
		return tap->vxlan_ifindex ? SN_PASS : SN_DROP_REMOTE_HOST;
	if (dst->ifindex == 0)
		return SN_DROP_REMOTE_HOST;
	return SN_PASS;
}

/* xdp.frags: a multi-buffer frame (a large GSO frame on generic XDP) is
 * judged as is instead of being linearised first; every header the rules
 * read must be in the first buffer, as TC needs them in the linear part. */
SEC("xdp.frags")
int tap_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct sn_pkt pkt = { .ifindex = ctx->ingress_ifindex, .hook = SN_HOOK_XDP };
	const struct sn_config *cfg = sn_config_get();
	struct ethhdr *eth = sn_eth_hdr(data, data_end);
	const struct sn_tap *tap;
	int reason;

	if (!cfg)
		return sn_xdp_drop(&pkt, 0, SN_DROP_NO_CONFIG);
	if (!eth)
		return sn_xdp_drop(&pkt, 0, SN_DROP_MALFORMED_ETH);
	pkt.ethertype = bpf_ntohs(sn_eth_proto(eth));
	tap = sn_tap_lookup(ctx->ingress_ifindex);
	if (!tap)
		return sn_xdp_drop(&pkt, 0, SN_DROP_UNKNOWN_TAP);
	if (!sn_mac_eq(eth->h_source, tap->mac))
		return sn_xdp_drop(&pkt, tap->counter_row, SN_DROP_SPOOF_MAC);
	if (eth->h_proto == bpf_htons(ETH_P_IP))
		reason = sn_xdp_ipv4_reason(ctx, eth, data_end, bpf_xdp_get_buff_len(ctx) - ETH_HLEN, cfg,
					    tap, &pkt);
	else if (eth->h_proto == bpf_htons(ETH_P_ARP))
		reason = sn_xdp_arp_reason(eth, data_end, cfg, tap, &pkt);
	else if (sn_eth_is_vlan(eth->h_proto))
		reason = SN_DROP_VLAN; /* tun hands XDP the frame with its tag */
	else
		reason = SN_DROP_UNSUPPORTED_L3;
	if (reason >= 0)
		return sn_xdp_drop(&pkt, tap->counter_row, reason);
	return XDP_PASS;
}
