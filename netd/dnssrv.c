/* SPDX-License-Identifier: ISC */
/*
 * dnssrv.c - the DNS server on the gateway address.
 *
 * DOC: Theory of Operation
 * Three kinds of sockets, all non-blocking and watched by netd's event
 * loop (ev.h, level triggered):
 *
 *   UDP :53          read a bounded batch per round; dns_answer() says
 *                    reply, drop or forward
 *   TCP :53          accept; each connection reads two-byte length
 *                    prefixed queries and queues replies (dnssrv_tcp.c)
 *   upstream (v4/v6) one unconnected UDP socket per family, from which
 *                    forwarded queries go to the host's resolvers
 *
 * Forwarding: the query is copied with a fresh random ID (one free in
 * the ID map) and sent to an upstream nameserver from resolv.conf
 * (re-read when it changes; our own address is skipped so that the host
 * pointing at us cannot make a loop). A reply is taken only when its
 * ID, source address and port, and question all match what was sent;
 * its ID is then put back and it goes to the client (over UDP cut to
 * the client's size with TC set). Pending forwards sit in a list in
 * deadline order; an attempt that expires is sent to the next upstream,
 * DNSSRV_TRIES in all, then the client gets SERVFAIL. The table holds
 * DNSSRV_PENDING_MAX: a new forward pushes the oldest out.
 *
 * Nothing a client or an upstream sends is trusted: every length is
 * checked, and a bad message costs its sender at most an error answer
 * or a closed connection, never the server.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "dns.h"
#include "dnssrv.h"
#include "dnssrv_int.h"
#include "ev.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

static void	dnssrv_schedule(void *);
static void	dnssrv_timer_cb(void *);

/* ---------------------------------------------------------------- sending */

static void
dnssrv_udp_send(struct dnssrv *s, const struct sockaddr_in *to,
    const uint8_t *msg, size_t len)
{
	/* A full socket buffer drops the answer, as the network would. */
	if (sendto(s->udp, msg, len, 0, (const struct sockaddr *)to,
	    sizeof(*to)) == -1)
		log_debug("%s: sendto: %s", __func__, strerror(errno));
}

/* ---------------------------------------------------------------- pending */

static void
dnssrv_unlink(struct dnssrv *s, uint16_t i)
{
	struct dnssrv_pending	*p = &s->pend[i];

	if (p->prev != DNSSRV_NONE)
		s->pend[p->prev].next = p->next;
	else
		s->head = p->next;
	if (p->next != DNSSRV_NONE)
		s->pend[p->next].prev = p->prev;
	else
		s->tail = p->prev;
	p->prev = p->next = DNSSRV_NONE;
}

static void
dnssrv_append(struct dnssrv *s, uint16_t i)
{
	struct dnssrv_pending	*p = &s->pend[i];

	p->prev = s->tail;
	p->next = DNSSRV_NONE;
	if (s->tail != DNSSRV_NONE)
		s->pend[s->tail].next = i;
	else
		s->head = i;
	s->tail = i;
}

static void
dnssrv_pending_free(struct dnssrv *s, uint16_t i)
{
	struct dnssrv_pending	*p = &s->pend[i];

	dnssrv_unlink(s, i);
	s->idmap[p->id] = DNSSRV_NONE;
	free(p->msg);
	memset(p, 0, sizeof(*p));
	p->prev = DNSSRV_NONE;
	p->next = s->free;
	s->free = i;
	s->npending--;
}

/* Send the answer msg (the client's ID in it) to p's client. */
static void
dnssrv_pending_reply(struct dnssrv *s, struct dnssrv_pending *p,
    const uint8_t *msg, size_t len)
{
	struct dnssrv_conn	*c;

	if (p->conn == 0)
		dnssrv_udp_send(s, &p->client, msg, len);
	else if ((c = dnssrv_conn_find(s, p->conn)) != NULL)
		(void)dnssrv_conn_send(s, c, msg, len);
}

/* Tell p's client SERVFAIL: its question, from the copy of the query. */
static void
dnssrv_pending_servfail(struct dnssrv *s, struct dnssrv_pending *p)
{
	struct dns_question	 q;
	size_t			 n;
	int			 rcode;

	s->st.servfail++;
	if (dns_parse_query(p->msg, p->len, &q, &rcode) == -1)
		return;
	q.id = p->client_id;
	if ((n = dns_error(&q, DNS_R_SERVFAIL, s->out, DNS_MSG_MAX)) != 0)
		dnssrv_pending_reply(s, p, s->out, n);
}

/* Send p's query to the upstream of its next attempt. */
static int
dnssrv_pending_send(struct dnssrv *s, uint16_t i, long long now)
{
	struct dnssrv_pending	*p = &s->pend[i];
	const struct sockaddr	*sa;
	int			 fd;

	dnssrv_load_resolv(s);
	while (p->attempts < DNSSRV_TRIES && s->nups > 0) {
		p->up = (p->up + (p->attempts > 0)) % s->nups;
		p->attempts++;
		sa = (const struct sockaddr *)&s->ups[p->up];
		fd = sa->sa_family == AF_INET6 ? s->up6 : s->up4;
		dnssrv_unlink(s, i);
		dnssrv_append(s, i);
		p->deadline = now + s->try_ms;
		if (sendto(fd, p->msg, p->len, 0, sa, s->upslen[p->up]) !=
		    -1) {
			s->st.forwarded++;
			return 0;
		}
		log_debug("%s: sendto: %s", __func__, strerror(errno));
	}
	return -1;
}

static void
dnssrv_forward(struct dnssrv *s, const uint8_t *msg, size_t len,
    const struct sockaddr_in *client, struct dnssrv_conn *c)
{
	struct dnssrv_pending	*p;
	struct dns_question	 q;
	uint16_t		 i, id;
	int			 rcode;

	if (dns_parse_query(msg, len, &q, &rcode) == -1)
		return;		/* dns_answer() said it is good */
	if (s->free == DNSSRV_NONE) {
		/* Full: the oldest has waited longest; it goes. */
		s->st.evicted++;
		dnssrv_pending_free(s, s->head);
	}
	i = s->free;
	p = &s->pend[i];
	s->free = p->next;
	s->npending++;
	do
		id = (uint16_t)arc4random_uniform(65536);
	while (s->idmap[id] != DNSSRV_NONE);
	s->idmap[id] = i;
	p->used = 1;
	p->id = id;
	p->client_id = q.id;
	if (client != NULL)
		p->client = *client;
	p->conn = c != NULL ? c->serial : 0;
	p->limit = c != NULL ? DNS_MSG_MAX : DNS_UDP_MAX;
	if (c == NULL && q.edns && q.edns_size > DNS_UDP_MAX)
		p->limit = q.edns_size;
	memcpy(p->name, q.lower, q.namelen);
	p->namelen = q.namelen;
	p->qtype = q.qtype;
	p->qclass = q.qclass;
	p->msg = xmalloc(len);
	memcpy(p->msg, msg, len);
	p->len = len;
	p->msg[0] = (uint8_t)(id >> 8);
	p->msg[1] = (uint8_t)id;
	p->up = 0;
	p->prev = p->next = DNSSRV_NONE;
	dnssrv_append(s, i);
	if (dnssrv_pending_send(s, i, util_now_ms()) == -1) {
		dnssrv_pending_servfail(s, p);
		dnssrv_pending_free(s, i);
	}
}

/* A datagram from an upstream: match it to its query and pass it on. */
static void
dnssrv_upstream_msg(struct dnssrv *s, uint8_t *msg, size_t len,
    const struct sockaddr *from)
{
	struct dnssrv_pending	*p;
	struct dns_question	 q;
	uint16_t		 i;

	if (dns_parse_reply_question(msg, len, &q) == -1 ||
	    (i = s->idmap[q.id]) == DNSSRV_NONE)
		goto bogus;
	p = &s->pend[i];
	if (!dnssrv_same(from, (const struct sockaddr *)&s->ups[p->up]) ||
	    q.namelen != p->namelen ||
	    memcmp(q.lower, p->name, q.namelen) != 0 ||
	    q.qtype != p->qtype || q.qclass != p->qclass)
		goto bogus;
	msg[0] = (uint8_t)(p->client_id >> 8);
	msg[1] = (uint8_t)p->client_id;
	if (len > p->limit) {
		/* Header and question, TC: the client retries over TCP. */
		len = q.end;
		msg[2] |= DNS_F_TC >> 8;
		memset(msg + 6, 0, 6);
	}
	dnssrv_pending_reply(s, p, msg, len);
	s->st.upstream_replies++;
	dnssrv_pending_free(s, i);
	return;
bogus:
	s->st.upstream_bogus++;
}

/* ---------------------------------------------------------------- queries */

/* One query from peer: over UDP from client, over TCP on c. */
void
dnssrv_query(struct dnssrv *s, const uint8_t *msg, size_t len,
    uint32_t peer, const struct sockaddr_in *client, struct dnssrv_conn *c)
{
	size_t		 outlen;

	switch (dns_answer(s->zone, peer, msg, len, c != NULL, s->out,
	    DNS_MSG_MAX, &outlen)) {
	case DNS_REPLY:
		s->st.answered++;
		if (c != NULL)
			(void)dnssrv_conn_send(s, c, s->out, outlen);
		else
			dnssrv_udp_send(s, client, s->out, outlen);
		break;
	case DNS_FORWARD:
		dnssrv_forward(s, msg, len, client, c);
		break;
	case DNS_DROP:
		s->st.dropped++;
		break;
	}
}

/*
 * A batch of datagrams: queries on the server's socket, answers on the
 * upstream ones. One byte more than a message may be is read, so that
 * an oversized query shows.
 */
static void
dnssrv_dgram_cb(int fd, int events, void *arg)
{
	struct dnssrv		*s = arg;
	struct sockaddr_storage	 from;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&from;
	socklen_t		 fromlen;
	ssize_t			 n;
	int			 i;

	ev_defer(s->ev, &s->resched);
	for (i = 0; i < DNSSRV_BATCH; i++) {
		fromlen = sizeof(from);
		memset(&from, 0, sizeof(from));
		n = recvfrom(fd, s->in, DNS_MSG_MAX + 1, 0,
		    (struct sockaddr *)&from, &fromlen);
		if (n == -1)
			break;
		if (fd != s->udp) {
			if (n <= DNS_MSG_MAX)
				dnssrv_upstream_msg(s, s->in, (size_t)n,
				    (struct sockaddr *)&from);
			continue;
		}
		s->st.udp_queries++;
		if (fromlen != sizeof(*sin) || sin->sin_family != AF_INET ||
		    n > DNS_MSG_MAX) {
			s->st.dropped++;
			continue;
		}
		dnssrv_query(s, s->in, (size_t)n,
		    ntohl(sin->sin_addr.s_addr), sin, NULL);
	}
}

/* ---------------------------------------------------------------- life */

static int
dnssrv_socket(int family, int type, char **cause)
{
	int	 fd;

	if ((fd = socket(family, type, 0)) == -1) {
		cause_set(cause, "socket: %s", strerror(errno));
		return -1;
	}
	if (util_set_nonblock(fd) == -1 || util_set_cloexec(fd) == -1) {
		cause_set(cause, "fcntl: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int
dnssrv_bind(struct dnssrv *s, int type, char **cause)
{
	struct sockaddr_in	 sin;
	char			 ab[ADDR_STRLEN];
	int			 fd, one = 1;

	if ((fd = dnssrv_socket(AF_INET, type, cause)) == -1)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(s->addr);
	sin.sin_port = htons(s->port);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    (type == SOCK_STREAM && listen(fd, DNSSRV_TCP_MAX) == -1)) {
		cause_set(cause, "DNS on %s:%u/%s: %s", addr_fmt(s->addr, ab),
		    (unsigned)s->port, type == SOCK_STREAM ? "tcp" : "udp",
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

struct dnssrv *
dnssrv_new(const struct dnssrv_conf *conf, struct ev *ev, char **cause)
{
	struct dnssrv	*s;
	unsigned	 i;

	s = xcalloc(1, sizeof(*s));
	s->ev = ev;
	ev_timer_init(&s->timer, dnssrv_timer_cb, s);
	ev_defer_init(&s->resched, dnssrv_schedule, s);
	s->zone = conf->zone;
	s->addr = conf->addr;
	s->port = conf->port != 0 ? conf->port : DNS_PORT;
	s->upstream_port = conf->upstream_port != 0 ? conf->upstream_port :
	    DNS_PORT;
	s->try_ms = conf->try_ms != 0 ? conf->try_ms : DNSSRV_TRY_MS;
	s->resolv_conf = xstrdup(conf->resolv_conf != NULL ?
	    conf->resolv_conf : "/etc/resolv.conf");
	s->udp = s->tcp = s->up4 = s->up6 = -1;
	TAILQ_INIT(&s->conns);
	s->pend = xcalloc(DNSSRV_PENDING_MAX, sizeof(*s->pend));
	s->idmap = xcalloc(65536, sizeof(*s->idmap));
	memset(s->idmap, 0xff, 65536 * sizeof(*s->idmap));
	s->head = s->tail = DNSSRV_NONE;
	for (i = 0; i < DNSSRV_PENDING_MAX; i++) {
		s->pend[i].prev = DNSSRV_NONE;
		s->pend[i].next = i + 1 < DNSSRV_PENDING_MAX ?
		    (uint16_t)(i + 1) : DNSSRV_NONE;
	}
	s->free = 0;
	s->in = xmalloc(DNS_MSG_MAX + 1);
	s->out = xmalloc(DNS_MSG_MAX);

	if ((s->udp = dnssrv_bind(s, SOCK_DGRAM, cause)) == -1 ||
	    (s->tcp = dnssrv_bind(s, SOCK_STREAM, cause)) == -1 ||
	    (s->up4 = dnssrv_socket(AF_INET, SOCK_DGRAM, cause)) == -1)
		goto fail;
	/* No IPv6 on the host: IPv6 nameservers are skipped. */
	s->up6 = dnssrv_socket(AF_INET6, SOCK_DGRAM, NULL);
	if (ev_add(ev, s->udp, EV_READ, dnssrv_dgram_cb, s) == -1 ||
	    ev_add(ev, s->tcp, EV_READ, dnssrv_accept_cb, s) == -1 ||
	    ev_add(ev, s->up4, EV_READ, dnssrv_dgram_cb, s) == -1 ||
	    (s->up6 != -1 &&
	    ev_add(ev, s->up6, EV_READ, dnssrv_dgram_cb, s) == -1)) {
		cause_set(cause, "event loop: %s", strerror(errno));
		goto fail;
	}
	dnssrv_load_resolv(s);
	return s;
fail:
	dnssrv_free(s);
	return NULL;
}

void
dnssrv_free(struct dnssrv *s)
{
	unsigned	 i;
	int		*fds[4];

	if (s == NULL)
		return;
	ev_timer_del(s->ev, &s->timer);
	ev_defer_cancel(s->ev, &s->resched);
	while (!TAILQ_EMPTY(&s->conns))
		dnssrv_conn_close(s, TAILQ_FIRST(&s->conns));
	fds[0] = &s->udp;
	fds[1] = &s->tcp;
	fds[2] = &s->up4;
	fds[3] = &s->up6;
	for (i = 0; i < nitems(fds); i++)
		if (*fds[i] != -1) {
			ev_del(s->ev, *fds[i]);
			close(*fds[i]);
		}
	for (i = 0; i < DNSSRV_PENDING_MAX; i++)
		free(s->pend[i].msg);
	free(s->pend);
	free(s->idmap);
	free(s->in);
	free(s->out);
	free(s->resolv_conf);
	free(s);
}

int
dnssrv_timeout(const struct dnssrv *s)
{
	long long	 next = -1, now, t;

	if (s->head != DNSSRV_NONE)
		next = s->pend[s->head].deadline;
	if (!TAILQ_EMPTY(&s->conns)) {
		t = TAILQ_FIRST(&s->conns)->last + DNSSRV_TCP_IDLE_MS;
		if (next == -1 || t < next)
			next = t;
	}
	if (next == -1)
		return -1;
	now = util_now_ms();
	return next <= now ? 0 : (int)(next - now);
}

/*
 * The timer follows the earliest deadline: re-armed after every round
 * in which the server did something (queries, answers, connections
 * come and go) and after every tick.
 */
static void
dnssrv_schedule(void *arg)
{
	struct dnssrv	*s = arg;
	int		 t = dnssrv_timeout(s);

	if (t == -1)
		ev_timer_del(s->ev, &s->timer);
	else
		ev_timer_add(s->ev, &s->timer, t);
}

static void
dnssrv_timer_cb(void *arg)
{
	dnssrv_tick(arg);
	dnssrv_schedule(arg);
}

void
dnssrv_tick(struct dnssrv *s)
{
	struct dnssrv_conn	*c;
	long long		 now = util_now_ms();
	uint16_t		 i;

	while ((i = s->head) != DNSSRV_NONE && s->pend[i].deadline <= now) {
		s->st.upstream_timeouts++;
		if (dnssrv_pending_send(s, i, now) == 0)
			continue;
		dnssrv_pending_servfail(s, &s->pend[i]);
		dnssrv_pending_free(s, i);
	}
	while ((c = TAILQ_FIRST(&s->conns)) != NULL &&
	    c->last + DNSSRV_TCP_IDLE_MS <= now) {
		s->st.tcp_closed_idle++;
		dnssrv_conn_close(s, c);
	}
}

const struct dnssrv_stats *
dnssrv_stats(const struct dnssrv *s)
{
	return &s->st;
}

unsigned
dnssrv_npending(const struct dnssrv *s)
{
	return s->npending;
}

unsigned
dnssrv_nconns(const struct dnssrv *s)
{
	return s->nconns;
}
