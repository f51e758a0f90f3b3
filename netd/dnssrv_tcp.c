/* SPDX-License-Identifier: ISC */
/*
 * dnssrv_tcp.c - the DNS server's TCP connections (RFC 7766): accept,
 * read two-byte length prefixed queries, queue the answers.
 *
 * DOC: one connection
 * A connection reads into a buffer (struct buf, common/buf.h) sized by
 * what is due next: the two-byte prefix, then the message it announces.
 * Each complete query goes to dnssrv_query() (dnssrv.c), at most
 * DNSSRV_TCP_BATCH per round. An answer is written straight to the
 * socket when nothing is queued before it; what the socket does not
 * take is queued, at most DNSSRV_TCP_WMAX bytes, else the connection is
 * closed. A peer that shuts down its sending side still gets the
 * answers queued for it. Connections are kept least recently active
 * first: a new one beyond DNSSRV_TCP_MAX closes the first, and
 * dnssrv_tick() closes those idle DNSSRV_TCP_IDLE_MS.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "dns.h"
#include "dnssrv_int.h"
#include "ev.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

static void	dnssrv_conn_cb(int, int, void *);

struct dnssrv_conn *
dnssrv_conn_find(struct dnssrv *s, uint64_t serial)
{
	struct dnssrv_conn	*c;

	TAILQ_FOREACH(c, &s->conns, entry)
		if (c->serial == serial)
			return c;
	return NULL;
}

/* Queue a length-prefixed reply; 0, or -1 when c was closed. */
int
dnssrv_conn_send(struct dnssrv *s, struct dnssrv_conn *c,
    const uint8_t *msg, size_t len)
{
	uint8_t	 pfx[2] = { (uint8_t)(len >> 8), (uint8_t)len };
	ssize_t	 n;
	size_t	 done = 0, pend = buf_len(&c->wb);

	if (pend == 0) {
		/* Nothing queued: straight to the socket, no copy. */
		struct iovec	 iov[2] = {
			{ pfx, 2 }, { (void *)(uintptr_t)msg, len } };
		struct msghdr	 mh = { .msg_iov = iov, .msg_iovlen = 2 };

		if ((n = sendmsg(c->fd, &mh, MSG_NOSIGNAL)) == -1 &&
		    errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			goto fail;
		done = n > 0 ? (size_t)n : 0;
		if (done == len + 2)
			return 0;
	}
	if (pend + len + 2 - done > DNSSRV_TCP_WMAX) {
		errno = ENOBUFS;
		goto fail;
	}
	if (done < 2) {
		buf_add(&c->wb, pfx + done, 2 - done);
		done = 2;
	}
	buf_add(&c->wb, msg + (done - 2), len - (done - 2));
	(void)ev_set(s->ev, c->fd, c->eof ? EV_WRITE : EV_READ | EV_WRITE);
	return 0;
fail:
	log_debug("%s: %s", __func__, strerror(errno));
	s->st.tcp_errors++;
	dnssrv_conn_close(s, c);
	return -1;
}

void
dnssrv_conn_close(struct dnssrv *s, struct dnssrv_conn *c)
{
	ev_del(s->ev, c->fd);
	close(c->fd);
	TAILQ_REMOVE(&s->conns, c, entry);
	s->nconns--;
	buf_free(&c->rb);
	buf_free(&c->wb);
	free(c);
}

static void
dnssrv_conn_touch(struct dnssrv *s, struct dnssrv_conn *c)
{
	c->last = util_now_ms();
	TAILQ_REMOVE(&s->conns, c, entry);
	TAILQ_INSERT_TAIL(&s->conns, c, entry);
}

/* Write what is queued; -1 when c was closed. */
static int
dnssrv_conn_flush(struct dnssrv *s, struct dnssrv_conn *c)
{
	if (buf_send(&c->wb, c->fd) == -1) {
		s->st.tcp_errors++;
		dnssrv_conn_close(s, c);
		return -1;
	}
	if (buf_len(&c->wb) > 0)
		return 0;
	if (c->eof) {
		dnssrv_conn_close(s, c);
		return -1;
	}
	(void)ev_set(s->ev, c->fd, EV_READ);
	return 0;
}

/* Read; run each complete query. -1 when c was closed. */
static int
dnssrv_conn_read(struct dnssrv *s, struct dnssrv_conn *c)
{
	uint64_t	 serial = c->serial;
	uint8_t		*q8;
	ssize_t		 n;
	int		 q;

	for (q = 0; q < DNSSRV_TCP_BATCH; ) {
		n = buf_read(&c->rb, c->fd, c->rneed - buf_len(&c->rb));
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR))
			return 0;
		if (n == 0 && buf_len(&c->wb) > 0) {
			/* Half closed with answers queued: send them. */
			c->eof = 1;
			(void)ev_set(s->ev, c->fd, EV_WRITE);
			return 0;
		}
		if (n <= 0) {
			if (n == -1)
				s->st.tcp_errors++;
			dnssrv_conn_close(s, c);
			return -1;
		}
		q8 = buf_head(&c->rb);
		if (buf_len(&c->rb) < c->rneed)
			continue;
		if (c->rneed == 2) {
			c->rneed = 2 + (size_t)(q8[0] << 8 | q8[1]);
			if (c->rneed < 2 + DNS_HDR_LEN) {
				s->st.tcp_errors++;
				dnssrv_conn_close(s, c);
				return -1;
			}
			continue;
		}
		s->st.tcp_queries++;
		dnssrv_query(s, q8 + 2, c->rneed - 2, c->peer, NULL, c);
		/* An answer that could not be queued closes c. */
		if (dnssrv_conn_find(s, serial) == NULL)
			return -1;
		buf_reset(&c->rb);
		c->rneed = 2;
		q++;
	}
	return 0;
}

static void
dnssrv_conn_cb(int fd, int events, void *arg)
{
	struct dnssrv_conn	*c = arg;
	struct dnssrv		*s = c->srv;

	ev_defer(s->ev, &s->resched);
	dnssrv_conn_touch(s, c);
	if ((events & EV_WRITE) && dnssrv_conn_flush(s, c) == -1)
		return;
	if ((events & EV_READ) && !c->eof)
		(void)dnssrv_conn_read(s, c);
}

void
dnssrv_accept_cb(int fd, int events, void *arg)
{
	struct dnssrv		*s = arg;
	struct dnssrv_conn	*c;
	struct sockaddr_in	 from;
	socklen_t		 fromlen = sizeof(from);
	int			 cfd;

	ev_defer(s->ev, &s->resched);
	if ((cfd = accept(fd, (struct sockaddr *)&from, &fromlen)) == -1)
		return;
	if (fromlen != sizeof(from) || from.sin_family != AF_INET ||
	    util_set_nonblock(cfd) == -1 || util_set_cloexec(cfd) == -1) {
		close(cfd);
		return;
	}
	if (s->nconns >= DNSSRV_TCP_MAX) {
		s->st.tcp_evicted++;
		dnssrv_conn_close(s, TAILQ_FIRST(&s->conns));
	}
	c = xcalloc(1, sizeof(*c));
	c->srv = s;
	c->fd = cfd;
	c->serial = ++s->serial;
	c->peer = ntohl(from.sin_addr.s_addr);
	c->last = util_now_ms();
	c->rneed = 2;
	if (ev_add(s->ev, cfd, EV_READ, dnssrv_conn_cb, c) == -1) {
		log_warn("%s: ev_add", __func__);
		close(cfd);
		free(c);
		return;
	}
	TAILQ_INSERT_TAIL(&s->conns, c, entry);
	s->nconns++;
	s->st.tcp_accepted++;
}
