/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The binary contract between the BPF programs (bpf/ sources) and user space
 * (loader/, cli/): map key/value layouts, drop reasons, pin names.
 * C so that both the BPF target and C++ include it. Changing a layout means
 * bumping SN_LAYOUT_VERSION, which is part of every pin path (Calico-style).
 */
#ifndef SANDNET_DP_ABI_H
#define SANDNET_DP_ABI_H

#include <linux/types.h>

#define SN_LAYOUT_VERSION 7
#define SN_LAYOUT_DIR "v7"

#define SN_MAX_NETS_PER_SET 64
#define SN_NET_ID_LEN 32 /* "net-" + 26-char ULID + NUL fits in 31 */

/* skb->mark value set on every packet our ingress program redirects, so
 * the egress program of the target tap can tell "forwarded by sandnet" from
 * "sent by the host stack". Only CAP_NET_ADMIN can set marks (SO_MARK); veth
 * and tap scrub the mark of packets coming from a guest. */
#define SN_MARK_FORWARDED 0x534e0001u

/* SO_MARK of the agent's push sockets (and of an operator's `ping -m`):
 * tap_egress lets the host link-local channel reach a guest only with it,
 * so replies the host stack is provoked into (by an outsider spoofing a
 * guest's address) never do. */
#define SN_MARK_HOST_CHANNEL 0x534e0002u

/* sandnet-guestd's TCP port: the one flow of the host link-local channel. */
#define SN_PUSH_PORT 7471

/* The overlay between hosts: VXLAN's IANA port, and what it adds to a guest
 * frame (outer IPv4 20 + UDP 8 + VXLAN 8 + the inner Ethernet header 14). */
#define SN_VXLAN_PORT 4789
#define SN_VXLAN_OVERHEAD 50

/* One enum of drop reasons, used everywhere (Cilium drop.h style).
 * Every map miss that should not happen is its own reason. Append only:
 * the numbers are in the counters map and in ring-buffer events. */
enum sn_drop_reason {
	SN_DROP_MALFORMED_ETH = 0,   /* frame shorter than an Ethernet header */
	SN_DROP_NO_CONFIG,           /* agent has not written the config map yet */
	SN_DROP_UNKNOWN_TAP,         /* program runs on a device with no tap entry */
	SN_DROP_SPOOF_MAC,           /* source MAC is not the tap's guest MAC */
	SN_DROP_SPOOF_IP,            /* source IP (or ARP sender IP) is not the tap's */
	SN_DROP_UNSUPPORTED_L3,      /* not IPv4 nor ARP (IPv6, VLAN...): overlay is IPv4-only */
	SN_DROP_MALFORMED_ARP,       /* truncated ARP or not Ethernet/IPv4 ARP */
	SN_DROP_ARP_REPLY,           /* guests may not answer ARP (no poisoning) */
	SN_DROP_ARP_GRATUITOUS,      /* gratuitous ARP / ARP probe from a guest */
	SN_DROP_ARP_NOT_PEER,        /* ARP request for an address that is not a peer */
	SN_DROP_MALFORMED_IP,        /* truncated IPv4 header, bad version/ihl/length */
	SN_DROP_IP_OPTIONS,          /* IPv4 header with options (ihl > 5) */
	SN_DROP_OVERLAY_TO_OUTSIDE,  /* overlay source, non-overlay destination */
	SN_DROP_OUTSIDE_TO_OVERLAY,  /* host/outside traffic towards a guest (egress) */
	SN_DROP_NO_ENDPOINT,         /* destination overlay IP has no endpoint */
	SN_DROP_NO_NETWORK,          /* source or destination is in no network */
	SN_DROP_NO_SHARED_NETWORK,   /* both in networks, none shared */
	SN_DROP_REMOTE_HOST,         /* destination lives on another host (not yet) */
	SN_DROP_HOST_ORIGINATE,      /* guest tries to open a flow to the host link-local */
	SN_DROP_FRAGMENT_TO_HOST,    /* fragment towards the host link-local address */
	SN_DROP_HOST_NOT_PUSH,       /* guest -> host TCP/ICMP error not of a push connection */
	SN_DROP_HOST_UNMARKED,       /* host -> guest link-local traffic not from a push socket */
	SN_DROP_VLAN,                /* VLAN-tagged frame (802.1Q/802.1ad, in the frame or the skb) */
	SN_DROP_QUARANTINED,         /* tap the agent cannot place: drop-all, both ways (v5) */
	/* v7: the overlay between hosts (docs/datapath.md, "Across hosts") */
	SN_DROP_NO_REMOTE_HOST,      /* destination's host has no underlay address here */
	SN_DROP_OVERLAY_TOO_BIG,     /* frame larger than the overlay MTU (guest MTU set too high) */
	SN_DROP_UNDERLAY_NO_TUNNEL,  /* frame on the VXLAN device without tunnel metadata */
	SN_DROP_UNDERLAY_UNKNOWN_HOST, /* outer source is not a registered host */
	SN_DROP_UNDERLAY_WRONG_VNI,  /* tunnel id is not the sending host's number */
	SN_DROP_UNDERLAY_NOT_OWNER,  /* inner source (IP, MAC) is not an endpoint of the sending host */
	SN_DROP_UNDERLAY_NOT_LOCAL,  /* inner destination is not a local guest */
	SN_DROP__MAX
};

/* Counter slots per row: room for reasons to come without a layout change
 * (the value size of drop_counts is part of the layout). */
#define SN_DROP_SLOTS 32

/* Hooks, part of the counters key and of events. */
enum sn_hook {
	SN_HOOK_INGRESS = 0, /* tap ingress = packets from the guest */
	SN_HOOK_EGRESS = 1,  /* tap egress = packets to the guest */
	SN_HOOK_XDP = 2,     /* tap XDP early drops (bench/tests only; not attached by the agent) */
	SN_HOOK_OVERLAY = 3, /* the VXLAN device's ingress: frames from other hosts (v7) */
	SN_HOOK_UNDERLAY = 4, /* the underlay device's ingress: UDP to SN_VXLAN_PORT (v7) */
	SN_HOOK__MAX         /* hooks per drop_counts row: keep last */
};

/* config[0]: written by the agent once; zero config = fail closed. The
 * ingress hot path reads the copies in its tap entry instead. */
struct sn_config {
	__u32 version;        /* SN_LAYOUT_VERSION once written */
	__u32 overlay_net;    /* network byte order */
	__u32 overlay_mask;   /* network byte order */
	__u32 host_ll;        /* host link-local address, network byte order */
	__u32 sample_every;   /* emit 1 drop event in N per tap and CPU; 0 = never */
	__u8 gw_mac[6];       /* the single gateway MAC answered in ARP */
	__u8 pad[2];
	__u32 reach_words;    /* words per row of the reach map (max_sets / 64 + 1) */
	/* v7, the overlay between hosts; all 0 = single host (remote peers drop
	 * as REMOTE_HOST) */
	__u32 host_number;    /* this host's number: the VNI of every frame it sends */
	__u32 vxlan_ifindex;  /* the collect-metadata VXLAN device */
	__u32 overlay_mtu;    /* largest IP packet a guest may send across hosts */
};

/* endpoints: array indexed by the host part of the overlay IPv4 address
 * (host-order ip - overlay base; since layout v3, v2 had a hash keyed by the ip)
 * -> where it lives and its set. A slot without SN_EP_PRESENT is empty: an
 * all-zero slot is "no endpoint" (fail closed). */
#define SN_EP_PRESENT 1u
struct sn_endpoint {
	__u32 ifindex;  /* local tap; 0 for a remote endpoint */
	__u32 host_id;  /* 0 = this host; else its host number (v7), the key of hosts */
	__u8 mac[6];    /* guest MAC */
	__u8 pad[2];
	__u32 set_id;   /* network-set identity; 0 = in no network */
	__u32 flags;    /* SN_EP_PRESENT for an entry */
};

/* taps: the guest behind each tap, for anti-spoofing, its reach row and a
 * copy of the config fields the ingress hot path reads (one entry instead of
 * two lookups; the loader rewrites every tap when the config changes).
 * Since layout v6 an entry lives in one of two maps, never both:
 *   taps:          array of tap_slots (a power of two), indexed by
 *                  ifindex & (tap_slots - 1): the common case, an inlined
 *                  array lookup and one compare of the entry's ifindex;
 *   taps_overflow: hash keyed by ifindex, for a tap whose slot another
 *                  ifindex already holds (and which stays there).
 * A slot whose ifindex is not the device's is never used for it (v5 indexed
 * an array by the raw ifindex, so a large ifindex had no entry at all).
 * A slot with ip == 0 is empty (no guest has address 0); ifindex is appended
 * last so that the fields before it keep their v5 offsets. */
struct sn_tap {
	__u32 ip;          /* guest overlay IPv4, network order */
	__u32 set_id;      /* same as the endpoint's; 0 = in no network */
	__u8 mac[6];       /* guest MAC (what the guest sends from) */
	__u8 tap_mac[6];   /* the host-side device MAC: dst for host-bound replies */
	__u32 counter_row; /* this tap's row of drop_counts and reach, 1..max_local_taps */
	__u32 reach_base;  /* index of the first reach word of that row */
	__u32 overlay_net; /* config copies: network byte order */
	__u32 overlay_mask;
	__u32 host_ll;
	__u8 gw_mac[6];
	__u8 flags;        /* SN_TAP_QUARANTINED (v5) */
	__u8 pad;
	__u32 ifindex;     /* the device this entry is for (v6); 0 in an empty slot */
	__u32 host_number; /* v7 config copies, for the send path */
	__u32 vxlan_ifindex;
	__u32 overlay_mtu;
};

/* A tap that carries the programs but that the agent cannot place (its
 * sandbox left the view, over a capacity, checkpoint lost...): ip is 0, so
 * the hot path's "empty slot" test sends it to the slow path, which drops
 * every frame, both ways, as SN_DROP_QUARANTINED under the tap's own row. */
#define SN_TAP_QUARANTINED 1

/* reach: array of words, one row per local tap (counter_row), one bit per
 * destination set: bit (set_id % 64) of word reach_base + set_id / 64 is set
 * when the tap's network set and that set share a network (v3 had a hash of
 * {src set, dst set} pairs; a bit test after an inlined array lookup costs a
 * fraction of a hash lookup). Rows are max_sets / 64 + 1 words long. */
#define SN_REACH_BITS 64
struct sn_reach_word {
	__u64 dst_sets;
};

/* set_nets: set_id -> its networks (for inspection and `why`). */
struct sn_set_nets {
	__u32 count;
	__u32 nets[SN_MAX_NETS_PER_SET]; /* sorted net indexes */
};

/* networks: net_index -> API id. */
struct sn_network {
	char id[SN_NET_ID_LEN];
};

/* hosts (v7): host number -> its underlay address, where frames to its
 * endpoints are tunnelled. underlay_hosts: the reverse, for frames received
 * (their outer source) and the underlay filter. Both hold exactly the hosts
 * that own an endpoint of this host's view. */
struct sn_host {
	__u32 underlay_ip; /* network order */
	__u32 flags;       /* 0 (reserved) */
};

struct sn_underlay_host {
	__u32 host_number;
	__u32 flags;       /* 0 (reserved) */
};

/* drop_counts: per-CPU array indexed by row * SN_HOOK__MAX + hook -> count
 * per reason. The row is the tap's counter_row (assigned by the loader);
 * row 0 counts drops on devices without a tap entry (and before the config).
 * sample_left counts down to the next sampled drop event of this row on this
 * CPU (same cache line as the counter: no second lookup per drop). */
struct sn_counters {
	__u64 drops[SN_DROP_SLOTS]; /* indexed by reason, < SN_DROP__MAX */
	__u64 sample_left;
};

/* drop_events ring buffer record. */
struct sn_drop_event {
	__u64 ts_ns;
	__u32 ifindex;
	__u32 reason;
	__u32 saddr;      /* network order, 0 when not IPv4/ARP */
	__u32 daddr;
	__u16 ethertype;  /* host order */
	__u8 proto;
	__u8 hook;
};

#endif
