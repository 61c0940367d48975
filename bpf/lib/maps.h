/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* Every map of the datapath: this file is the one list of them. Each is
 * pinned by name (LIBBPF_PIN_BY_NAME) under <bpffs-root>/<SN_LAYOUT_DIR>/,
 * the pin root the loader gives libbpf; the loader checks this list against
 * its own table of names (kMaps, loader/map_set.h) at load. max_entries here are
 * placeholders: the loader sets the real capacities from agent
 * configuration before load. */
#ifndef SN_BPF_MAPS_H
#define SN_BPF_MAPS_H

#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sn_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} config SEC(".maps");

/* Indexed by the host part of the overlay address (max_entries = overlay
 * size): an inlined array lookup instead of a ~10-20 ns hash lookup. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1024);
	__type(key, __u32); /* ntohl(ip & ~overlay_mask) */
	__type(value, struct sn_endpoint);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} endpoints SEC(".maps");

/* Slots of the taps array minus one (tap_slots is a power of two), set by
 * the loader before load: a tap's slot is ifindex & sn_tap_slot_mask. */
const volatile __u32 sn_tap_slot_mask = 0;

/* tap_slots (a power of two >= 2 x max_local_taps) entries, indexed by
 * ifindex & sn_tap_slot_mask: the verifier inlines an array lookup, a hash
 * lookup costs ~10-15 ns per packet. Each entry names its ifindex. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1024);
	__type(key, __u32); /* ifindex & sn_tap_slot_mask */
	__type(value, struct sn_tap);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} taps SEC(".maps");

/* Taps whose slot another ifindex held when they came (max_entries =
 * max_local_taps, the most taps, quarantined ones included, the planner
 * ever lets exist at once). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32); /* ifindex */
	__type(value, struct sn_tap);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} taps_overflow SEC(".maps");

/* (max_local_taps + 1) rows of max_sets / 64 + 1 words: the isolation
 * verdict is one inlined array lookup and a bit test (dp_abi.h, sn_reach_word). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1024);
	__type(key, __u32); /* tap reach_base + dst set_id / 64 */
	__type(value, struct sn_reach_word);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} reach SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32); /* set_id */
	__type(value, struct sn_set_nets);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} set_nets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32); /* net_index */
	__type(value, struct sn_network);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} networks SEC(".maps");

/* Hosts owning an endpoint of this view (v7; max_entries = max_hosts). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32); /* host number */
	__type(value, struct sn_host);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} hosts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32); /* underlay IPv4, network order */
	__type(value, struct sn_underlay_host);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} underlay_hosts SEC(".maps");

/* (max_local_taps + 1) * SN_HOOK__MAX rows: an inlined per-CPU array
 * lookup where the v2 LRU per-CPU hash cost ~10 ns per drop. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1024);
	__type(key, __u32); /* counter_row * SN_HOOK__MAX + hook */
	__type(value, struct sn_counters);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} drop_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} drop_events SEC(".maps");

#endif
