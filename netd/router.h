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
	uint64_t	 drop_spoof;	/* source not the ingress tun's owner */
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
};

enum router_drop {
	ROUTER_DROP_NONE,
	ROUTER_DROP_MALFORMED,
	ROUTER_DROP_NOROUTE,
	ROUTER_DROP_FULL,
	ROUTER_DROP_SPOOF,
};

struct router_verdict {
	enum router_action	 action;
	enum router_drop	 drop;
	enum packet_err		 err;	/* ROUTER_DROP_MALFORMED: why */
	struct rport		*from;	/* whom the packet is counted to */
	struct rport		*to;
	struct packet_ip	 ip;
};

typedef ssize_t	(*router_io)(int fd, void *buf, size_t len);
typedef ssize_t	(*router_wio)(int fd, const void *buf, size_t len);

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
};

struct router	*router_new(const struct cidr *pool, uint32_t gateway);
void		 router_free(struct router *);
/* Attach a port: the gateway's (gateway set) or a container's. */
void		 router_add(struct router *, struct rport *);
void		 router_remove(struct router *, struct rport *);
struct rport	*router_lookup(const struct router *, uint32_t addr);
/* Decide what to do with a packet read from "in"; no I/O, no counting. */
void		 router_decide(const struct router *, struct rport *in,
		    const uint8_t *pkt, size_t len, struct router_verdict *);
/* Decide, count, and act on one packet. */
void		 router_packet(struct router *, struct rport *in,
		    const uint8_t *pkt, size_t len);
/*
 * Read and route up to ROUTER_BATCH packets from in's fd. A read error
 * other than "no more" calls r->broken: the port must not be polled
 * again as it is.
 */
void		 router_input(struct router *, struct rport *in);

#endif
