/* SPDX-License-Identifier: ISC */
/*
 * test_ev.c - the event loop's timers and deferred work.
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
	assert_int_equal(r.t.armed, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timers),
		cmocka_unit_test(test_timer_rearm),
		cmocka_unit_test(test_defer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
