/* SPDX-License-Identifier: ISC */
/*
 * ev.c - the event loop: registrations and dispatch, over the kernel
 * interface of ev_linux.c (epoll) or ev_darwin.c (kqueue).
 *
 * DOC: registrations
 * Each watched fd has a struct ev_watch whose address is the kernel's
 * user data for it. ev_del() from a callback may remove a watch whose
 * event is still in the batch the kernel returned, so removal only
 * marks the watch dead and unlinks it; dead watches are freed after the
 * round. Lookups by fd (ev_set, ev_del) walk a small open hash.
 *
 * DOC: timers and deferred work
 * Armed timers are a list sorted by due time (netd has a handful: DNS
 * timeouts, the proxy's idle walk), so the wait's timeout is the head's
 * and a round pops what is due. Deferred work is a FIFO run after the
 * timers; work queued while the FIFO runs waits for the next round,
 * whose wait then does not sleep, so a callback that defers itself
 * cannot starve the fds.
 */
#include <errno.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include "ev.h"
#include "util.h"
#include "xmalloc.h"

#define EV_BATCH	64
#define EV_NHASH	256

struct ev_watch {
	int		 fd;
	int		 events;
	int		 dead;
	ev_cb		 cb;
	void		*arg;
	struct ev_watch	*next;		/* hash chain */
	struct ev_watch	*next_dead;
};

struct ev {
	int		 os;		/* epoll or kqueue fd */
	struct ev_watch	*hash[EV_NHASH];
	struct ev_watch	*dead;
	int		 running;
	unsigned	 gen;		/* of ev_run_pending's passes */
	TAILQ_HEAD(ev_timers, ev_timer)	 timers;
	TAILQ_HEAD(ev_defers, ev_defer)	 defers;
};

static struct ev_watch **
ev_slot(struct ev *ev, int fd)
{
	struct ev_watch	**wp;

	for (wp = &ev->hash[(unsigned)fd % EV_NHASH]; *wp != NULL;
	    wp = &(*wp)->next)
		if ((*wp)->fd == fd)
			break;
	return wp;
}

struct ev *
ev_new(void)
{
	struct ev	*ev;

	ev = xcalloc(1, sizeof(*ev));
	TAILQ_INIT(&ev->timers);
	TAILQ_INIT(&ev->defers);
	if ((ev->os = ev_os_new()) == -1) {
		free(ev);
		return NULL;
	}
	return ev;
}

static void
ev_reap(struct ev *ev)
{
	struct ev_watch	*w;

	while ((w = ev->dead) != NULL) {
		ev->dead = w->next_dead;
		free(w);
	}
}

void
ev_free(struct ev *ev)
{
	struct ev_watch	*w;
	size_t		 i;

	if (ev == NULL)
		return;
	for (i = 0; i < EV_NHASH; i++) {
		while ((w = ev->hash[i]) != NULL) {
			ev->hash[i] = w->next;
			free(w);
		}
	}
	ev_reap(ev);
	while (!TAILQ_EMPTY(&ev->timers))
		ev_timer_del(ev, TAILQ_FIRST(&ev->timers));
	while (!TAILQ_EMPTY(&ev->defers))
		ev_defer_cancel(ev, TAILQ_FIRST(&ev->defers));
	close(ev->os);
	free(ev);
}

int
ev_add(struct ev *ev, int fd, int events, ev_cb cb, void *arg)
{
	struct ev_watch	**wp, *w;

	wp = ev_slot(ev, fd);
	if (*wp != NULL) {
		errno = EEXIST;
		return -1;
	}
	w = xcalloc(1, sizeof(*w));
	w->fd = fd;
	w->cb = cb;
	w->arg = arg;
	if (ev_os_apply(ev->os, fd, 0, events, w) == -1) {
		free(w);
		return -1;
	}
	w->events = events;
	*wp = w;
	return 0;
}

int
ev_set(struct ev *ev, int fd, int events)
{
	struct ev_watch	*w = *ev_slot(ev, fd);

	if (w == NULL) {
		errno = ENOENT;
		return -1;
	}
	if (w->events == events)
		return 0;
	if (ev_os_apply(ev->os, fd, w->events, events, w) == -1)
		return -1;
	w->events = events;
	return 0;
}

void
ev_del(struct ev *ev, int fd)
{
	struct ev_watch	**wp = ev_slot(ev, fd), *w = *wp;

	if (w == NULL)
		return;
	*wp = w->next;
	if (w->events != 0)		/* ev_set(fd, 0) took it out already */
		(void)ev_os_apply(ev->os, fd, w->events, 0, w);
	w->dead = 1;
	w->next_dead = ev->dead;
	ev->dead = w;
	if (!ev->running)
		ev_reap(ev);
}

void
ev_timer_init(struct ev_timer *t, ev_fn fn, void *arg)
{
	memset(t, 0, sizeof(*t));
	t->fn = fn;
	t->arg = arg;
}

void
ev_timer_add(struct ev *ev, struct ev_timer *t, int ms)
{
	struct ev_timer	*o;

	ev_timer_del(ev, t);
	t->when = util_now_ms() + (ms > 0 ? ms : 0);
	t->armed = 1;
	t->gen = ev->gen;
	TAILQ_FOREACH_REVERSE(o, &ev->timers, ev_timers, entry) {
		if (o->when <= t->when) {
			TAILQ_INSERT_AFTER(&ev->timers, o, t, entry);
			return;
		}
	}
	TAILQ_INSERT_HEAD(&ev->timers, t, entry);
}

void
ev_timer_del(struct ev *ev, struct ev_timer *t)
{
	if (!t->armed)
		return;
	TAILQ_REMOVE(&ev->timers, t, entry);
	t->armed = 0;
}

int
ev_timer_next(struct ev *ev)
{
	struct ev_timer	*t = TAILQ_FIRST(&ev->timers);
	long long	 now;

	if (t == NULL)
		return -1;
	now = util_now_ms();
	if (t->when <= now)
		return 0;
	return t->when - now > 0x7fffffff ? 0x7fffffff : (int)(t->when - now);
}

void
ev_defer_init(struct ev_defer *d, ev_fn fn, void *arg)
{
	memset(d, 0, sizeof(*d));
	d->fn = fn;
	d->arg = arg;
}

void
ev_defer(struct ev *ev, struct ev_defer *d)
{
	if (d->queued)
		return;
	d->queued = 1;
	d->gen = ev->gen;
	TAILQ_INSERT_TAIL(&ev->defers, d, entry);
}

void
ev_defer_cancel(struct ev *ev, struct ev_defer *d)
{
	if (!d->queued)
		return;
	TAILQ_REMOVE(&ev->defers, d, entry);
	d->queued = 0;
}

void
ev_run_pending(struct ev *ev)
{
	struct ev_timer	*t;
	struct ev_defer	*d;
	long long	 now = util_now_ms();

	/* What is armed or queued from here on (the new gen) waits. */
	ev->gen++;
	while ((t = TAILQ_FIRST(&ev->timers)) != NULL && t->when <= now &&
	    t->gen != ev->gen) {
		ev_timer_del(ev, t);
		t->fn(t->arg);
	}
	while ((d = TAILQ_FIRST(&ev->defers)) != NULL && d->gen != ev->gen) {
		ev_defer_cancel(ev, d);
		d->fn(d->arg);
	}
}

int
ev_run_once(struct ev *ev, int timeout_ms)
{
	struct ev_ready	 r[EV_BATCH];
	struct ev_watch	*w;
	int		 n, i, events, ran = 0, t;

	if (!TAILQ_EMPTY(&ev->defers))
		timeout_ms = 0;
	else if ((t = ev_timer_next(ev)) != -1 &&
	    (timeout_ms == -1 || t < timeout_ms))
		timeout_ms = t;
	if ((n = ev_os_wait(ev->os, timeout_ms, r, EV_BATCH)) == -1)
		return -1;
	ev->running = 1;
	for (i = 0; i < n; i++) {
		w = r[i].udata;
		if (w == NULL || w->dead)
			continue;
		/* Errors and hangups come as readable: the read that
		 * follows sees them. */
		events = r[i].events & (w->events | EV_READ);
		if (events == 0)
			continue;
		w->cb(w->fd, events, w->arg);
		ran++;
	}
	ev->running = 0;
	ev_reap(ev);
	ev_run_pending(ev);
	return ran;
}
