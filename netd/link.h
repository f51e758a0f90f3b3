/* SPDX-License-Identifier: ISC */
/*
 * link.h - link emulation in the router: delay, jitter, loss, rate,
 * duplication, corruption, mtu and partitions between containers.
 */
#ifndef BERTH_LINK_H
#define BERTH_LINK_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "linkspec.h"
#include "name.h"
#include "ev.h"
#include "router.h"

#define LINK_NHASH	256
#define LINK_FILTER_BITS 4096	/* addresses named by an active entry */
#define LINK_MEM_MAX	(64 * 1024 * 1024)	/* bytes held, all links */

/* What an entry covers; the first that matches a packet applies. */
enum link_kind {
	LINK_ONEWAY,		/* from a to b */
	LINK_PAIR,		/* a to b and b to a */
	LINK_CTR,		/* everything a sends or receives */
	LINK_NKIND
};

struct link_counters {
	uint64_t	 packets, bytes;	/* matched the entry */
	uint64_t	 delayed;		/* held for a while */
	uint64_t	 dropped;		/* all the reasons below */
	uint64_t	 drop_loss, drop_down, drop_queue, drop_mtu;
	uint64_t	 drop_mem;		/* the global cap */
	uint64_t	 duplicated, corrupted;
	uint64_t	 mss_clamped;		/* SYNs told a smaller MSS */
};

struct link_held;

struct link {
	enum link_kind		 kind;
	uint32_t		 a, b;		/* b 0 for LINK_CTR */
	char			 na[NAME_MAX_LEN + 1], nb[NAME_MAX_LEN + 1];
	struct link_profile	 p;
	uint64_t		 seed;		/* the one in use */
	uint64_t		 rng;
	uint64_t		 thr_loss, thr_ge_p, thr_ge_r;
	uint64_t		 thr_dup, thr_corrupt;
	int			 bad;		/* Gilbert: in the bad state */
	long long		 tat_ns;	/* rate: when the line is free */
	long long		 last;		/* latest release time, us */
	size_t			 held, held_bytes;
	TAILQ_HEAD(, link_held)	 q;
	struct link_counters	 c;
	struct link		*next;
};

struct link_held {
	struct ev_timer		 tm;
	struct link_table	*t;
	struct link		*l;
	struct rport		*in;
	struct router_verdict	 v;
	size_t			 len, cost;
	TAILQ_ENTRY(link_held)	 entry;
	uint8_t			 data[];
};

struct link_bind;

struct link_table {
	struct router		*r;
	struct ev		*ev;		/* its timers and clock */
	struct router_hook	 hook;
	int			 hooked;	/* while nactive > 0 */
	struct link		*links;
	size_t			 nlinks;
	size_t			 nkind[LINK_NKIND];
	struct link_bind	*hash[LINK_NHASH];
	size_t			 nactive;	/* entries with an effect */
	size_t			 nmtu;		/* of those, with an mtu */
	unsigned long		 gen;		/* moves on every rebind */
	uint64_t		 filter[LINK_FILTER_BITS / 64];
	size_t			 mem, mem_max;
	uint64_t		 mem_drops;
	uint64_t		 seeds;		/* for entries without --seed */
};

/* What link_judge() decided for one packet. */
enum link_what {
	LINK_PASS,		/* on at once, untouched */
	LINK_HOLD,		/* a copy released at "when" */
	LINK_DROP,
	LINK_REJECT,
};

struct link_fate {
	enum link_what	 what;
	long long	 when;		/* LINK_HOLD: us */
	int		 dup;		/* hold a second copy too */
	long		 corrupt_bit;	/* bit to flip, -1: none */
	uint16_t	 mtu;		/* LINK_REJECT: frag needed, mtu */
};

struct link_table *link_table_new(struct router *, struct ev *);
void		 link_table_free(struct link_table *);
/*
 * Set (create or replace) the entry of kind for a (and b); names are
 * what listings show. Counters and held packets stay on a replace.
 */
struct link	*link_set(struct link_table *, enum link_kind, uint32_t a,
		    const char *na, uint32_t b, const char *nb,
		    const struct link_profile *, char **cause);
struct link	*link_find(struct link_table *, enum link_kind, uint32_t a,
		    uint32_t b);
/* Remove an entry; its held packets go on at once. */
void		 link_rm(struct link_table *, struct link *);
/* Remove every entry naming addr (its container is gone). */
void		 link_forget(struct link_table *, uint32_t addr);
/* Whether an entry with an effect has addr at either end. */
int		 link_touches(const struct link_table *, uint32_t addr);
/* The entry that applies to a packet from -> to, or NULL. */
struct link	*link_lookup(const struct link_table *, uint32_t from,
		    uint32_t to);
/* Decide the fate of one packet on l at now (us); no I/O. */
void		 link_judge(struct link *, const struct packet_ip *,
		    long long now, struct link_fate *);
/* A copy of a TCP SYN with its MSS option lowered to mss, or NULL
 * (not a SYN, no MSS option above mss); the caller frees. */
uint8_t		*link_clamp_mss(const uint8_t *, const struct packet_ip *,
		    uint16_t mss);
json_t		*link_json(const struct link *);
json_t		*link_table_json(const struct link_table *);
const char	*link_kind_name(enum link_kind);

#endif
