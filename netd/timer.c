/* SPDX-License-Identifier: ISC */
/*
 * timer.c - a binary min-heap of timers for netd's loop.
 *
 * DOC: timers
 * The loop asks timers_timeout() how long it may sleep and calls
 * timers_run() after each round; both are O(1) when nothing is armed.
 * Deadlines are microseconds of the monotonic clock; the poll wait is in
 * milliseconds, so it is rounded up and a timer fires at most ~1 ms
 * late, never early. Each timer knows its heap index, so removing one
 * (a held packet whose port went away) is O(log n). Equal deadlines
 * fire in the order they were armed (seq), which keeps the packets of
 * a link in order.
 */
#include <limits.h>
#include <stdlib.h>

#include "timer.h"
#include "xmalloc.h"

struct timers *
timers_new(void)
{
	return xcalloc(1, sizeof(struct timers));
}

void
timers_free(struct timers *ts)
{
	if (ts == NULL)
		return;
	free(ts->heap);
	free(ts);
}

void
timer_init(struct timer *t, timer_cb cb, void *arg)
{
	t->when = 0;
	t->seq = 0;
	t->idx = TIMER_IDLE;
	t->cb = cb;
	t->arg = arg;
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
timer_del(struct timers *ts, struct timer *t)
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
timer_add(struct timers *ts, struct timer *t, long long when)
{
	timer_del(ts, t);
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

long long
timers_next(const struct timers *ts)
{
	return ts->n == 0 ? -1 : ts->heap[0]->when;
}

int
timers_timeout(const struct timers *ts, long long now, int timeout_ms)
{
	long long	 next, ms;

	if (ts == NULL || (next = timers_next(ts)) == -1)
		return timeout_ms;
	ms = next <= now ? 0 : (next - now + 999) / 1000;
	if (ms > INT_MAX)
		ms = INT_MAX;
	if (timeout_ms == -1 || ms < timeout_ms)
		return (int)ms;
	return timeout_ms;
}

size_t
timers_run(struct timers *ts, long long now)
{
	struct timer	*t;
	size_t		 n = 0;

	while (ts != NULL && ts->n > 0 && (t = ts->heap[0])->when <= now) {
		timer_del(ts, t);
		t->cb(t, t->arg);
		n++;
	}
	return n;
}
