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
 * Armed timers are a heap (timer.c) of microsecond deadlines: a few
 * long ones (DNS timeouts, the proxy's idle walk) and, with link
 * emulation, one per held packet. The wait's timeout is the first
 * deadline, rounded up to the next millisecond; a round pops what is
 * due. A timer armed during the pass (a callback re-arming itself for
 * now) waits for the next round: it is later than everything due and
 * carries the new gen, where the pass stops. Deferred work is a FIFO
 * run after the timers; work queued while the FIFO runs waits for the
 * next round, whose wait then does not sleep, so a callback that
 * defers itself cannot starve the fds.
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
	struct timers	 timers;
	long long	(*now)(void);	/* util_now_us, or a test's */
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
	ev->now = util_now_us;
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
	timers_clear(&ev->timers);
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

long long
ev_now(const struct ev *ev)
{
	return ev->now();
}

void
ev_set_clock(struct ev *ev, long long (*now)(void))
{
	ev->now = now != NULL ? now : util_now_us;
}

void
ev_timer_init(struct ev_timer *t, ev_fn fn, void *arg)
{
	memset(t, 0, sizeof(*t));
	timer_init(&t->t);
	t->fn = fn;
	t->arg = arg;
}

void
ev_timer_at(struct ev *ev, struct ev_timer *t, long long when)
{
	t->gen = ev->gen;
	timers_add(&ev->timers, &t->t, when);
}

void
ev_timer_add(struct ev *ev, struct ev_timer *t, int ms)
{
	ev_timer_at(ev, t, ev_now(ev) + (ms > 0 ? ms : 0) * 1000LL);
}

void
ev_timer_del(struct ev *ev, struct ev_timer *t)
{
	timers_del(&ev->timers, &t->t);
}

int
ev_timer_armed(const struct ev_timer *t)
{
	return timer_armed(&t->t);
}

int
ev_timer_next(struct ev *ev)
{
	struct timer	*t = timers_first(&ev->timers);
	long long	 now, ms;

	if (t == NULL)
		return -1;
	now = ev_now(ev);
	if (t->when <= now)
		return 0;
	ms = (t->when - now + 999) / 1000;
	return ms > 0x7fffffff ? 0x7fffffff : (int)ms;
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
	struct timer	*first;
	struct ev_defer	*d;
	long long	 now = ev_now(ev);

	/* What is armed or queued from here on (the new gen) waits. */
	ev->gen++;
	while ((first = timers_first(&ev->timers)) != NULL &&
	    first->when <= now) {
		/* t is first's ev_timer (its first member). */
		t = (struct ev_timer *)first;
		if (t->gen == ev->gen)
			break;
		timers_del(&ev->timers, first);
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
