/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* Config, tap and endpoint lookups: all arrays, inlined by the verifier. */
#ifndef SN_BPF_ENDPOINT_H
#define SN_BPF_ENDPOINT_H

#include "ipv4.h"
#include "maps.h"

static __always_inline const struct sn_config *sn_config_get(void)
{
	__u32 zero = 0;
	const struct sn_config *cfg = bpf_map_lookup_elem(&config, &zero);

	if (!cfg || cfg->version != SN_LAYOUT_VERSION)
		return 0;
	return cfg;
}

/* The tap's slot, whatever it holds; NULL for an ifindex beyond the array. */
static __always_inline const struct sn_tap *sn_tap_slot(__u32 ifindex)
{
	return bpf_map_lookup_elem(&taps, &ifindex);
}

/* A slot with a guest (ip != 0). NULL for an ifindex beyond the array, an
 * empty slot or a quarantined one (ip 0 too): fail closed. */
static __always_inline int sn_tap_placed(const struct sn_tap *slot)
{
	return slot && slot->ip != 0;
}

static __always_inline int sn_tap_quarantined(const struct sn_tap *slot)
{
	return slot && slot->ip == 0 && (slot->flags & SN_TAP_QUARANTINED);
}

static __always_inline const struct sn_tap *sn_tap_lookup(__u32 ifindex)
{
	const struct sn_tap *tap = sn_tap_slot(ifindex);

	return sn_tap_placed(tap) ? tap : 0;
}

/* NULL outside the overlay or for an empty slot: fail closed. The slot is
 * the host part of the address, so the array covers exactly the overlay. */
static __always_inline const struct sn_endpoint *sn_endpoint_at(__u32 overlay_net, __u32 overlay_mask,
								__u32 ip)
{
	__u32 slot = bpf_ntohl(ip & ~overlay_mask);
	const struct sn_endpoint *ep;

	if (!sn_addr_in(ip, overlay_net, overlay_mask))
		return 0;
	ep = bpf_map_lookup_elem(&endpoints, &slot);
	if (!ep || !(ep->flags & SN_EP_PRESENT))
		return 0;
	return ep;
}

static __always_inline const struct sn_endpoint *sn_endpoint_in(const struct sn_config *cfg, __u32 ip)
{
	return sn_endpoint_at(cfg->overlay_net, cfg->overlay_mask, ip);
}

#endif
