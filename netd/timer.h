/* SPDX-License-Identifier: ISC */
/*
 * timer.h - timers on netd's loop: a binary heap of deadlines in
 * microseconds of the monotonic clock.
 */
#ifndef BERTH_TIMER_H
#define BERTH_TIMER_H

#include <stddef.h>
#include <stdint.h>

struct timer;
typedef void	(*timer_cb)(struct timer *, void *arg);

struct timer {
	long long	 when;		/* us, monotonic */
	uint64_t	 seq;		/* ties fire in the order added */
	size_t		 idx;		/* in the heap; TIMER_IDLE if not */
	timer_cb	 cb;
	void		*arg;
};
#define TIMER_IDLE	((size_t)-1)

struct timers {
	struct timer	**heap;
	size_t		  n, cap;
	uint64_t	  seq;
};

struct timers	*timers_new(void);
void		 timers_free(struct timers *);
void		 timer_init(struct timer *, timer_cb, void *arg);
/* Arm t for "when" (re-arming moves it). */
void		 timer_add(struct timers *, struct timer *, long long when);
void		 timer_del(struct timers *, struct timer *);
int		 timer_armed(const struct timer *);
/* The earliest deadline, or -1 with none armed. */
long long	 timers_next(const struct timers *);
/*
 * The loop's wait: timeout_ms (-1: forever) shortened to the next
 * deadline, rounded up so that a wakeup finds the timer due.
 */
int		 timers_timeout(const struct timers *, long long now,
		    int timeout_ms);
/* Fire every timer due at "now", earliest first; returns how many. */
size_t		 timers_run(struct timers *, long long now);

#endif
