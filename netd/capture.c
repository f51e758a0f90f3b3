/* SPDX-License-Identifier: ISC */
/*
 * capture.c - berth capture: what the router sees, as pcap records on
 * the client's connection.
 *
 * DOC: Theory of Operation
 * A capture is a target (one container, the containers of a stack, or
 * everything), a filter compiled by libpcap for raw IPv4
 * (pcap_open_dead(DLT_IPV4) + pcap_compile, run with
 * pcap_offline_filter), and a bounded queue of records. The "capture"
 * op checks the arguments and compiles the filter; its reply is the last
 * frame on that control connection: ctl then hands the socket over
 * (CTL_HANDOFF) and netd writes capture records into it
 * (common/caprec.h) until the capture ends.
 *
 * The router hook (ROUTER_PRIO_CAPTURE, after policy and link
 * emulation, so it sees the final verdict) is registered while at least
 * one capture runs; with none the router pays nothing. For each packet
 * it copies the packet into the queue of each capture it matches; a
 * queue that is full (its reader is slower than the traffic) loses the
 * packet and counts it: the router never waits for a reader, and the
 * count reaches the client in every record and at the end, as tcpdump
 * reports "dropped by kernel". Packets the router refused (no route,
 * malformed, policy, link emulation) are matched only by captures that
 * asked for drops, and carry the reason.
 *
 * A capture ends when the client shuts down its side (read returns
 * end-of-file: a Ctrl-C'd CLI, or one done with -c), when its count is
 * reached, or when its container or the last container of its stack is
 * deleted: netd queues an END record, writes what is queued, and
 * closes. A client that is gone (killed, closed pipe) makes the write
 * fail and everything is freed at once.
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "capture.h"
#include "caprec.h"
#include "ctl.h"
#include "ev.h"
#include "log.h"
#include "netd.h"
#include "proto.h"
#include "router.h"
#include "util.h"
#include "xmalloc.h"

enum capture_kind {
	CAPTURE_ALL,
	CAPTURE_CTR,
	CAPTURE_STACK,
};

struct capture {
	struct capture_set	*set;
	int			 fd;
	enum capture_kind	 kind;
	char			 target[NAME_MAX_LEN + 1];
	int			 drops;		/* refused packets too */
	struct bpf_program	 prog;
	int			 has_prog;
	uint64_t		 limit;		/* 0: none */
	uint64_t		 matched;
	uint32_t		 lost;
	uint8_t			*q;
	size_t			 qoff, qlen, qcap;
	int			 ending;	/* END queued */
	int			 events;
	struct capture		*next;
};

struct capture_set {
	struct router		*router;
	struct ev		*ev;
	struct router_hook	 hook;
	struct capture		*list;
	int			 n;
	struct capture		*pending;	/* between op and handoff */
	unsigned long		 gen;		/* capture_gen */
	void			(*idle)(void *);	/* one ended */
	void			*idle_arg;
};

static enum router_hook_ret capture_packet(struct router_hook *,
		    struct router *, struct rport *, const uint8_t *, size_t,
		    struct router_verdict *);

struct capture_set *
capture_set_new(struct router *r, struct ev *ev)
{
	struct capture_set	*s;

	s = xcalloc(1, sizeof(*s));
	s->router = r;
	s->ev = ev;
	s->hook.prio = ROUTER_PRIO_CAPTURE;
	s->hook.packet = capture_packet;
	s->hook.arg = s;
	return s;
}

int
capture_count(const struct capture_set *s)
{
	return s != NULL ? s->n : 0;
}

int
capture_idle(const struct capture_set *s)
{
	return s == NULL || (s->n == 0 && s->pending == NULL);
}

void
capture_set_on_idle(struct capture_set *s, void (*fn)(void *), void *arg)
{
	s->idle = fn;
	s->idle_arg = arg;
}

/* A capture ended or never started: what it took may skip the router
 * again (netd_direct_sync). */
static void
capture_idle_tell(struct capture_set *s)
{
	s->gen++;
	if (s->idle != NULL)
		s->idle(s->idle_arg);
}

static int
capture_takes(const struct capture *cap, const struct ctr *c)
{
	if (cap->kind == CAPTURE_ALL)
		return 1;
	if (cap->kind == CAPTURE_CTR)
		return strcmp(c->name, cap->target) == 0;
	return c->stack != NULL && strcmp(c->stack, cap->target) == 0;
}

int
capture_touches(const struct capture_set *s, const struct ctr *c)
{
	const struct capture	*cap;

	if (s == NULL)
		return 0;
	if (s->pending != NULL && capture_takes(s->pending, c))
		return 1;
	for (cap = s->list; cap != NULL; cap = cap->next)
		if (capture_takes(cap, c))
			return 1;
	return 0;
}

unsigned long
capture_gen(const struct capture_set *s)
{
	return s != NULL ? s->gen : 0;
}

static void
capture_free(struct capture *cap)
{
	if (cap == NULL)
		return;
	if (cap->has_prog)
		pcap_freecode(&cap->prog);
	free(cap->q);
	free(cap);
}

/* Unlink, close and free; the last one takes the hook away. */
static void
capture_end(struct capture *cap)
{
	struct capture_set	*s = cap->set;
	struct capture		**pp;

	for (pp = &s->list; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == cap) {
			*pp = cap->next;
			break;
		}
	}
	if (--s->n == 0)
		router_hook_remove(s->router, &s->hook);
	log_debug("%s: fd %d: %llu packets, %u lost", __func__, cap->fd,
	    (unsigned long long)cap->matched, cap->lost);
	ev_del(s->ev, cap->fd);
	close(cap->fd);
	capture_free(cap);
	capture_idle_tell(s);
}

void
capture_set_free(struct capture_set *s)
{
	if (s == NULL)
		return;
	while (s->list != NULL)
		capture_end(s->list);
	capture_free(s->pending);
	free(s);
}

/* Room for need more bytes, within the bound; 0 when there is none. */
static int
capture_room(struct capture *cap, size_t need, size_t bound)
{
	size_t	 used = cap->qlen - cap->qoff;

	if (used + need > bound)
		return 0;
	if (cap->qoff > 0 && cap->qlen + need > cap->qcap) {
		memmove(cap->q, cap->q + cap->qoff, used);
		cap->qoff = 0;
		cap->qlen = used;
	}
	if (cap->qlen + need > cap->qcap) {
		size_t	 ncap = cap->qcap > 0 ? cap->qcap : 64 * 1024;

		while (ncap < cap->qlen + need)
			ncap *= 2;
		if (ncap > CAPTURE_QUEUE + CAPREC_HDRLEN)
			ncap = CAPTURE_QUEUE + CAPREC_HDRLEN;
		cap->q = xreallocarray(cap->q, 1, ncap);
		cap->qcap = ncap;
	}
	return 1;
}

/* Watch for writability while something is queued. */
static void
capture_interest(struct capture *cap)
{
	int	 events = cap->ending ? 0 : EV_READ;

	if (cap->qlen > cap->qoff)
		events |= EV_WRITE;
	if (events == cap->events)
		return;
	if (ev_set(cap->set->ev, cap->fd, events) == -1)
		log_warn("%s: ev_set", __func__);
	cap->events = events;
}

static void
capture_put(struct capture *cap, const struct caprec *rec,
    const uint8_t *pkt)
{
	/* The END record always fits: packets leave room for it. */
	size_t	 bound = rec->type == CAPREC_END ? CAPTURE_QUEUE +
		    CAPREC_HDRLEN : CAPTURE_QUEUE;

	if (!capture_room(cap, CAPREC_HDRLEN + rec->caplen, bound)) {
		cap->lost++;
		return;
	}
	caprec_encode(rec, cap->q + cap->qlen);
	if (rec->caplen > 0)
		memcpy(cap->q + cap->qlen + CAPREC_HDRLEN, pkt, rec->caplen);
	cap->qlen += CAPREC_HDRLEN + rec->caplen;
	capture_interest(cap);
}

/* Queue the END record; the capture closes once it is written. */
static void
capture_finish(struct capture *cap)
{
	struct caprec	 rec;
	struct timeval	 tv;

	if (cap->ending)
		return;
	gettimeofday(&tv, NULL);
	memset(&rec, 0, sizeof(rec));
	rec.type = CAPREC_END;
	rec.origlen = (uint32_t)cap->matched;
	rec.sec = (uint32_t)tv.tv_sec;
	rec.usec = (uint32_t)tv.tv_usec;
	rec.lost = cap->lost;
	capture_put(cap, &rec, NULL);
	cap->ending = 1;
	capture_interest(cap);
}

static int
capture_port_is(const struct capture *cap, const struct rport *p)
{
	const struct ctr	*c;

	if (p == NULL || p->gateway || (c = p->owner) == NULL)
		return 0;
	return capture_takes(cap, c);
}

static enum router_hook_ret
capture_packet(struct router_hook *h, struct router *r, struct rport *in,
    const uint8_t *pkt, size_t len, struct router_verdict *v)
{
	struct capture_set	*s = h->arg;
	struct capture		*cap;
	struct pcap_pkthdr	 ph;
	struct caprec		 rec;
	struct timeval		 tv = { 0, 0 };
	int			 refused = v->action != ROUTER_FORWARD;

	(void)r;
	(void)in;
	memset(&rec, 0, sizeof(rec));
	rec.type = CAPREC_PACKET;
	rec.origlen = (uint32_t)(v->err == PACKET_OK ? v->ip.len : len);
	rec.caplen = rec.origlen < CAPREC_MAX ? rec.origlen : CAPREC_MAX;
	if (refused)
		rec.drop = (uint8_t)(v->drop != ROUTER_DROP_NONE ? v->drop :
		    ROUTER_DROP_POLICY);
	for (cap = s->list; cap != NULL; cap = cap->next) {
		if (cap->ending || (refused && !cap->drops))
			continue;
		if (cap->kind != CAPTURE_ALL && !capture_port_is(cap,
		    v->from) && !capture_port_is(cap, v->to))
			continue;
		if (tv.tv_sec == 0)
			gettimeofday(&tv, NULL);
		if (cap->has_prog) {
			ph.ts = tv;
			ph.caplen = rec.caplen;
			ph.len = rec.origlen;
			if (pcap_offline_filter(&cap->prog, &ph, pkt) == 0)
				continue;
		}
		rec.sec = (uint32_t)tv.tv_sec;
		rec.usec = (uint32_t)tv.tv_usec;
		rec.lost = cap->lost;
		cap->matched++;
		capture_put(cap, &rec, pkt);
		if (cap->limit != 0 && cap->matched >= cap->limit)
			capture_finish(cap);
	}
	return ROUTER_HOOK_PASS;
}

/* Write what the socket takes; -1 when the client is gone. */
static int
capture_flush(struct capture *cap)
{
	if (util_send_some(cap->fd, cap->q, cap->qlen, &cap->qoff) == -1)
		return -1;
	if (cap->qoff == cap->qlen)
		cap->qoff = cap->qlen = 0;
	return 0;
}

static void
capture_event(int fd, int events, void *arg)
{
	struct capture	*cap = arg;
	char		 buf[256];
	ssize_t		 n;

	if (events & EV_READ) {
		/* Anything from the client, or its end, means stop. */
		n = read(fd, buf, sizeof(buf));
		if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR) {
			capture_end(cap);
			return;
		}
		if (n >= 0)
			capture_finish(cap);
	}
	if (capture_flush(cap) == -1 ||
	    (cap->ending && cap->qlen == cap->qoff)) {
		capture_end(cap);
		return;
	}
	capture_interest(cap);
}

/* ------------------------------------------------------------ the op */

static json_t *
capture_error(char *cause)
{
	json_t	*j = proto_reply_error("%s", cause);

	free(cause);
	return j;
}

static int
capture_stack_exists(struct netd *d, const char *name)
{
	size_t	 i;

	for (i = 0; i < d->nctrs; i++)
		if (d->ctrs[i]->stack != NULL &&
		    strcmp(d->ctrs[i]->stack, name) == 0)
			return 1;
	return 0;
}

static int
capture_target(struct netd *d, struct capture *cap, json_t *args,
    char **cause)
{
	json_t		*jn = json_object_get(args, "name");
	json_t		*js = json_object_get(args, "stack");
	json_t		*ja = json_object_get(args, "all");
	const char	*name;

	if ((js != NULL && !json_is_boolean(js)) ||
	    (ja != NULL && !json_is_boolean(ja)))
		return cause_set(cause, "stack and all must be true or false");
	if (json_is_true(ja)) {
		if (jn != NULL && !json_is_null(jn))
			return cause_set(cause, "a name and all are "
			    "exclusive");
		cap->kind = CAPTURE_ALL;
		return 0;
	}
	if ((name = json_string_value(jn)) == NULL)
		return cause_set(cause, "a container or stack name is "
		    "needed, or all");
	if (name_check(name, "name", cause) == -1)
		return -1;
	snprintf(cap->target, sizeof(cap->target), "%s", name);
	/* A stack that has no container yet: berth up records it. */
	if (json_is_true(js)) {
		cap->kind = CAPTURE_STACK;
		return 0;
	}
	if (netd_ctr_find(d, name) != NULL) {
		cap->kind = CAPTURE_CTR;
		return 0;
	}
	if (capture_stack_exists(d, name)) {
		cap->kind = CAPTURE_STACK;
		return 0;
	}
	return cause_set(cause, "no container or stack \"%s\"", name);
}

static int
capture_compile(struct capture *cap, const char *filter, char **cause)
{
	pcap_t	*p;
	int	 rc = 0;

	if (filter == NULL || *filter == '\0')
		return 0;
	if (strlen(filter) > CAPTURE_FILTER_MAX)
		return cause_set(cause, "filter longer than %d bytes",
		    CAPTURE_FILTER_MAX);
	if ((p = pcap_open_dead(CAPTURE_LINKTYPE, CAPREC_MAX)) == NULL)
		return cause_set(cause, "pcap_open_dead failed");
	if (pcap_compile(p, &cap->prog, filter, 1,
	    PCAP_NETMASK_UNKNOWN) == -1)
		rc = cause_set(cause, "filter: %s", pcap_geterr(p));
	else
		cap->has_prog = 1;
	pcap_close(p);
	return rc;
}

/* Addresses to names, for the client's listing. */
static json_t *
capture_names(struct netd *d)
{
	json_t	*o = json_object();
	char	 a[ADDR_STRLEN];
	size_t	 i;

	json_object_set_new(o, addr_fmt(d->cfg.gateway, a),
	    json_string("host"));
	for (i = 0; i < d->nctrs; i++)
		json_object_set_new(o, addr_fmt(d->ctrs[i]->addr, a),
		    json_string(d->ctrs[i]->name));
	return o;
}

json_t *
capture_op(struct netd *d, json_t *args, int *close)
{
	struct capture_set	*s = d->captures;
	struct capture		*cap;
	json_t			*v, *drops;
	const char		*filter = NULL;
	char			*cause = NULL;
	int			 i;

	capture_free(s->pending);
	s->pending = NULL;
	s->gen++;
	if (s->n >= CAPTURE_MAX)
		return proto_reply_error("too many captures (%d)",
		    CAPTURE_MAX);
	cap = xcalloc(1, sizeof(*cap));
	cap->set = s;
	cap->fd = -1;
	if (capture_target(d, cap, args, &cause) == -1)
		goto fail;
	v = json_object_get(args, "filter");
	if (v != NULL && !json_is_null(v) &&
	    (filter = json_string_value(v)) == NULL) {
		cause_set(&cause, "filter must be a string");
		goto fail;
	}
	v = json_object_get(args, "drops");
	if (v != NULL && !json_is_boolean(v)) {
		cause_set(&cause, "drops must be true or false");
		goto fail;
	}
	cap->drops = json_is_true(v);
	v = json_object_get(args, "count");
	if (v != NULL && (!json_is_integer(v) || json_integer_value(v) < 0)) {
		cause_set(&cause, "count must be an integer, at least 0");
		goto fail;
	}
	cap->limit = v != NULL ? (uint64_t)json_integer_value(v) : 0;
	if (capture_compile(cap, filter, &cause) == -1)
		goto fail;
	s->pending = cap;
	s->gen++;
	*close = CTL_HANDOFF;
	drops = json_array();
	for (i = 0; i < ROUTER_NDROP; i++)
		json_array_append_new(drops, json_string(router_drop_name(i)));
	return proto_reply_ok(json_pack("{s:i, s:i, s:i, s:o, s:o}",
	    "linktype", CAPTURE_LINKTYPE, "snaplen", CAPREC_MAX, "queue",
	    CAPTURE_QUEUE, "drop_names", drops, "names", capture_names(d)));
fail:
	capture_free(cap);
	return capture_error(cause);
}

void
capture_handoff(void *arg, int fd, const uint8_t *unsent, size_t len)
{
	struct netd		*d = arg;
	struct capture_set	*s = d->captures;
	struct capture		*cap = s->pending;
	int			 sz = CAPTURE_SNDBUF;

	s->pending = NULL;
	if (cap == NULL || fd == -1) {
		if (fd != -1)
			close(fd);
		capture_free(cap);
		capture_idle_tell(s);
		return;
	}
	cap->fd = fd;
	/* The router must never wait for a reader. */
	(void)util_set_nonblock(fd);
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	if (len > 0 && capture_room(cap, len, CAPTURE_QUEUE)) {
		memcpy(cap->q + cap->qlen, unsent, len);
		cap->qlen += len;
	}
	cap->events = EV_READ | (len > 0 ? EV_WRITE : 0);
	if (ev_add(s->ev, fd, cap->events, capture_event, cap) == -1) {
		log_warn("%s: ev_add", __func__);
		close(fd);
		capture_free(cap);
		capture_idle_tell(s);
		return;
	}
	cap->next = s->list;
	s->list = cap;
	if (s->n++ == 0)
		router_hook_add(s->router, &s->hook);
	log_debug("%s: fd %d: %s %s", __func__, fd, cap->kind == CAPTURE_ALL ?
	    "all" : cap->kind == CAPTURE_CTR ? "container" : "stack",
	    cap->target);
}

void
capture_ctr_gone(struct netd *d, const struct ctr *c)
{
	struct capture	*cap;
	size_t		 i;
	int		 others = 0;

	if (d->captures == NULL || d->captures->n == 0)
		return;
	for (i = 0; c->stack != NULL && i < d->nctrs; i++)
		if (d->ctrs[i] != c && d->ctrs[i]->stack != NULL &&
		    strcmp(d->ctrs[i]->stack, c->stack) == 0)
			others = 1;
	for (cap = d->captures->list; cap != NULL; cap = cap->next) {
		if ((cap->kind == CAPTURE_CTR &&
		    strcmp(cap->target, c->name) == 0) ||
		    (cap->kind == CAPTURE_STACK && !others &&
		    c->stack != NULL && strcmp(cap->target, c->stack) == 0))
			capture_finish(cap);
	}
}
