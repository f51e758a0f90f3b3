/* SPDX-License-Identifier: ISC */
/*
 * ctl_client.c - one client of the control socket: framing, requests,
 * replies (ctl.c accepts it).
 *
 * DOC: Theory of Operation
 * Each client has a read buffer, fed by whatever read() returns, and a
 * write buffer of encoded replies (struct buf, common/buf.h).
 * proto_parse() takes complete frames off the read buffer one at a
 * time; each request is answered in order, exactly once. A frame
 * proto_parse() refuses (bad header, oversized, wrong version, not a
 * JSON object) gets an error reply, then the client is read no more
 * and closed once the reply is out: after a framing error the byte
 * stream cannot be trusted. A request that is well framed but wrong
 * (no "op", unknown op, bad arguments) gets an error reply and the
 * connection stays. End of file in the middle of a frame is answered
 * with "truncated" before closing, for clients that shut down only
 * their sending side.
 *
 * The read buffer never exceeds one maximal frame; the write buffer is
 * capped (CTL_MAX_WBUF) so a client that never reads cannot make netd
 * grow without bound.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "ctl.h"
#include "ctl_int.h"
#include "ev.h"
#include "log.h"
#include "os.h"
#include "proto.h"
#include "util.h"
#include "xmalloc.h"

#define CTL_READ_CHUNK	(64 * 1024)

static void	ctl_client_event(int, int, void *);
static int	ctl_client_page(struct ctl_client *, json_t *);
static void	ctl_client_page_more(struct ctl_client *);
static void	ctl_client_parse(struct ctl_client *);

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
	buf_free(&cl->rb);
	buf_free(&cl->wb);
	json_decref(cl->page);
	free(cl);
}

void
ctl_client_free(struct ctl_client *cl)
{
	struct ctl	*c = cl->ctl;
	int		 fd = cl->fd, promised = cl->handoff;

	ctl_client_unlink(cl);
	close(fd);
	/* Gone before it was handed off: its owner lets go (fd -1). */
	if (promised)
		c->handoff(c->arg, -1, NULL, 0);
}

/* Give the connection away with what is left of its last reply. */
static void
ctl_client_handoff(struct ctl_client *cl)
{
	struct ctl	*c = cl->ctl;
	struct buf	 unsent = cl->wb;
	int		 fd = cl->fd;

	memset(&cl->wb, 0, sizeof(cl->wb));	/* now unsent's */
	ctl_client_unlink(cl);
	c->handoff(c->arg, fd, buf_head(&unsent), buf_len(&unsent));
	buf_free(&unsent);
}

/* Write what can be written; 0 ok, -1 the client is gone. */
int
ctl_client_flush(struct ctl_client *cl)
{
	size_t	 before = buf_len(&cl->wb);

	if (buf_send(&cl->wb, cl->fd) == -1)
		return -1;
	if (buf_len(&cl->wb) != before)
		cl->last_ms = util_now_ms();
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
	if (cl->closing && buf_len(&cl->wb) == 0) {
		ctl_client_free(cl);
		return -1;
	}
	if (!cl->closing && cl->page == NULL)
		events |= EV_READ;
	if (buf_len(&cl->wb) > 0)
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
	if (buf_len(&cl->wb) + len > CTL_MAX_WBUF) {
		log_warnx("%s: client does not read its replies; closing",
		    __func__);
		free(buf);
		cl->closing = 1;
		buf_reset(&cl->wb);
		return;
	}
	buf_add(&cl->wb, buf, len);
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
	size_t	 used;
	char	*cause = NULL;
	int	 rc;

	while (!cl->closing && cl->page == NULL) {
		used = 0;
		rc = proto_parse(buf_head(&cl->rb), buf_len(&cl->rb), &used,
		    &msg, &cause);
		if (rc == PROTO_NEED_MORE)
			break;
		if (rc == PROTO_ERROR) {
			log_debug("%s: fd %d: %s", __func__, cl->fd, cause);
			ctl_client_error(cl, cause, 1);
			free(cause);
			cause = NULL;
			break;
		}
		buf_drain(&cl->rb, used);
		ctl_client_request(cl, msg);
		json_decref(msg);
	}
}

static void
ctl_client_read(struct ctl_client *cl)
{
	ssize_t	 n;
	char	 msg[128];
	int	 i;

	for (i = 0; i < 16 && !cl->closing; i++) {
		/* Never more than one maximal frame plus a chunk: the
		 * parser refuses the frame before the buffer gets there. */
		if (buf_len(&cl->rb) > PROTO_HDRLEN + PROTO_MAX_PAYLOAD) {
			ctl_client_error(cl, "bad frame: too long", 1);
			return;
		}
		n = buf_read(&cl->rb, cl->fd, CTL_READ_CHUNK);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			cl->closing = 1;
			buf_reset(&cl->wb);
			return;
		}
		if (n == 0) {
			if (buf_len(&cl->rb) > 0) {
				snprintf(msg, sizeof(msg), "bad frame: "
				    "truncated after %zu bytes",
				    buf_len(&cl->rb));
				ctl_client_error(cl, msg, 1);
			}
			cl->closing = 1;
			return;
		}
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
	/* replies wait until what they answer is committed */
	if (buf_len(&cl->wb) > 0 && cl->ctl->commit != NULL)
		cl->ctl->commit(cl->ctl->arg);
	(void)ctl_client_update(cl);
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

	while (cl->page != NULL && buf_len(&cl->wb) < CTL_PAGE_AHEAD) {
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
		buf_add(&cl->wb, buf, len);
		free(buf);
	}
}
