/* SPDX-License-Identifier: ISC */
/*
 * dnssrv_int.h - the DNS server's insides, shared by dnssrv.c (queries,
 * forwarding, life), dnssrv_tcp.c (TCP connections) and dnssrv_up.c
 * (the upstream resolvers).
 */
#ifndef BERTH_DNSSRV_INT_H
#define BERTH_DNSSRV_INT_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include "buf.h"
#include "dns.h"
#include "dnssrv.h"
#include "ev.h"

#define DNSSRV_BATCH		64	/* datagrams per fd per round */
#define DNSSRV_TCP_BATCH	16	/* queries per connection per round */
#define DNSSRV_RESOLV_MS	1000	/* how often resolv.conf is checked */
#define DNSSRV_RESOLV_MAX	(64 * 1024)
#define DNSSRV_NONE		0xffff

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL		0	/* netd ignores SIGPIPE anyway */
#endif

struct dnssrv_pending {
	int			 used;
	uint16_t		 id;		/* ours, toward the upstream */
	uint16_t		 client_id;
	struct sockaddr_in	 client;	/* UDP client */
	uint64_t		 conn;		/* TCP client, 0: UDP */
	size_t			 limit;		/* client's message size */
	unsigned		 attempts;
	unsigned		 up;		/* upstream of this attempt */
	long long		 deadline;
	uint8_t			 name[DNS_NAME_MAX];	/* lowercased */
	size_t			 namelen;
	uint16_t		 qtype, qclass;
	uint8_t			*msg;		/* the query, our ID in it */
	size_t			 len;
	uint16_t		 prev, next;	/* deadline order */
};

struct dnssrv_conn {
	struct dnssrv		*srv;
	int			 fd;
	int			 eof;		/* closes once flushed */
	uint64_t		 serial;
	uint32_t		 peer;
	long long		 last;		/* last activity */
	struct buf		 rb;		/* the prefix, then the query */
	size_t			 rneed;		/* bytes rb must hold */
	struct buf		 wb;		/* answers not yet sent */
	TAILQ_ENTRY(dnssrv_conn) entry;		/* least recent first */
};

TAILQ_HEAD(dnssrv_conns, dnssrv_conn);

struct dnssrv {
	struct ev		*ev;
	struct ev_timer		 timer;		/* dnssrv_tick's */
	struct ev_defer		 resched;	/* after activity: re-arm */
	const struct dns_zone	*zone;
	uint32_t		 addr;
	uint16_t		 port;
	uint16_t		 upstream_port;
	unsigned		 try_ms;
	char			*resolv_conf;
	int			 udp, tcp, up4, up6;

	struct sockaddr_storage	 ups[DNSSRV_UPSTREAM_MAX];
	socklen_t		 upslen[DNSSRV_UPSTREAM_MAX];
	unsigned		 nups;
	long long		 resolv_checked;
	time_t			 resolv_mtime;
	off_t			 resolv_size;
	ino_t			 resolv_ino;
	int			 resolv_loaded;

	struct dnssrv_pending	*pend;		/* DNSSRV_PENDING_MAX */
	uint16_t		*idmap;		/* ID -> slot, DNSSRV_NONE */
	uint16_t		 head, tail;	/* oldest, newest */
	uint16_t		 free;		/* free list, through next */
	unsigned		 npending;

	struct dnssrv_conns	 conns;
	unsigned		 nconns;
	uint64_t		 serial;

	uint8_t			*in;		/* DNS_MSG_MAX + 1 */
	uint8_t			*out;		/* 2 + DNS_MSG_MAX */
	struct dnssrv_stats	 st;
	/* dnssrv_pkt.c: an answer packet (IPv4, UDP), its IP ID. */
	uint8_t			 pkt[20 + 8 + DNS_EDNS_MAX];
	uint16_t		 ipid;
};

/* dnssrv.c: one query from peer, over UDP from client or TCP on c. */
void	dnssrv_query(struct dnssrv *, const uint8_t *msg, size_t len,
	    uint32_t peer, const struct sockaddr_in *client,
	    struct dnssrv_conn *c);

/* dnssrv_tcp.c */
void	dnssrv_accept_cb(int fd, int events, void *arg);
struct dnssrv_conn *dnssrv_conn_find(struct dnssrv *, uint64_t serial);
/* Queue a length-prefixed answer; 0, or -1 when c was closed. */
int	dnssrv_conn_send(struct dnssrv *, struct dnssrv_conn *c,
	    const uint8_t *msg, size_t len);
void	dnssrv_conn_close(struct dnssrv *, struct dnssrv_conn *);

/* dnssrv_up.c */
int	dnssrv_same(const struct sockaddr *a, const struct sockaddr *b);
void	dnssrv_load_resolv(struct dnssrv *s);

#endif
