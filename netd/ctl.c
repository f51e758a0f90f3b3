/* SPDX-License-Identifier: ISC */
/*
 * ctl.c - the control socket of berth-netd.
 *
 * DOC: Theory of Operation
 * A unix stream socket, non-blocking, in netd's event loop. Each client
 * has a read buffer, fed by whatever read() returns, and a write buffer
 * of encoded replies. proto_parse() takes complete frames off the read
 * buffer one at a time; each request is answered in order, exactly
 * once. A frame proto_parse() refuses (bad header, oversized, wrong
 * version, not a JSON object) gets an error reply, then the client is
 * read no more and closed once the reply is out: after a framing error
 * the byte stream cannot be trusted. A request that is well framed but
 * wrong (no "op", unknown op, bad arguments) gets an error reply and
 * the connection stays. End of file in the middle of a frame is
 * answered with "truncated" before closing, for clients that shut down
 * only their sending side.
 *
 * The read buffer never exceeds one maximal frame; the write buffer is
 * capped (CTL_MAX_WBUF) so a client that never reads cannot make netd
 * grow without bound. No input can make netd exit: every failure ends
 * with the one client, never with the daemon.
 *
 * Access: the socket file is 0660 with the configured group, and each
 * peer's credentials (SO_PEERCRED / LOCAL_PEERCRED) are checked again:
 * root, netd's own uid, or a member of the group (tmux's server_acl
 * does the same check).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "ev.h"
#include "log.h"
#include "os.h"
#include "proto.h"
#include "util.h"
#include "xmalloc.h"

#define CTL_READ_CHUNK	(64 * 1024)
#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL	0	/* macOS; netd ignores SIGPIPE anyway */
#endif

struct ctl_client {
	struct ctl		*ctl;
	int			 fd;
	uint8_t			*rbuf;
	size_t			 rlen, rcap;
	uint8_t			*wbuf;
	size_t			 wlen, woff;
	int			 closing;	/* no more reading */
	uid_t			 uid;		/* the peer's, at connect */
	int			 priv;		/* root or netd's uid */
	long long		 last_ms;	/* last byte in or out */
	json_t			*page;		/* a long list being sent */
	size_t			 page_i;	/* its next element */
	int			 handoff;	/* CTL_HANDOFF asked */
	struct ctl_client	*next;
};

struct ctl {
	struct ev		*ev;
	ctl_handler		 handler;
	ctl_handoff_fn		 handoff;
	void			(*commit)(void *);
	void			*arg;
	int			 lfd;
	char			*path;
	gid_t			 gid;
	struct ctl_client	*clients;
	int			 nclients;
	struct ctl_client	*cur;		/* whose request is handled */
	long long		 idle_ms;	/* close clients idle this long */
	long long		 next_ms;	/* next idle check */
};

static void	ctl_client_event(int, int, void *);
static int	ctl_admit(struct ctl *, uid_t, char *, size_t);
static int	ctl_client_page(struct ctl_client *, json_t *);
static void	ctl_client_page_more(struct ctl_client *);
static void	ctl_client_parse(struct ctl_client *);

/* BERTH_NETD_IDLE_MS overrides CTL_IDLE_MS (tests). */
static long long
ctl_idle_env(void)
{
	const char	*e = getenv("BERTH_NETD_IDLE_MS");
	unsigned long	 ul;

	if (e != NULL && util_parse_uint(e, 86400000, &ul) == 0 && ul > 0)
		return (long long)ul;
	return CTL_IDLE_MS;
}

struct ctl *
ctl_new(struct ev *ev, ctl_handler handler, void *arg)
{
	struct ctl	*c;

	c = xcalloc(1, sizeof(*c));
	c->ev = ev;
	c->handler = handler;
	c->arg = arg;
	c->lfd = -1;
	c->gid = (gid_t)-1;
	c->idle_ms = ctl_idle_env();
	return c;
}

int
ctl_nclients(const struct ctl *c)
{
	return c->nclients;
}

void
ctl_set_handoff(struct ctl *c, ctl_handoff_fn fn)
{
	c->handoff = fn;
}

void
ctl_set_commit(struct ctl *c, void (*fn)(void *))
{
	c->commit = fn;
}

/* Forget a client; its fd stays open. */
static void
ctl_client_unlink(struct ctl_client *cl)
{
	struct ctl		*c = cl->ctl;
	struct ctl_client	**pp;

	for (pp = &c->clients; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == cl) {
			*pp = cl->next;
			break;
		}
	}
	c->nclients--;
	ev_del(c->ev, cl->fd);
	free(cl->rbuf);
	free(cl->wbuf);
	json_decref(cl->page);
	free(cl);
}

static void
ctl_client_free(struct ctl_client *cl)
{
	int	 fd = cl->fd;

	ctl_client_unlink(cl);
	close(fd);
}

/* Give the connection away with what is left of its last reply. */
static void
ctl_client_handoff(struct ctl_client *cl)
{
	struct ctl	*c = cl->ctl;
	uint8_t		*unsent = NULL;
	size_t		 len = cl->wlen - cl->woff;
	int		 fd = cl->fd;

	if (len > 0)
		unsent = xmalloc(len);
	if (len > 0)
		memcpy(unsent, cl->wbuf + cl->woff, len);
	ctl_client_unlink(cl);
	c->handoff(c->arg, fd, unsent, len);
	free(unsent);
}

/* Write what can be written; 0 ok, -1 the client is gone. */
static int
ctl_client_flush(struct ctl_client *cl)
{
	size_t	 before = cl->woff;

	if (util_send_some(cl->fd, cl->wbuf, cl->wlen, &cl->woff) == -1)
		return -1;
	if (cl->woff != before)
		cl->last_ms = util_now_ms();
	if (cl->woff == cl->wlen)
		cl->woff = cl->wlen = 0;
	return 0;
}

/* Update interest, close when done; returns -1 if cl was freed. */
static int
ctl_client_update(struct ctl_client *cl)
{
	int	 events = 0;

	if (ctl_client_flush(cl) == -1) {
		ctl_client_free(cl);
		return -1;
	}
	if (cl->handoff) {
		ctl_client_handoff(cl);
		return -1;
	}
	if (cl->page != NULL) {
		ctl_client_page_more(cl);
		/* The long reply is out: answer what waited behind it. */
		if (cl->page == NULL)
			ctl_client_parse(cl);
	}
	if (cl->closing && cl->wlen == 0) {
		ctl_client_free(cl);
		return -1;
	}
	if (!cl->closing && cl->page == NULL)
		events |= EV_READ;
	if (cl->wlen > 0)
		events |= EV_WRITE;
	if (ev_set(cl->ctl->ev, cl->fd, events) == -1) {
		log_warn("%s: ev_set", __func__);
		ctl_client_free(cl);
		return -1;
	}
	return 0;
}

static void
ctl_client_send(struct ctl_client *cl, json_t *msg)
{
	uint8_t	*buf;
	size_t	 len;
	char	*cause = NULL;

	if ((buf = proto_encode(msg, &len, &cause)) == NULL) {
		json_t	*e;

		if (ctl_client_page(cl, msg)) {
			free(cause);
			return;
		}
		e = proto_reply_error("reply not sent: %s", cause);

		free(cause);
		buf = proto_encode(e, &len, NULL);
		json_decref(e);
		if (buf == NULL) {
			cl->closing = 1;
			return;
		}
	}
	if (cl->wlen + len > CTL_MAX_WBUF) {
		log_warnx("%s: client does not read its replies; closing",
		    __func__);
		free(buf);
		cl->closing = 1;
		cl->wlen = cl->woff = 0;
		return;
	}
	cl->wbuf = xreallocarray(cl->wbuf, 1, cl->wlen + len);
	memcpy(cl->wbuf + cl->wlen, buf, len);
	cl->wlen += len;
	free(buf);
}

static void
ctl_client_error(struct ctl_client *cl, const char *msg, int close)
{
	json_t	*rep = proto_reply_errcode(PROTO_E_BAD_REQUEST, "%s", msg);

	ctl_client_send(cl, rep);
	json_decref(rep);
	if (close)
		cl->closing = 1;
}

static void
ctl_client_request(struct ctl_client *cl, json_t *req)
{
	const char	*op;
	json_t		*args, *rep, *empty = NULL;
	char		*cause = NULL;
	int		 close = 0;

	if (proto_request_check(req, &op, &args, &cause) == -1) {
		ctl_client_error(cl, cause, 0);
		free(cause);
		return;
	}
	if (args == NULL)
		args = empty = json_object();
	cl->ctl->cur = cl;
	rep = cl->ctl->handler(cl->ctl->arg, op, args, &close);
	cl->ctl->cur = NULL;
	json_decref(empty);
	if (rep == NULL)
		rep = proto_reply_error("%s failed", op);
	ctl_client_send(cl, rep);
	json_decref(rep);
	if (close == CTL_HANDOFF && cl->ctl->handoff != NULL &&
	    !cl->closing) {
		/* Bytes read past the request are dropped with the buffer. */
		cl->handoff = 1;
		cl->closing = 1;
	} else if (close)
		cl->closing = 1;
}

/* Take the complete frames off the read buffer. */
static void
ctl_client_parse(struct ctl_client *cl)
{
	json_t	*msg;
	size_t	 used, off = 0;
	char	*cause = NULL;
	int	 rc;

	while (!cl->closing && cl->page == NULL) {
		used = 0;
		rc = proto_parse(cl->rbuf + off, cl->rlen - off, &used, &msg,
		    &cause);
		if (rc == PROTO_NEED_MORE)
			break;
		if (rc == PROTO_ERROR) {
			log_debug("%s: fd %d: %s", __func__, cl->fd, cause);
			ctl_client_error(cl, cause, 1);
			free(cause);
			cause = NULL;
			break;
		}
		off += used;
		ctl_client_request(cl, msg);
		json_decref(msg);
	}
	if (off > 0) {
		memmove(cl->rbuf, cl->rbuf + off, cl->rlen - off);
		cl->rlen -= off;
	}
}

static void
ctl_client_read(struct ctl_client *cl)
{
	ssize_t	 n;
	size_t	 want;
	char	 msg[128];
	int	 i;

	for (i = 0; i < 16 && !cl->closing; i++) {
		/* Never more than one maximal frame plus a chunk: the
		 * parser refuses the frame before the buffer gets there. */
		if (cl->rcap - cl->rlen < CTL_READ_CHUNK) {
			want = cl->rlen + CTL_READ_CHUNK;
			if (want > PROTO_HDRLEN + PROTO_MAX_PAYLOAD +
			    CTL_READ_CHUNK) {
				ctl_client_error(cl, "bad frame: too long", 1);
				return;
			}
			cl->rbuf = xreallocarray(cl->rbuf, 1, want);
			cl->rcap = want;
		}
		n = read(cl->fd, cl->rbuf + cl->rlen, cl->rcap - cl->rlen);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			cl->closing = 1;
			cl->wlen = cl->woff = 0;
			return;
		}
		if (n == 0) {
			if (cl->rlen > 0) {
				snprintf(msg, sizeof(msg), "bad frame: "
				    "truncated after %zu bytes", cl->rlen);
				ctl_client_error(cl, msg, 1);
			}
			cl->closing = 1;
			return;
		}
		cl->rlen += (size_t)n;
		cl->last_ms = util_now_ms();
		ctl_client_parse(cl);
	}
}

static void
ctl_client_event(int fd, int events, void *arg)
{
	struct ctl_client	*cl = arg;

	(void)fd;
	if ((events & EV_READ) && !cl->closing && cl->page == NULL)
		ctl_client_read(cl);
	if (cl->wlen > cl->woff && cl->ctl->commit != NULL)
		cl->ctl->commit(cl->ctl->arg);
	(void)ctl_client_update(cl);
}

static int
ctl_allowed(struct ctl *c, int fd, uid_t *uid)
{
	struct os_peer	 p;
	int		 i;

	if (os_peer(fd, &p) == -1) {
		log_warn("%s: peer credentials", __func__);
		return 0;
	}
	*uid = p.uid;
	if (p.uid == 0 || p.uid == geteuid())
		return 1;
	if (c->gid == (gid_t)-1)
		goto deny;
	if (p.gid == c->gid)
		return 1;
	for (i = 0; i < p.ngroups; i++)
		if (p.groups[i] == c->gid)
			return 1;
deny:
	log_info("%s: refused uid %ld (pid %ld)", __func__, (long)p.uid,
	    (long)p.pid);
	return 0;
}

/*
 * The uid of the client whose request is being answered: ops decide
 * with it who owns a container and who may change it. Outside a
 * request, netd's own.
 */
uid_t
ctl_peer_uid(const struct ctl *c)
{
	return c->cur != NULL ? c->cur->uid : geteuid();
}

int
ctl_adopt(struct ctl *c, int fd)
{
	struct ctl_client	*cl;
	struct os_peer		 p;

	if (util_set_nonblock(fd) == -1 || util_set_cloexec(fd) == -1)
		return -1;
	cl = xcalloc(1, sizeof(*cl));
	cl->ctl = c;
	cl->fd = fd;
	/* Unknown credentials get nobody's rights, never netd's. */
	cl->uid = os_peer(fd, &p) == 0 ? p.uid : (uid_t)-1;
	cl->priv = cl->uid == 0 || cl->uid == geteuid();
	cl->last_ms = util_now_ms();
	if (ev_add(c->ev, fd, EV_READ, ctl_client_event, cl) == -1) {
		free(cl);
		return -1;
	}
	cl->next = c->clients;
	c->clients = cl;
	c->nclients++;
	return 0;
}

/* Reject a client with one reply, written if the socket takes it. */
static void
ctl_reject(int fd, const char *why)
{
	json_t	*rep = proto_reply_error("%s", why);
	uint8_t	*buf;
	size_t	 len;

	if ((buf = proto_encode(rep, &len, NULL)) != NULL) {
		(void)send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		free(buf);
	}
	json_decref(rep);
	close(fd);
}

static void
ctl_accept(int lfd, int events, void *arg)
{
	struct ctl	*c = arg;
	char		 why[128];
	uid_t		 uid;
	int		 fd, i;

	(void)events;
	for (i = 0; i < 16; i++) {
		if ((fd = accept(lfd, NULL, NULL)) == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR && errno != ECONNABORTED)
				log_warn("%s: accept", __func__);
			return;
		}
		if (!ctl_allowed(c, fd, &uid)) {
			ctl_reject(fd, "access denied");
			continue;
		}
		if (ctl_admit(c, uid, why, sizeof(why)) == -1) {
			ctl_reject(fd, why);
			continue;
		}
		if (ctl_adopt(c, fd) == -1) {
			log_warn("%s: adopt", __func__);
			close(fd);
		}
	}
}

int
ctl_listen(struct ctl *c, const char *path, gid_t gid, char **cause)
{
	struct sockaddr_un	 sun;
	mode_t			 old;
	char			*dir;
	int			 fd, probe;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return cause_set(cause, "socket path too long: %s", path);
	memcpy(sun.sun_path, path, strlen(path) + 1);

	/* A socket that answers belongs to a running netd. */
	if ((probe = socket(AF_UNIX, SOCK_STREAM, 0)) != -1) {
		if (connect(probe, (struct sockaddr *)&sun,
		    sizeof(sun)) == 0) {
			close(probe);
			return cause_set(cause, "%s: another berth-netd is "
			    "serving there", path);
		}
		close(probe);
	}
	if (unlink(path) == -1 && errno != ENOENT)
		return cause_set(cause, "%s: %s", path, strerror(errno));
	if ((dir = strrchr(path, '/')) != NULL && dir != path) {
		dir = xstrndup(path, (size_t)(dir - path));
		if (util_mkdir_p(dir, 0755) == -1) {
			cause_set(cause, "%s: %s", dir, strerror(errno));
			free(dir);
			return -1;
		}
		free(dir);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return cause_set(cause, "socket: %s", strerror(errno));
	(void)util_set_cloexec(fd);
	old = umask(S_IXUSR | S_IXGRP | S_IRWXO);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old);
		cause_set(cause, "%s: %s", path, strerror(errno));
		goto fail;
	}
	umask(old);
	if ((gid != (gid_t)-1 && chown(path, (uid_t)-1, gid) == -1) ||
	    chmod(path, 0660) == -1) {
		cause_set(cause, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (listen(fd, 64) == -1 || util_set_nonblock(fd) == -1) {
		cause_set(cause, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (ev_add(c->ev, fd, EV_READ, ctl_accept, c) == -1) {
		cause_set(cause, "ev_add: %s", strerror(errno));
		goto fail;
	}
	c->lfd = fd;
	c->gid = gid;
	c->path = xstrdup(path);
	return 0;
fail:
	close(fd);
	(void)unlink(path);
	return -1;
}

void
ctl_free(struct ctl *c)
{
	struct ctl_client	*cl;

	if (c == NULL)
		return;
	if (c->lfd != -1) {
		ev_del(c->ev, c->lfd);
		close(c->lfd);
		(void)unlink(c->path);
	}
	while (c->clients != NULL) {
		cl = c->clients;
		c->clients = cl->next;	/* unlinked here, freed below */
		(void)ctl_client_flush(cl);
		ctl_client_free(cl);
	}
	free(c->path);
	free(c);
}

/*
 * DOC: nobody stalls the socket
 * A client holds a slot from connect to close, and there are
 * CTL_MAX_CLIENTS. So that no one can take them all: a uid that is not
 * root or netd's own may hold CTL_MAX_PER_UID, and all such uids
 * together leave CTL_RESERVED free; when root (or netd's uid) finds the
 * socket full, the client idle longest is closed to make room. A
 * client that sends and receives nothing for idle_ms (CTL_IDLE_MS) is
 * closed, with or without half a frame (a slow writer is idle too).
 */
static int
ctl_admit(struct ctl *c, uid_t uid, char *why, size_t len)
{
	struct ctl_client	*cl, *oldest = NULL;
	int			 priv = uid == 0 || uid == geteuid();
	int			 mine = 0, others = 0;

	for (cl = c->clients; cl != NULL; cl = cl->next) {
		if (cl->uid == uid)
			mine++;
		if (!cl->priv)
			others++;
		if (cl->wlen == 0 && cl->rlen == 0 && cl != c->cur &&
		    (oldest == NULL || (oldest->priv && !cl->priv) ||
		    (oldest->priv == cl->priv && cl->last_ms <
		    oldest->last_ms)))
			oldest = cl;
	}
	if (!priv && mine >= CTL_MAX_PER_UID) {
		snprintf(why, len, "too many connections from uid %ld (at "
		    "most %d)", (long)uid, CTL_MAX_PER_UID);
		return -1;
	}
	if (!priv && others >= CTL_MAX_CLIENTS - CTL_RESERVED) {
		snprintf(why, len, "too many clients");
		return -1;
	}
	if (c->nclients < CTL_MAX_CLIENTS)
		return 0;
	if (!priv || oldest == NULL) {
		snprintf(why, len, "too many clients");
		return -1;
	}
	log_info("%s: full; closing an idle client of uid %ld for uid %ld",
	    __func__, (long)oldest->uid, (long)uid);
	ctl_client_free(oldest);
	return 0;
}

/*
 * Close the clients idle for idle_ms. Called every loop round; returns
 * the ms until it has work again (-1: no clients).
 */
int
ctl_tick(struct ctl *c, long long now)
{
	struct ctl_client	*cl, *next;
	long long		 soonest = -1, due;

	if (c->clients == NULL)
		return -1;
	if (now < c->next_ms)
		return (int)(c->next_ms - now);
	for (cl = c->clients; cl != NULL; cl = next) {
		next = cl->next;
		due = cl->last_ms + c->idle_ms;
		if (due <= now) {
			log_debug("%s: fd %d (uid %ld) idle; closed", __func__,
			    cl->fd, (long)cl->uid);
			ctl_client_free(cl);
			continue;
		}
		if (soonest == -1 || due < soonest)
			soonest = due;
	}
	if (soonest == -1)
		return -1;
	c->next_ms = soonest;
	return (int)(soonest - now);
}

/*
 * DOC: long replies
 * A reply whose data is an array too long for one frame (list with
 * thousands of containers) goes out in pages: frames {"ok": true,
 * "data": [part], "more": true}, the last without "more"; the client
 * joins the parts (proto_call does). Pages are made as the client reads
 * them, never more than CTL_PAGE_AHEAD bytes ahead, so the write buffer
 * stays bounded, and the client's next request waits until the last
 * page is out: replies stay in order.
 */
static int
ctl_client_page(struct ctl_client *cl, json_t *msg)
{
	json_t	*data = json_object_get(msg, "data");

	if (!json_is_true(json_object_get(msg, "ok")) ||
	    !json_is_array(data) || json_array_size(data) < 2)
		return 0;
	cl->page = json_incref(data);
	cl->page_i = 0;
	ctl_client_page_more(cl);
	return 1;
}

static void
ctl_client_page_more(struct ctl_client *cl)
{
	json_t	*part, *msg, *e;
	size_t	 n = json_array_size(cl->page), size, elen;
	uint8_t	*buf;
	size_t	 len;
	char	*enc;

	while (cl->page != NULL && cl->wlen < CTL_PAGE_AHEAD) {
		part = json_array();
		size = 0;
		while (cl->page_i < n) {
			e = json_array_get(cl->page, cl->page_i);
			enc = json_dumps(e, JSON_COMPACT | JSON_ENCODE_ANY);
			elen = enc != NULL ? strlen(enc) + 1 : 0;
			free(enc);
			if (size + elen > CTL_PAGE_SIZE &&
			    json_array_size(part) > 0)
				break;
			json_array_append(part, e);
			size += elen;
			cl->page_i++;
		}
		msg = proto_reply_ok(part);
		if (cl->page_i < n)
			json_object_set_new(msg, "more", json_true());
		else {
			json_decref(cl->page);
			cl->page = NULL;
		}
		buf = proto_encode(msg, &len, NULL);
		json_decref(msg);
		if (buf == NULL) {
			/* One element past a frame: cannot happen with
			 * netd's caps; end the stream, not netd. */
			log_warnx("%s: an element too long for a frame",
			    __func__);
			json_decref(cl->page);
			cl->page = NULL;
			ctl_client_error(cl, "reply too long", 1);
			return;
		}
		cl->wbuf = xreallocarray(cl->wbuf, 1, cl->wlen + len);
		memcpy(cl->wbuf + cl->wlen, buf, len);
		cl->wlen += len;
		free(buf);
	}
}

/* Who sent the request being handled (for ops that act on a pid). */
int
ctl_peer_pid(const struct ctl *c, pid_t *pid)
{
	struct os_peer	 p;

	if (c == NULL || c->cur == NULL || os_peer(c->cur->fd, &p) == -1 ||
	    p.pid <= 0)
		return -1;
	*pid = p.pid;
	return 0;
}
