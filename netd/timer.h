/* SPDX-License-Identifier: ISC */
/*
 * timer.h - the heap behind the loop's timers (ev.h): deadlines in
 * microseconds, earliest first, ties in the order they were armed.
 * Pure data: no clock, no callbacks (ev.c has both).
 */
#ifndef BERTH_TIMER_H
#define BERTH_TIMER_H

#include <stddef.h>
#include <stdint.h>

struct timer {
	long long	 when;		/* us */
	uint64_t	 seq;		/* ties: the order armed */
	size_t		 idx;		/* in the heap; TIMER_IDLE if not */
};
#define TIMER_IDLE	((size_t)-1)

struct timers {
	struct timer	**heap;
	size_t		  n, cap;
	uint64_t	  seq;
};

/* A timer that is not armed (idx TIMER_IDLE). */
void		 timer_init(struct timer *);
int		 timer_armed(const struct timer *);
/* Arm t for "when" (re-arming moves it): O(log n). */
void		 timers_add(struct timers *, struct timer *, long long when);
/* Disarm t (an idle timer: nothing): O(log n). */
void		 timers_del(struct timers *, struct timer *);
/* The earliest armed timer, or NULL. */
struct timer	*timers_first(const struct timers *);
/* Forget every timer (they are left idle) and the heap's memory. */
void		 timers_clear(struct timers *);

#endif
