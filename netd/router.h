/* SPDX-License-Identifier: ISC */
/*
 * router.h - the userspace router between netd's tuns.
 */
#ifndef BERTH_ROUTER_H
#define BERTH_ROUTER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "addr.h"
#include "packet.h"

#define ROUTER_BATCH		64	/* packets read per fd per round */
#define ROUTER_ICMP_PER_SEC	1000	/* ICMP errors netd sends */
#define ROUTER_NHASH		1024

struct router_counters {
	uint64_t	 rx_packets, rx_bytes;	/* the container sent */
	uint64_t	 tx_packets, tx_bytes;	/* netd delivered to it */
	uint64_t	 drop_malformed;
	uint64_t	 drop_noroute;
	uint64_t	 drop_policy;
	uint64_t	 drop_full;
	uint64_t	 drop_link;	/* link emulation: loss, down, rate */
	uint64_t	 drop_spoof;	/* a source the sender does not own */
};

/* One tun: a container's, or the gateway's. */
struct router;

struct rport {
	int			 fd;
	uint32_t		 addr;
	int			 gateway;
	struct router_counters	 c;
	void			*owner;
	struct router		*router;	/* set by router_add() */
	struct rport		*hnext;
};

enum router_action {
	ROUTER_FORWARD,		/* write to v->to */
	ROUTER_UNREACH,		/* answer with ICMP host unreachable */
	ROUTER_DROP,
	ROUTER_REJECT,		/* refuse with an answer (a hook decided) */
};

enum router_drop {
	ROUTER_DROP_NONE,
	ROUTER_DROP_MALFORMED,
	ROUTER_DROP_NOROUTE,
	ROUTER_DROP_FULL,
	ROUTER_DROP_POLICY,	/* a hook: policy said drop (or reject) */
	ROUTER_DROP_LINK,	/* a hook: link emulation dropped it */
	ROUTER_DROP_SPOOF,	/* source not the ingress port's owner */
	ROUTER_NDROP
};

struct router_verdict {
	enum router_action	 action;
	enum router_drop	 drop;
	enum packet_err		 err;	/* ROUTER_DROP_MALFORMED: why */
	struct rport		*from;	/* whom the packet is counted to */
	struct rport		*to;
	struct packet_ip	 ip;
	/* REJECT: "fragmentation needed" with this next-hop MTU (RFC
	 * 1191) instead of administratively prohibited. */
	uint16_t		 mtu;
};

/*
 * The hook point: where policy, capture and link emulation sit. Hooks
 * run in ascending prio after router_decide() and before the router
 * acts, for every packet that has a sender (malformed ones included, so
 * that capture can show them). A hook may change the verdict (to
 * ROUTER_DROP with a drop reason, or ROUTER_REJECT), or take the packet
 * (ROUTER_HOOK_TAKEN: it keeps a copy, e.g. to delay it, and later
 * calls router_resume() or drops it). With no hook registered the
 * router pays one pointer test per packet.
 */
#define ROUTER_PRIO_POLICY	10
#define ROUTER_PRIO_LINK	20
#define ROUTER_PRIO_CAPTURE	30

enum router_hook_ret {
	ROUTER_HOOK_PASS,	/* go on with the (possibly changed) verdict */
	ROUTER_HOOK_TAKEN,	/* the hook owns the packet from now on */
};

struct router_hook {
	int			 prio;
	enum router_hook_ret	(*packet)(struct router_hook *,
				    struct router *, struct rport *in,
				    const uint8_t *pkt, size_t len,
				    struct router_verdict *);
	/* A port is about to go: forget every pointer to it. Optional. */
	void			(*port_gone)(struct router_hook *,
				    struct router *, struct rport *);
	void			*arg;
	struct router_hook	*next;		/* router's, sorted by prio */
};

/* tun_read and tun_write (csum: see packet.h; a write's may be NULL). */
typedef ssize_t	(*router_io)(int fd, void *buf, size_t len,
		    struct packet_csum *csum);
typedef ssize_t	(*router_wio)(int fd, const void *buf, size_t len,
		    const struct packet_csum *csum);

struct router {
	struct cidr		 pool;
	uint32_t		 gateway;
	struct rport		*gw;
	struct rport		*hash[ROUTER_NHASH];
	size_t			 nports;
	uint64_t		 malformed[PACKET_NERR];	/* by reason */
	uint64_t		 icmp_sent, icmp_limited;
	uint64_t		 packets;	/* read, all ports */
	long long		 icmp_second;
	unsigned		 icmp_count;
	router_io		 read;		/* tun_read, or a test's */
	router_wio		 write;		/* tun_write, or a test's */
	/* A port whose fd fails for good (its interface was deleted). */
	void			(*broken)(void *, struct rport *);
	void			*arg;
	uint8_t			*buf;		/* PACKET_MAX */
	struct router_hook	*hooks;		/* NULL: the plain path */
	/*
	 * Packets forwarded to the gateway may be consumed by netd
	 * itself instead of written into the gateway tun (after the
	 * hooks: the DNS server answers UDP queries, dnssrv_pkt.c):
	 * returns 1 when it took the packet. NULL: all are written.
	 */
	int			(*local)(void *, struct router *,
				    const uint8_t *pkt,
				    const struct router_verdict *);
	void			*local_arg;
	uint64_t		 drops[ROUTER_NDROP];	/* by reason */
};

struct router	*router_new(const struct cidr *pool, uint32_t gateway);
void		 router_free(struct router *);
/* Attach a port: the gateway's (gateway set) or a container's. */
void		 router_add(struct router *, struct rport *);
void		 router_remove(struct router *, struct rport *);
struct rport	*router_lookup(const struct router *, uint32_t addr);
/*
 * Decide what to do with a packet read from "in" whose checksum is
 * partial as csum says (NULL: complete), which v->ip.csum records and a
 * forward passes on; no I/O, no counting.
 */
void		 router_decide(const struct router *, struct rport *in,
		    const uint8_t *pkt, size_t len,
		    const struct packet_csum *csum, struct router_verdict *);
/* Decide, count, and act on one packet. */
void		 router_packet(struct router *, struct rport *in,
		    const uint8_t *pkt, size_t len,
		    const struct packet_csum *csum);
/*
 * Read and route up to ROUTER_BATCH packets from in's fd. A read error
 * other than "no more" calls r->broken: the port must not be polled
 * again as it is.
 */
void		 router_input(struct router *, struct rport *in);
/* Register or remove a hook (not from inside a hook's packet call). */
void		 router_hook_add(struct router *, struct router_hook *);
void		 router_hook_remove(struct router *, struct router_hook *);
/*
 * Go on with a packet that hook h took: run the hooks after h, then act
 * on v. "in" must still be attached (see port_gone).
 */
void		 router_resume(struct router *, struct router_hook *h,
		    struct rport *in, const uint8_t *pkt, size_t len,
		    struct router_verdict *v);
const char	*router_drop_name(enum router_drop);

#endif
