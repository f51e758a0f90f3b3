/* SPDX-License-Identifier: ISC */
/*
 * proxy.c - the userspace port proxy (see proxy.h).
 *
 * DOC: Theory of Operation
 * A mapping owns one listening socket per host port (TCP) or one bound
 * socket per host port (UDP), registered with netd's event loop.
 *
 * TCP: an accepted client gets a non-blocking connect to the container
 * address and port, from a socket with the proxy's mark (proxy_set_mark:
 * over lo while the container is in @direct, docs/netd.md). Once
 * connected, each direction has a pbuf (a pipe for splice on Linux).
 * On any readiness both directions are pumped:
 * fill from the source while the buffer has room, drain into the
 * destination while it accepts. Interest is then recomputed: read a
 * side only while its buffer has room, write a side only while bytes
 * wait for it. EOF on one side is passed on with shutdown(SHUT_WR) once
 * its buffer is empty; the connection is closed when both directions
 * are done or on any error. No byte is held outside a pbuf.
 *
 * UDP: a datagram from client C on the host port finds or creates C's
 * flow: a socket connected to the container's port. Replies read from
 * that socket go back to C from the host port's socket. Flows idle for
 * PROXY_UDP_IDLE_MS are closed by the idle walk, which an ev timer runs
 * once a second while there are flows. Caps on connections and flows
 * keep a flood from exhausting descriptors.
 *
 * Threads: netd runs the proxy on a thread of its own with its own
 * event loop (proxy_new_thread), so that moving proxied bytes never
 * waits behind the router, and the router never waits behind a burst of
 * proxied connections (bench/publish measured the shared thread at half
 * of socat's throughput). The proxy's state belongs to that thread
 * alone: proxy_add, proxy_del and proxy_counts called from elsewhere
 * are carried out on it (proxy_thread.c), so the code here needs no
 * locks; its timers are the thread's loop's. Tests drive the same
 * engine on their own loop (proxy_new).
 */

#include <sys/queue.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "ev.h"
#include "log.h"
#include "proxy.h"
#include "proxy_thread.h"
#include "util.h"
#include "xmalloc.h"

#define PROXY_POOL	64	/* idle buffers kept for new connections */

struct pmap;

struct pconn {
	struct pmap		*map;
	int			 fd[2];		/* client, container */
	struct pbuf		*buf[2];	/* buf[d]: from fd[d] */
	int			 eof[2];	/* fd[d] said EOF */
	int			 shut[2];	/* fd[1-d] got SHUT_WR */
	int			 connecting;
	LIST_ENTRY(pconn)	 entry;
};

struct pflow {
	struct pmap		*map;
	struct plisten		*ls;		/* the host port it came to */
	struct sockaddr_in	 client;
	int			 fd;		/* connected to the container */
	long long		 last_ms;
	LIST_ENTRY(pflow)	 entry;
};

struct plisten {
	struct pmap		*map;
	int			 fd;
	uint16_t		 port;		/* host port */
	uint16_t		 ctr_port;
};

struct pmap {
	struct proxy		*px;
	uint8_t			 proto;
	uint32_t		 host_addr;
	uint16_t		 host_lo, host_hi;
	uint32_t		 ctr_addr;
	struct plisten		*ls;		/* one per host port */
	size_t			 nls;
	LIST_HEAD(, pconn)	 conns;
	LIST_HEAD(, pflow)	 flows;
	LIST_ENTRY(pmap)	 entry;
};

struct proxy {
	struct ev		*ev;
	LIST_HEAD(, pmap)	 maps;
	size_t			 nconns, nflows;
	long long		 next_ms;	/* next idle check */
	struct ev_timer		 walk;		/* while there are flows */
	struct pbuf		*pool[PROXY_POOL];
	size_t			 npool;
	struct proxy_thread	*thr;		/* proxy_new_thread() only */
};

static void proxy_tcp_io(int, int, void *);

/* Pipes (or buffers) of closed connections, kept for the next ones. */
static struct pbuf *
proxy_buf_get(struct proxy *px)
{
	if (px->npool > 0)
		return px->pool[--px->npool];
	return pbuf_new();
}

static void
proxy_buf_put(struct proxy *px, struct pbuf *b)
{
	if (b == NULL)
		return;
	if (pbuf_len(b) == 0 && px->npool < PROXY_POOL)
		px->pool[px->npool++] = b;
	else
		pbuf_free(b);
}

static void
proxy_walk(void *arg)
{
	struct proxy	*px = arg;
	int		 t;

	if ((t = proxy_engine_tick(px, util_now_ms())) != -1)
		ev_timer_add(px->ev, &px->walk, t);
}

/* Read by the proxy's thread, written before it starts. */
static uint32_t	 proxy_mark;

void
proxy_set_mark(uint32_t mark)
{
	proxy_mark = mark;
}

struct proxy *
proxy_new(struct ev *ev)
{
	struct proxy	*px = xcalloc(1, sizeof(*px));

	px->ev = ev;
	LIST_INIT(&px->maps);
	ev_timer_init(&px->walk, proxy_walk, px);
	return px;
}

static void
proxy_conn_close(struct pconn *c)
{
	int	 i;

	for (i = 0; i < 2; i++) {
		if (c->fd[i] != -1) {
			ev_del(c->map->px->ev, c->fd[i]);
			close(c->fd[i]);
		}
		proxy_buf_put(c->map->px, c->buf[i]);
	}
	LIST_REMOVE(c, entry);
	c->map->px->nconns--;
	free(c);
}

static void
proxy_flow_close(struct pflow *f)
{
	ev_del(f->map->px->ev, f->fd);
	close(f->fd);
	LIST_REMOVE(f, entry);
	f->map->px->nflows--;
	free(f);
}

static void
proxy_map_free(struct pmap *m)
{
	size_t	 i;

	while (!LIST_EMPTY(&m->conns))
		proxy_conn_close(LIST_FIRST(&m->conns));
	while (!LIST_EMPTY(&m->flows))
		proxy_flow_close(LIST_FIRST(&m->flows));
	for (i = 0; i < m->nls; i++) {
		if (m->ls[i].fd == -1)
			continue;
		ev_del(m->px->ev, m->ls[i].fd);
		close(m->ls[i].fd);
	}
	free(m->ls);
	free(m);
}

void
proxy_free(struct proxy *px)
{
	struct pmap	*m;

	if (px == NULL)
		return;
	/* Stop the thread first: then the maps and timer are ours. */
	proxy_thread_stop(px->thr);
	ev_timer_del(px->ev, &px->walk);
	while ((m = LIST_FIRST(&px->maps)) != NULL) {
		LIST_REMOVE(m, entry);
		proxy_map_free(m);
	}
	while (px->npool > 0)
		pbuf_free(px->pool[--px->npool]);
	proxy_thread_free(px->thr);
	free(px);
}

static void
proxy_sin(struct sockaddr_in *sin, uint32_t addr, uint16_t port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(addr);
	sin->sin_port = htons(port);
}

/* Direction d is over: EOF passed on. */
static int
proxy_conn_done(const struct pconn *c, int d)
{
	return c->eof[d] && pbuf_len(c->buf[d]) == 0 && c->shut[d];
}

/*
 * Pump one direction; -1 when the connection must close. Only a source
 * the loop said is readable is read: reading the other side "in case"
 * was a splice that said EAGAIN, a system call for nothing.
 */
static int
proxy_pump(struct pconn *c, int d, int readable)
{
	ssize_t	 n;
	int	 progress;

	do {
		progress = 0;
		if (readable && !c->eof[d] && !pbuf_full(c->buf[d])) {
			n = pbuf_fill(c->buf[d], c->fd[d]);
			if (n > 0)
				progress = 1;
			else if (n == 0)
				c->eof[d] = 1;
			else if (errno != EAGAIN && errno != EINTR)
				return -1;
			else
				readable = 0;
		}
		if (pbuf_len(c->buf[d]) > 0) {
			n = pbuf_drain(c->buf[d], c->fd[1 - d]);
			if (n > 0)
				progress = 1;
			else if (n == -1 && errno != EAGAIN && errno != EINTR)
				return -1;
		}
	} while (progress && (readable || pbuf_len(c->buf[d]) > 0));
	if (c->eof[d] && pbuf_len(c->buf[d]) == 0 && !c->shut[d]) {
		/* The close that follows when both are done sends the FIN. */
		if (!proxy_conn_done(c, 1 - d))
			shutdown(c->fd[1 - d], SHUT_WR);
		c->shut[d] = 1;
	}
	return 0;
}

static void
proxy_conn_interest(struct pconn *c)
{
	struct ev	*ev = c->map->px->ev;
	int		 i, want;

	for (i = 0; i < 2; i++) {
		want = 0;
		if (!c->eof[i] && !pbuf_full(c->buf[i]))
			want |= EV_READ;
		if (pbuf_len(c->buf[1 - i]) > 0)
			want |= EV_WRITE;
		ev_set(ev, c->fd[i], want);
	}
}

static void
proxy_tcp_io(int fd, int events, void *arg)
{
	struct pconn	*c = arg;
	int		 rd[2];

	rd[0] = fd == c->fd[0] && (events & EV_READ);
	rd[1] = fd == c->fd[1] && (events & EV_READ);
	/*
	 * Connected, or failed: no SO_ERROR look-up; a failed connect
	 * fails the first splice on it, which closes the connection.
	 */
	if (c->connecting) {
		c->connecting = 0;
		if (ev_add(c->map->px->ev, c->fd[0], EV_READ, proxy_tcp_io,
		    c) == -1) {
			proxy_conn_close(c);
			return;
		}
		rd[0] = rd[1] = 1;
	}
	if (proxy_pump(c, 0, rd[0]) == -1 || proxy_pump(c, 1, rd[1]) == -1 ||
	    (c->shut[0] && c->shut[1])) {
		proxy_conn_close(c);
		return;
	}
	proxy_conn_interest(c);
}

static void
proxy_tcp_accept(int fd, int events, void *arg)
{
	struct plisten		*l = arg;
	struct pmap		*m = l->map;
	struct pconn		*c;
	struct sockaddr_in	 sin;
	int			 cfd, sfd, i;

	/* Bounded batch: stay fair to the other fds of the loop. */
	for (i = 0; i < 64; i++) {
		if ((cfd = proxy_os_accept(fd)) == -1)
			return;
		if (m->px->nconns >= PROXY_MAX_CONNS) {
			log_warnx("%s: %zu connections, refusing more",
			    __func__, m->px->nconns);
			close(cfd);
			continue;
		}
		if ((sfd = proxy_os_upstream(SOCK_STREAM, proxy_mark)) == -1) {
			close(cfd);
			continue;
		}
		proxy_sin(&sin, m->ctr_addr, l->ctr_port);
		if (connect(sfd, (struct sockaddr *)&sin, sizeof(sin)) == -1 &&
		    errno != EINPROGRESS) {
			close(cfd);
			close(sfd);
			continue;
		}
		c = xcalloc(1, sizeof(*c));
		c->map = m;
		c->fd[0] = cfd;
		c->fd[1] = sfd;
		c->connecting = 1;
		c->buf[0] = proxy_buf_get(m->px);
		c->buf[1] = proxy_buf_get(m->px);
		LIST_INSERT_HEAD(&m->conns, c, entry);
		m->px->nconns++;
		if (c->buf[0] == NULL || c->buf[1] == NULL ||
		    ev_add(m->px->ev, sfd, EV_WRITE, proxy_tcp_io, c) == -1) {
			c->fd[1] = -1;	/* not registered */
			close(sfd);
			proxy_conn_close(c);
		}
	}
}

static void
proxy_udp_reply(int fd, int events, void *arg)
{
	struct pflow	*f = arg;
	char		 buf[65536];
	ssize_t		 n;
	int		 k;

	for (k = 0; k < 64; k++) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n == -1) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNREFUSED)
				proxy_flow_close(f);
			break;
		}
		sendto(f->ls->fd, buf, (size_t)n, 0,
		    (struct sockaddr *)&f->client, sizeof(f->client));
	}
	if (k > 0)
		f->last_ms = util_now_ms();
}

static void
proxy_udp_in(int fd, int events, void *arg)
{
	struct plisten		*l = arg;
	struct pmap		*m = l->map;
	struct pflow		*f;
	struct sockaddr_in	 from, to;
	socklen_t		 len;
	char			 buf[65536];
	ssize_t			 n;
	long long		 now = util_now_ms();
	int			 k, sfd;

	for (k = 0; k < 64; k++) {
		len = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), 0,
		    (struct sockaddr *)&from, &len);
		if (n == -1)
			return;
		/* A flow is a client address and port on one host port. */
		LIST_FOREACH(f, &m->flows, entry) {
			if (f->ls == l && f->client.sin_addr.s_addr ==
			    from.sin_addr.s_addr &&
			    f->client.sin_port == from.sin_port)
				break;
		}
		if (f == NULL) {
			proxy_sin(&to, m->ctr_addr, l->ctr_port);
			if (m->px->nflows >= PROXY_MAX_FLOWS)
				continue;
			if ((sfd = proxy_os_socket(SOCK_DGRAM)) == -1)
				continue;
			if (connect(sfd, (struct sockaddr *)&to,
			    sizeof(to)) == -1) {
				close(sfd);
				continue;
			}
			f = xcalloc(1, sizeof(*f));
			f->map = m;
			f->ls = l;
			f->fd = sfd;
			f->client = from;
			if (ev_add(m->px->ev, sfd, EV_READ, proxy_udp_reply,
			    f) == -1) {
				close(sfd);
				free(f);
				continue;
			}
			LIST_INSERT_HEAD(&m->flows, f, entry);
			if (m->px->nflows++ == 0 && !ev_timer_armed(&m->px->walk)) {
				m->px->next_ms = now + 1000;
				ev_timer_add(m->px->ev, &m->px->walk, 1000);
			}
		}
		f->last_ms = now;
		send(f->fd, buf, (size_t)n, 0);
	}
}

int
proxy_engine_add(struct proxy *px, uint8_t proto, uint32_t host_addr,
    uint16_t host_lo, uint16_t host_hi, uint32_t ctr_addr, uint16_t ctr_lo,
    char **cause)
{
	struct pmap		*m;
	struct plisten		*l;
	struct sockaddr_in	 sin;
	size_t			 i;
	int			 one = 1, type;
	char			 a[ADDR_STRLEN];

	if (host_hi < host_lo || (uint32_t)ctr_lo + (host_hi - host_lo) >
	    65535 || (proto != 6 && proto != 17))
		return cause_set(cause, "bad proxy mapping");
	m = xcalloc(1, sizeof(*m));
	m->px = px;
	m->proto = proto;
	m->host_addr = host_addr;
	m->host_lo = host_lo;
	m->host_hi = host_hi;
	m->ctr_addr = ctr_addr;
	LIST_INIT(&m->conns);
	LIST_INIT(&m->flows);
	m->nls = (size_t)(host_hi - host_lo) + 1;
	m->ls = xcalloc(m->nls, sizeof(*m->ls));
	for (i = 0; i < m->nls; i++)
		m->ls[i].fd = -1;
	type = proto == 6 ? SOCK_STREAM : SOCK_DGRAM;
	for (i = 0; i < m->nls; i++) {
		l = &m->ls[i];
		l->map = m;
		l->port = (uint16_t)(host_lo + i);
		l->ctr_port = (uint16_t)(ctr_lo + i);
		if ((l->fd = proxy_os_socket(type)) == -1) {
			cause_set(cause, "proxy socket: %s", strerror(errno));
			goto fail;
		}
		/* TCP only: on UDP it would let a second socket share the
		 * port, and a taken port would go unreported. */
		if (type == SOCK_STREAM)
			setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one,
			    sizeof(one));
		proxy_sin(&sin, host_addr, l->port);
		if (bind(l->fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
			cause_set(cause, "host port %s:%u/%s is taken: %s",
			    addr_fmt(host_addr, a), l->port,
			    proto == 6 ? "tcp" : "udp", strerror(errno));
			goto fail;
		}
		if (type == SOCK_STREAM && listen(l->fd, 511) == -1) {
			cause_set(cause, "listen on %u: %s", l->port,
			    strerror(errno));
			goto fail;
		}
		if (ev_add(px->ev, l->fd, EV_READ, type == SOCK_STREAM ?
		    proxy_tcp_accept : proxy_udp_in, l) == -1) {
			cause_set(cause, "event loop: %s", strerror(errno));
			close(l->fd);
			l->fd = -1;
			goto fail;
		}
	}
	LIST_INSERT_HEAD(&px->maps, m, entry);
	return 0;
fail:
	if (m->ls[i].fd != -1) {
		close(m->ls[i].fd);
		m->ls[i].fd = -1;
	}
	proxy_map_free(m);
	return -1;
}

void
proxy_engine_del(struct proxy *px, uint8_t proto, uint32_t host_addr,
    uint16_t host_lo)
{
	struct pmap	*m, *next;

	for (m = LIST_FIRST(&px->maps); m != NULL; m = next) {
		next = LIST_NEXT(m, entry);
		if (m->proto == proto && m->host_lo == host_lo &&
		    (host_addr == 0 || m->host_addr == host_addr)) {
			LIST_REMOVE(m, entry);
			proxy_map_free(m);
		}
	}
}

int
proxy_engine_tick(struct proxy *px, long long now_ms)
{
	struct pmap	*m;
	struct pflow	*f, *next;

	if (px->nflows == 0)
		return -1;
	/* The loop calls this every round: walk the flows once a second. */
	if (now_ms < px->next_ms)
		return (int)(px->next_ms - now_ms);
	LIST_FOREACH(m, &px->maps, entry) {
		for (f = LIST_FIRST(&m->flows); f != NULL; f = next) {
			next = LIST_NEXT(f, entry);
			if (now_ms - f->last_ms >= PROXY_UDP_IDLE_MS)
				proxy_flow_close(f);
		}
	}
	px->next_ms = now_ms + 1000;
	return px->nflows > 0 ? 1000 : -1;
}

void
proxy_engine_counts(struct proxy *px, size_t *tcp, size_t *udp)
{
	*tcp = px->nconns;
	*udp = px->nflows;
}

void
proxy_engine_set_thread(struct proxy *px, struct proxy_thread *thr)
{
	px->thr = thr;
}

int
proxy_add(struct proxy *px, uint8_t proto, uint32_t host_addr,
    uint16_t host_lo, uint16_t host_hi, uint32_t ctr_addr, uint16_t ctr_lo,
    char **cause)
{
	if (proxy_thread_elsewhere(px->thr))
		return proxy_thread_add(px->thr, proto, host_addr, host_lo,
		    host_hi, ctr_addr, ctr_lo, cause);
	return proxy_engine_add(px, proto, host_addr, host_lo, host_hi,
	    ctr_addr, ctr_lo, cause);
}

void
proxy_del(struct proxy *px, uint8_t proto, uint32_t host_addr,
    uint16_t host_lo)
{
	if (proxy_thread_elsewhere(px->thr))
		proxy_thread_del(px->thr, proto, host_addr, host_lo);
	else
		proxy_engine_del(px, proto, host_addr, host_lo);
}

int
proxy_tick(struct proxy *px, long long now_ms)
{
	/* A threaded proxy keeps its own time. */
	return px->thr != NULL ? -1 : proxy_engine_tick(px, now_ms);
}

void
proxy_counts(struct proxy *px, size_t *tcp, size_t *udp)
{
	if (proxy_thread_elsewhere(px->thr))
		proxy_thread_counts(px->thr, tcp, udp);
	else
		proxy_engine_counts(px, tcp, udp);
}
