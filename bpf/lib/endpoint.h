/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* Config, tap and endpoint lookups: arrays inlined by the verifier (and the
 * taps overflow hash, for the taps whose slot another ifindex holds). */
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

/* The entry of the device `ifindex`, whatever it holds (a guest or a
 * quarantine); NULL when it has none. Its slot first: an inlined array
 * lookup and one compare. A slot that holds another ifindex (or none) is
 * never used for this one: the taps_overflow hash answers instead. */
static __always_inline const struct sn_tap *sn_tap_entry(__u32 ifindex)
{
	__u32 slot = ifindex & sn_tap_slot_mask;
	const struct sn_tap *tap = bpf_map_lookup_elem(&taps, &slot);

	if (tap && tap->ifindex == ifindex)
		return tap;
	return bpf_map_lookup_elem(&taps_overflow, &ifindex);
}

/* An entry with a guest (ip != 0). Not NULL (no entry) nor a quarantined
 * entry (ip 0 too): fail closed. */
static __always_inline int sn_tap_placed(const struct sn_tap *tap)
{
	return tap && tap->ip != 0;
}

static __always_inline int sn_tap_quarantined(const struct sn_tap *tap)
{
	return tap && tap->ip == 0 && (tap->flags & SN_TAP_QUARANTINED);
}

static __always_inline const struct sn_tap *sn_tap_lookup(__u32 ifindex)
{
	const struct sn_tap *tap = sn_tap_entry(ifindex);

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
