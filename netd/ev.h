/* SPDX-License-Identifier: ISC */
/*
 * ev.h - netd's event loop: readiness of file descriptors, nothing else.
 *
 * One small interface over epoll (ev_linux.c) and kqueue (ev_darwin.c).
 * Level triggered: a callback that leaves data unread is called again
 * on the next round, which is how the router stays fair between tuns
 * (it reads a bounded batch per fd per round). Timers and signals are
 * not here: signals arrive through a self-pipe (main.c), and the few
 * timeouts netd needs are the timeout of ev_run_once().
 */
#ifndef BERTH_EV_H
#define BERTH_EV_H

#define EV_READ		0x01
#define EV_WRITE	0x02

struct ev;
typedef void	(*ev_cb)(int fd, int events, void *arg);

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
