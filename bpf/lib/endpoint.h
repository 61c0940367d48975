/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* Endpoint and tap lookups (one hash lookup each). */
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

static __always_inline const struct sn_tap *sn_tap_lookup(__u32 ifindex)
{
	return bpf_map_lookup_elem(&taps, &ifindex);
}

static __always_inline const struct sn_endpoint *sn_endpoint_lookup(__u32 ip)
{
	return bpf_map_lookup_elem(&endpoints, &ip);
}

#endif
