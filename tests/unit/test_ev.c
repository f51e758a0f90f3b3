/* SPDX-License-Identifier: ISC */
/*
 * test_ev.c - the event loop's timers (and the heap behind them,
 * timer.c) and deferred work.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "ev.h"
#include "timer.h"
#include "util.h"

struct rec {
	struct ev	*ev;
	char		 log[64];
	size_t		 n;
	int		 again;		/* re-arm / re-queue this often */
	struct ev_timer	 t;
	struct ev_defer	 d;
};

static void
rec_put(struct rec *r, char c)
{
	if (r->n < sizeof(r->log) - 1)
		r->log[r->n++] = c;
}

static void fn_a(void *arg) { rec_put(arg, 'a'); }
static void fn_b(void *arg) { rec_put(arg, 'b'); }
static void fn_c(void *arg) { rec_put(arg, 'c'); }

static void
fn_rearm(void *arg)
{
	struct rec	*r = arg;

	rec_put(r, 't');
	if (r->again-- > 0)
		ev_timer_add(r->ev, &r->t, 0);
}

static void
fn_requeue(void *arg)
{
	struct rec	*r = arg;

	rec_put(r, 'd');
	if (r->again-- > 0)
		ev_defer(r->ev, &r->d);
}

/* Timers fire in due order, once; re-arming moves; del cancels. */
static void
test_timers(void **state)
{
	struct ev	*ev = ev_new();
	struct rec	 r;
	struct ev_timer	 a, b, c;
	long long	 t0;

	assert_non_null(ev);
	memset(&r, 0, sizeof(r));
	ev_timer_init(&a, fn_a, &r);
	ev_timer_init(&b, fn_b, &r);
	ev_timer_init(&c, fn_c, &r);
	assert_int_equal(ev_timer_next(ev), -1);
	ev_timer_add(ev, &a, 60);
	ev_timer_add(ev, &b, 20);
	ev_timer_add(ev, &c, 40);
	ev_timer_del(ev, &c);
	ev_timer_del(ev, &c);		/* twice: harmless */
	assert_in_range(ev_timer_next(ev), 1, 20);
	ev_timer_add(ev, &b, 80);	/* moved after a */
	t0 = util_now_ms();
	/* No fds: the wait ends at the first timer, not forever. */
	while (r.n < 2 && util_now_ms() - t0 < 2000)
		assert_int_not_equal(ev_run_once(ev, -1), -1);
	assert_string_equal(r.log, "ab");
	assert_in_range(util_now_ms() - t0, 70, 1000);
	assert_int_equal(ev_timer_next(ev), -1);
	ev_free(ev);
}

/* A timer that re-arms itself at 0 ms fires once per round. */
static void
test_timer_rearm(void **state)
{
	struct rec	 r;

	memset(&r, 0, sizeof(r));
	r.ev = ev_new();
	r.again = 3;
	ev_timer_init(&r.t, fn_rearm, &r);
	ev_timer_add(r.ev, &r.t, 0);
	usleep(2000);
	ev_run_pending(r.ev);
	assert_string_equal(r.log, "t");
	assert_int_equal(ev_timer_next(r.ev), 0);
	while (ev_timer_next(r.ev) != -1)
		assert_int_not_equal(ev_run_once(r.ev, -1), -1);
	assert_string_equal(r.log, "tttt");
	ev_free(r.ev);
}

/* Deferred work runs once per round however often it is queued; work
 * queued by deferred work runs the next round, and that round does not
 * sleep. */
static void
test_defer(void **state)
{
	struct rec	 r;
	struct ev_defer	 a;
	long long	 t0;

	memset(&r, 0, sizeof(r));
	r.ev = ev_new();
	ev_defer_init(&a, fn_a, &r);
	ev_defer_init(&r.d, fn_requeue, &r);
	ev_defer(r.ev, &a);
	ev_defer(r.ev, &a);
	ev_defer(r.ev, &a);
	r.again = 2;
	ev_defer(r.ev, &r.d);
	t0 = util_now_ms();
	assert_int_not_equal(ev_run_once(r.ev, 5000), -1);
	assert_string_equal(r.log, "ad");
	assert_int_not_equal(ev_run_once(r.ev, 5000), -1);
	assert_string_equal(r.log, "add");
	assert_int_not_equal(ev_run_once(r.ev, 5000), -1);
	assert_string_equal(r.log, "addd");
	assert_true(util_now_ms() - t0 < 1000);
	/* Cancelled work does not run. */
	ev_defer(r.ev, &a);
	ev_defer_cancel(r.ev, &a);
	ev_run_pending(r.ev);
	assert_string_equal(r.log, "addd");
	/* Queued work and armed timers may outlive the loop. */
	ev_defer(r.ev, &a);
	ev_timer_init(&r.t, fn_b, &r);
	ev_timer_add(r.ev, &r.t, 1000);
	ev_free(r.ev);
	assert_int_equal(a.queued, 0);
	assert_false(ev_timer_armed(&r.t));
}

/* The heap alone: earliest first, ties in the order armed, moves and
 * removals from anywhere, checked against a sorted reference. */
static void
test_heap(void **state)
{
	struct timers	 ts;
	struct timer	 t[500], *f;
	long long	 last;
	uint64_t	 lastseq;
	size_t		 i, n;
	unsigned	 seed = 7;

	memset(&ts, 0, sizeof(ts));
	assert_null(timers_first(&ts));
	for (i = 0; i < 500; i++) {
		timer_init(&t[i]);
		seed = seed * 1103515245 + 12345;
		timers_add(&ts, &t[i], (seed >> 8) % 50);	/* many ties */
	}
	/* Move every third, remove every seventh. */
	for (i = 0; i < 500; i += 3) {
		seed = seed * 1103515245 + 12345;
		timers_add(&ts, &t[i], (seed >> 8) % 50);
	}
	for (i = 0; i < 500; i += 7) {
		timers_del(&ts, &t[i]);
		timers_del(&ts, &t[i]);		/* twice: harmless */
		assert_false(timer_armed(&t[i]));
	}
	assert_int_equal(ts.n, 500 - 72);
	last = -1;
	lastseq = 0;
	for (n = 0; (f = timers_first(&ts)) != NULL; n++) {
		assert_true(f->when > last || (f->when == last &&
		    f->seq > lastseq));
		last = f->when;
		lastseq = f->seq;
		timers_del(&ts, f);
	}
	assert_int_equal(n, 500 - 72);
	timers_add(&ts, &t[0], 5);
	timers_clear(&ts);
	assert_false(timer_armed(&t[0]));
	assert_null(timers_first(&ts));
}

static long long fake_us;

static long long
fake_clock(void)
{
	return fake_us;
}

static void fn_d(void *arg) { rec_put(arg, 'd'); }

/* Microseconds: timers 100 us apart fire in order, each when due and
 * not before, ties in the order armed; the wait rounds up. */
static void
test_timer_us(void **state)
{
	struct ev	*ev = ev_new();
	struct rec	 r;
	struct ev_timer	 a, b, c, d;

	memset(&r, 0, sizeof(r));
	fake_us = 1000000;
	ev_set_clock(ev, fake_clock);
	assert_int_equal(ev_now(ev), 1000000);
	ev_timer_init(&a, fn_a, &r);
	ev_timer_init(&b, fn_b, &r);
	ev_timer_init(&c, fn_c, &r);
	ev_timer_init(&d, fn_d, &r);
	ev_timer_at(ev, &c, 1000300);
	ev_timer_at(ev, &a, 1000100);
	ev_timer_at(ev, &b, 1000200);
	ev_timer_at(ev, &d, 1000200);	/* tie: after b */
	assert_int_equal(ev_timer_next(ev), 1);	/* 100 us: 1 ms */
	fake_us = 1000099;
	ev_run_pending(ev);
	assert_string_equal(r.log, "");
	fake_us = 1000100;
	ev_run_pending(ev);
	assert_string_equal(r.log, "a");
	fake_us = 1000250;
	ev_run_pending(ev);
	assert_string_equal(r.log, "abd");
	ev_timer_add(ev, &a, 2);		/* ms, on the same clock */
	assert_int_equal(ev_timer_next(ev), 1);	/* c: 50 us */
	fake_us = 1000300;
	ev_run_pending(ev);
	assert_string_equal(r.log, "abdc");
	assert_int_equal(ev_timer_next(ev), 2);	/* a: 1950 us, up */
	fake_us = 1002249;
	ev_run_pending(ev);
	assert_string_equal(r.log, "abdc");
	fake_us = 1002250;
	assert_int_equal(ev_timer_next(ev), 0);
	ev_run_pending(ev);
	assert_string_equal(r.log, "abdca");
	assert_int_equal(ev_timer_next(ev), -1);
	ev_set_clock(ev, NULL);		/* the real clock again */
	fake_us = util_now_us();
	assert_in_range(ev_now(ev) - fake_us, 0, 1000000);
	ev_free(ev);
}

/* Thousands armed (a link's held packets): each fires once, in order. */
static void
test_timer_many(void **state)
{
	struct ev	*ev = ev_new();
	struct ev_timer	*t;
	struct rec	 r;
	int		 i;

	memset(&r, 0, sizeof(r));
	fake_us = 0;
	ev_set_clock(ev, fake_clock);
	t = calloc(5000, sizeof(*t));
	for (i = 0; i < 5000; i++) {
		ev_timer_init(&t[i], fn_a, &r);
		ev_timer_at(ev, &t[i], 5000 - i);
	}
	fake_us = 2500;
	ev_run_pending(ev);
	assert_false(ev_timer_armed(&t[2500]));
	assert_true(ev_timer_armed(&t[2499]));
	assert_int_equal(ev_timer_next(ev), 1);
	fake_us = 5000;
	ev_run_pending(ev);
	for (i = 0; i < 5000; i++)
		assert_false(ev_timer_armed(&t[i]));
	assert_int_equal(ev_timer_next(ev), -1);
	free(t);
	ev_free(ev);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_heap),
		cmocka_unit_test(test_timers),
		cmocka_unit_test(test_timer_us),
		cmocka_unit_test(test_timer_many),
		cmocka_unit_test(test_timer_rearm),
		cmocka_unit_test(test_defer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
