/* SPDX-License-Identifier: ISC */
/*
 * ev.h - netd's event loop: readiness of file descriptors, nothing else.
 *
 * One small interface over epoll (ev_linux.c) and kqueue (ev_darwin.c).
 * Level triggered: a callback that leaves data unread is called again
 * on the next round, which is how the router stays fair between tuns
 * (it reads a bounded batch per fd per round). Signals are not here:
 * they arrive through a self-pipe (main.c).
 *
 * A round: wait (at most until the first timer is due), run the fd
 * callbacks, then the timers that are due, then the deferred work.
 * Timers have one clock, microseconds of the monotonic clock (ev_now);
 * the wait is in milliseconds, rounded up, so a timer fires at most
 * ~1 ms late and never early.
 * Timers and deferred work are structs their owner embeds and
 * initialises once (ev_timer_init, ev_defer_init); arming an armed
 * timer moves it, deferring queued work does nothing, so "something
 * changed, write it out after this round" is one ev_defer call however
 * often it changes.
 */
#ifndef BERTH_EV_H
#define BERTH_EV_H

#include <sys/queue.h>

#include "timer.h"

#define EV_READ		0x01
#define EV_WRITE	0x02

struct ev;
typedef void	(*ev_cb)(int fd, int events, void *arg);
typedef void	(*ev_fn)(void *arg);

struct ev_timer {
	struct timer		 t;		/* in ev's heap (timer.c) */
	ev_fn			 fn;
	void			*arg;
	unsigned		 gen;		/* the pass it was armed in */
};

struct ev_defer {
	ev_fn			 fn;
	void			*arg;
	int			 queued;
	unsigned		 gen;
	TAILQ_ENTRY(ev_defer)	 entry;
};

struct ev	*ev_new(void);
void		 ev_free(struct ev *);
/* Watch fd for events (EV_READ | EV_WRITE); one registration per fd. */
int		 ev_add(struct ev *, int fd, int events, ev_cb, void *arg);
/* Change the events of a registered fd. */
int		 ev_set(struct ev *, int fd, int events);
/*
 * Forget fd. Safe from inside a callback, also for an fd whose events
 * are pending in the same round: they are not delivered.
 */
void		 ev_del(struct ev *, int fd);
/*
 * Wait at most timeout_ms (-1: forever) and dispatch what is ready.
 * Returns the number of callbacks run, 0 on timeout or EINTR, -1 on
 * error.
 */
int		 ev_run_once(struct ev *, int timeout_ms);

/* The loop's clock: microseconds, monotonic (util_now_us). */
long long	 ev_now(const struct ev *);
/* A test's fake clock instead (NULL: the real one again). */
void		 ev_set_clock(struct ev *, long long (*)(void));

void		 ev_timer_init(struct ev_timer *, ev_fn, void *arg);
/* Call fn(arg) once, ms milliseconds from now (re-arming moves it). */
void		 ev_timer_add(struct ev *, struct ev_timer *, int ms);
/* Call fn(arg) once at "when", microseconds of ev_now's clock. */
void		 ev_timer_at(struct ev *, struct ev_timer *, long long when);
void		 ev_timer_del(struct ev *, struct ev_timer *);
int		 ev_timer_armed(const struct ev_timer *);
/* Milliseconds until the first timer is due (rounded up), 0 if due,
 * -1 if none. */
int		 ev_timer_next(struct ev *);

void		 ev_defer_init(struct ev_defer *, ev_fn, void *arg);
/* Call fn(arg) once at the end of this round (queued again from fn:
 * the next round's). */
void		 ev_defer(struct ev *, struct ev_defer *);
void		 ev_defer_cancel(struct ev *, struct ev_defer *);
/* Run the due timers and the deferred work now (ev_run_once does). */
void		 ev_run_pending(struct ev *);

/* ev_linux.c / ev_darwin.c: the kernel's side, used by ev.c only. */
struct ev_ready {
	void		*udata;
	int		 events;
};
int		 ev_os_new(void);
/* Change fd's interest from old to events; udata comes back on wait. */
int		 ev_os_apply(int os, int fd, int old, int events,
		    void *udata);
/* Up to max ready fds (-1 with errno; EINTR is 0 ready). */
int		 ev_os_wait(int os, int timeout_ms, struct ev_ready *out,
		    int max);

#endif
