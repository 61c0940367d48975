/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* Endpoint (hash) and tap (array, inlined) lookups. */
#ifndef SN_BPF_ENDPOINT_H
#define SN_BPF_ENDPOINT_H

#include "maps.h"

static __always_inline const struct sn_config *sn_config_get(void)
{
	__u32 zero = 0;
	const struct sn_config *cfg = bpf_map_lookup_elem(&config, &zero);

	if (!cfg || cfg->version != SN_LAYOUT_VERSION)
		return 0;
	return cfg;
}

/* NULL for an ifindex beyond the array or an empty slot (ip == 0): fail closed. */
static __always_inline const struct sn_tap *sn_tap_lookup(__u32 ifindex)
{
	const struct sn_tap *tap = bpf_map_lookup_elem(&taps, &ifindex);

	if (!tap || tap->ip == 0)
		return 0;
	return tap;
}

static __always_inline const struct sn_endpoint *sn_endpoint_lookup(__u32 ip)
{
	return bpf_map_lookup_elem(&endpoints, &ip);
}

#endif
