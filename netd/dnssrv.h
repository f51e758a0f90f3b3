/* SPDX-License-Identifier: ISC */
/*
 * dnssrv.h - netd's DNS server on the gateway address: UDP and TCP,
 * answers from the zone (dns.h), everything else forwarded to the
 * host's resolvers.
 */
#ifndef BERTH_DNSSRV_H
#define BERTH_DNSSRV_H

#include <stdint.h>

#include "dns.h"

#define DNSSRV_PENDING_MAX	1024	/* forwarded queries in flight */
#define DNSSRV_TRY_MS		1500	/* per upstream attempt */
#define DNSSRV_TRIES		3	/* attempts, over the upstreams */
#define DNSSRV_TCP_MAX		64	/* client connections */
#define DNSSRV_TCP_IDLE_MS	10000
#define DNSSRV_TCP_WMAX		(256 * 1024)	/* unsent replies per conn */
#define DNSSRV_UPSTREAM_MAX	4

struct ev;
struct dnssrv;
struct router;
struct router_verdict;

struct dnssrv_conf {
	uint32_t		 addr;		/* listen address (gateway) */
	uint16_t		 port;		/* 0: 53 */
	const struct dns_zone	*zone;		/* kept; netd updates it */
	const char		*resolv_conf;	/* NULL: /etc/resolv.conf */
	uint16_t		 upstream_port;	/* 0: 53 (tests: elsewhere) */
	unsigned		 try_ms;	/* 0: DNSSRV_TRY_MS */
};

struct dnssrv_stats {
	uint64_t	 udp_queries;
	uint64_t	 tcp_queries;
	uint64_t	 answered;	/* from the zone, or an error */
	uint64_t	 dropped;	/* not even an error answer */
	uint64_t	 forwarded;	/* sent to an upstream */
	uint64_t	 upstream_replies;	/* passed back to clients */
	uint64_t	 upstream_bogus;	/* unmatched or misaddressed */
	uint64_t	 upstream_timeouts;	/* attempts that expired */
	uint64_t	 servfail;	/* no upstream, or all timed out */
	uint64_t	 evicted;	/* pending forwards pushed out */
	uint64_t	 tcp_accepted;
	uint64_t	 tcp_closed_idle;
	uint64_t	 tcp_evicted;	/* closed for a new connection */
	uint64_t	 tcp_errors;	/* bad framing, overrun, I/O */
};

/*
 * Bind UDP and TCP sockets to conf->addr (which must already be a local
 * address) and register them, and later connections, with ev. NULL
 * with *cause on failure (e.g. the port is taken).
 */
struct dnssrv	*dnssrv_new(const struct dnssrv_conf *, struct ev *,
		    char **cause);
/* Close everything and forget the fds in ev. */
void		 dnssrv_free(struct dnssrv *);
/*
 * Milliseconds until dnssrv_tick() has work (a forward or an idle
 * connection expires), -1 when nothing is pending. The server keeps an
 * ev timer on it itself; these are for loops that want to drive it.
 */
int		 dnssrv_timeout(const struct dnssrv *);
/* Expire forwarded queries (retry or SERVFAIL) and idle connections. */
void		 dnssrv_tick(struct dnssrv *);
const struct dnssrv_stats *dnssrv_stats(const struct dnssrv *);
/*
 * The router's r->local (router.h), with the server as its argument:
 * answer a container's UDP query for the zone from the packet, the
 * answer routed as if read from the gateway tun. 1 when it did; 0
 * leaves the packet to the gateway tun and the server's socket.
 */
int		 dnssrv_router_local(void *, struct router *,
		    const uint8_t *pkt, const struct router_verdict *);
/* Forwarded queries in flight and open TCP connections (tests). */
unsigned	 dnssrv_npending(const struct dnssrv *);
unsigned	 dnssrv_nconns(const struct dnssrv *);

#endif
