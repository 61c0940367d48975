/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* Includes and the per-packet summary every helper fills and drop.h reports. */
#ifndef SN_BPF_COMMON_H
#define SN_BPF_COMMON_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "sandnet/dp_abi.h"

/* What we know about the packet so far; drop events report it. */
struct sn_pkt {
	__u32 ifindex;
	__u32 saddr;
	__u32 daddr;
	__u16 ethertype; /* host order */
	__u8 proto;
	__u8 hook;
};

#endif
