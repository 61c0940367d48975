/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* The overlay between hosts: one collect-metadata VXLAN device per host.
 * Sending: the tunnel key names the peer's host and carries this host's
 * number as the VNI. Receiving: a frame is delivered only when its outer
 * source is a registered host, the VNI is that host's number, that host owns
 * the inner source (IP and MAC), and the verdict allows the pair; each
 * failure has its own reason (docs/datapath.md, "Across hosts"). */
#ifndef SN_BPF_OVERLAY_H
#define SN_BPF_OVERLAY_H

#include <linux/udp.h>

#include "endpoint.h"
#include "eth.h"
#include "ipv4.h"
#include "policy.h"

/* A verdict-allowed frame from a local guest (tap) to a peer on another
 * host (dst->host_id != 0). Returns the drop reason, or -1 with *verdict the
 * redirect to the VXLAN device. The source MAC stays the guest's own (its
 * tap checked it): the receiving host checks it against the endpoint. */
static __always_inline int sn_overlay_send(struct __sk_buff *skb, struct ethhdr *eth, const struct iphdr *ip,
					   const struct sn_tap *tap, const struct sn_endpoint *dst,
					   int *verdict)
{
	struct bpf_tunnel_key key = {};
	const struct sn_host *host;
	__u32 host_number = dst->host_id;
	/* The least header each GSO segment gets: IPv4 + TCP, or IPv4 + UDP
	 * (UDP_SEGMENT) for anything else. */
	__u32 seg_headers = ip->protocol == IPPROTO_TCP ? 40 : 28;

	if (!tap->vxlan_ifindex)
		return SN_DROP_REMOTE_HOST; /* this host has no overlay */
	host = bpf_map_lookup_elem(&hosts, &host_number);
	if (!host)
		return SN_DROP_NO_REMOTE_HOST;
	/* A GSO packet is cut into segments of gso_size payload bytes: its
	 * segments fit when gso_size plus their headers do. */
	if (skb->gso_size ? skb->gso_size + seg_headers > tap->overlay_mtu : skb->len - ETH_HLEN > tap->overlay_mtu)
		return SN_DROP_OVERLAY_TOO_BIG;
	sn_mac_copy(eth->h_dest, dst->mac);
	key.remote_ipv4 = bpf_ntohl(host->underlay_ip);
	key.tunnel_id = tap->host_number;
	key.tunnel_ttl = 64;
	if (bpf_skb_set_tunnel_key(skb, &key, sizeof(key), 0) < 0)
		return SN_DROP_NO_REMOTE_HOST;
	*verdict = bpf_redirect(tap->vxlan_ifindex, 0);
	return -1;
}

/* The sending host of a frame received on the VXLAN device: the number of
 * the registered host at the tunnel's outer source, when the VNI is that
 * number. Returns the drop reason or -1 with *from set. */
static __always_inline int sn_overlay_sender(struct __sk_buff *skb, __u32 *from)
{
	struct bpf_tunnel_key key = {};
	const struct sn_underlay_host *host;
	__u32 outer;

	if (bpf_skb_get_tunnel_key(skb, &key, sizeof(key), 0) < 0)
		return SN_DROP_UNDERLAY_NO_TUNNEL;
	outer = bpf_htonl(key.remote_ipv4);
	host = bpf_map_lookup_elem(&underlay_hosts, &outer);
	if (!host || host->host_number == 0)
		return SN_DROP_UNDERLAY_UNKNOWN_HOST;
	if (key.tunnel_id != host->host_number)
		return SN_DROP_UNDERLAY_WRONG_VNI;
	*from = host->host_number;
	return -1;
}

/* The local guest a received IPv4 frame is for (NULL: none, or quarantined). */
static __always_inline const struct sn_tap *sn_overlay_target(const struct sn_config *cfg, const struct iphdr *ip,
							      const struct sn_endpoint **dst)
{
	const struct sn_tap *tap;

	*dst = sn_endpoint_in(cfg, ip->daddr);
	if (!*dst || (*dst)->host_id != 0 || (*dst)->ifindex == 0)
		return 0;
	tap = sn_tap_lookup((*dst)->ifindex);
	if (!tap || tap->ip != ip->daddr)
		return 0;
	return tap;
}

/* Whether the sending host owns the inner source: an endpoint of that host,
 * with that MAC. */
static __always_inline int sn_overlay_owner_ok(const struct sn_config *cfg, const struct ethhdr *eth,
					       const struct iphdr *ip, __u32 from,
					       const struct sn_endpoint **src)
{
	*src = sn_endpoint_in(cfg, ip->saddr);
	return *src && (*src)->host_id == from && sn_mac_eq(eth->h_source, (*src)->mac);
}

/* Underlay filter: -1 to let the frame up, else the drop reason. Only UDP to
 * the VXLAN port is judged (its first fragment: later ones carry no port and
 * cannot be reassembled without it); everything else is not ours. */
static __always_inline int sn_underlay_check(void *data, void *data_end)
{
	struct ethhdr *eth = sn_eth_hdr(data, data_end);
	const struct sn_underlay_host *host;
	struct udphdr *udp;
	struct iphdr *ip;
	__u32 hlen;

	if (!eth || sn_eth_proto(eth) != bpf_htons(ETH_P_IP))
		return -1;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end || ip->protocol != IPPROTO_UDP)
		return -1;
	if (ip->frag_off & bpf_htons(0x1fff))
		return -1;
	hlen = ip->ihl * 4;
	if (hlen < sizeof(*ip))
		return -1; /* not IPv4 the stack accepts */
	udp = (void *)ip + hlen;
	if ((void *)(udp + 1) > data_end)
		return -1; /* the stack drops a truncated UDP header too */
	if (udp->dest != bpf_htons(SN_VXLAN_PORT))
		return -1;
	host = bpf_map_lookup_elem(&underlay_hosts, &ip->saddr);
	if (!host || host->host_number == 0)
		return SN_DROP_UNDERLAY_UNKNOWN_HOST;
	return -1;
}

#endif
