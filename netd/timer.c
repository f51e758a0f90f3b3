/* SPDX-License-Identifier: ISC */
/*
 * timer.c - a binary min-heap of deadlines, the engine of ev's timers.
 *
 * DOC: timers
 * Every timer of netd's loop is here: DNS timeouts, the proxy's idle
 * walk, and link emulation's held packets (thousands at a time, each
 * due within microseconds of the next). Each timer knows its heap
 * index, so arming, moving and removing one is O(log n) and looking at
 * the first is O(1). Equal deadlines come out in the order they were
 * armed (seq), which keeps the packets of a link in order. The heap
 * knows no clock: ev.c gives it microseconds of the monotonic clock.
 */
#include <stdlib.h>

#include "timer.h"
#include "xmalloc.h"

void
timer_init(struct timer *t)
{
	t->when = 0;
	t->seq = 0;
	t->idx = TIMER_IDLE;
}

int
timer_armed(const struct timer *t)
{
	return t->idx != TIMER_IDLE;
}

static int
timer_before(const struct timer *a, const struct timer *b)
{
	return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

static void
timer_put(struct timers *ts, struct timer *t, size_t i)
{
	ts->heap[i] = t;
	t->idx = i;
}

static void
timer_up(struct timers *ts, size_t i)
{
	struct timer	*t = ts->heap[i];
	size_t		 parent;

	while (i > 0) {
		parent = (i - 1) / 2;
		if (!timer_before(t, ts->heap[parent]))
			break;
		timer_put(ts, ts->heap[parent], i);
		i = parent;
	}
	timer_put(ts, t, i);
}

static void
timer_down(struct timers *ts, size_t i)
{
	struct timer	*t = ts->heap[i];
	size_t		 c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= ts->n)
			break;
		if (c + 1 < ts->n && timer_before(ts->heap[c + 1],
		    ts->heap[c]))
			c++;
		if (!timer_before(ts->heap[c], t))
			break;
		timer_put(ts, ts->heap[c], i);
		i = c;
	}
	timer_put(ts, t, i);
}

void
timers_del(struct timers *ts, struct timer *t)
{
	size_t		 i = t->idx;
	struct timer	*last;

	if (i == TIMER_IDLE)
		return;
	t->idx = TIMER_IDLE;
	last = ts->heap[--ts->n];
	if (i == ts->n)
		return;
	timer_put(ts, last, i);
	timer_up(ts, i);
	timer_down(ts, last->idx);
}

void
timers_add(struct timers *ts, struct timer *t, long long when)
{
	timers_del(ts, t);
	if (ts->n == ts->cap) {
		ts->cap = ts->cap == 0 ? 64 : ts->cap * 2;
		ts->heap = xreallocarray(ts->heap, ts->cap,
		    sizeof(*ts->heap));
	}
	t->when = when;
	t->seq = ts->seq++;
	timer_put(ts, t, ts->n++);
	timer_up(ts, t->idx);
}

struct timer *
timers_first(const struct timers *ts)
{
	return ts->n == 0 ? NULL : ts->heap[0];
}

void
timers_clear(struct timers *ts)
{
	while (ts->n > 0)
		ts->heap[--ts->n]->idx = TIMER_IDLE;
	free(ts->heap);
	ts->heap = NULL;
	ts->cap = 0;
}
