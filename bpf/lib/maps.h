/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* Every map of the datapath. max_entries here are placeholders: the loader
 * sets the real capacities from agent configuration before load. Names are
 * the pin names under <bpffs-root>/<SN_LAYOUT_DIR>/. */
#ifndef SN_BPF_MAPS_H
#define SN_BPF_MAPS_H

#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sn_config);
} config SEC(".maps");

/* Indexed by the host part of the overlay address (max_entries = overlay
 * size): an inlined array lookup instead of a ~10-20 ns hash lookup. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1024);
	__type(key, __u32); /* ntohl(ip & ~overlay_mask) */
	__type(value, struct sn_endpoint);
} endpoints SEC(".maps");

/* Indexed by ifindex (max_entries = max_tap_ifindex): the verifier inlines
 * an array lookup, a hash lookup costs ~15-20 ns per packet. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1024);
	__type(key, __u32); /* ifindex */
	__type(value, struct sn_tap);
} taps SEC(".maps");

/* (max_local_taps + 1) rows of max_sets / 64 + 1 words: the isolation
 * verdict is one inlined array lookup and a bit test (dp_abi.h, sn_reach_word). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1024);
	__type(key, __u32); /* tap reach_base + dst set_id / 64 */
	__type(value, struct sn_reach_word);
} reach SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32); /* set_id */
	__type(value, struct sn_set_nets);
} set_nets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32); /* net_index */
	__type(value, struct sn_network);
} networks SEC(".maps");

/* (max_local_taps + 1) * SN_HOOK__MAX rows: an inlined per-CPU array
 * lookup where the v2 LRU per-CPU hash cost ~10 ns per drop. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1024);
	__type(key, __u32); /* counter_row * SN_HOOK__MAX + hook */
	__type(value, struct sn_counters);
} drop_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} drop_events SEC(".maps");

#endif
