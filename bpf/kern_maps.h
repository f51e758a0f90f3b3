/* SPDX-License-Identifier: ISC */
/*
 * kern_maps.h - what netd and the BPF programs (bpf/berth.bpf.c) share:
 * the layout of their maps. Included by both sides, so it uses only
 * fixed-width kernel types.
 */
#ifndef BERTH_KERN_MAPS_H
#define BERTH_KERN_MAPS_H

#include <linux/types.h>

#define KERN_MAX_CTRS	4096

/* kern_ctr.flags */
#define KERN_INTERNAL	0x1	/* no destination outside the pool */

/* The "ctrs" map: cgroup id of a container's cgroup -> this. */
struct kern_ctr {
	__u32	addr;		/* the container's address, network order */
	__u32	flags;
	__u64	spoofed;	/* packets dropped by the egress check */
	__u64	refused;	/* bind/connect/sendmsg refused */
	__u64	rewritten;	/* addresses rewritten */
};

/* The "cfg" map, one entry. */
struct kern_cfg {
	__u32	pool;		/* network order */
	__u32	mask;		/* network order */
	__u32	level;		/* cgroup level of a container's cgroup */
	__u32	pad;
};

#endif
