/* SPDX-License-Identifier: ISC */
/*
 * test_hostdns_linux.c - the hosts block written off netd's loop: with
 * conf.async, hostdns_sync() returns while the write's fsyncs are still
 * going on the writer thread (fsync is this file's own, held until the
 * test lets it go), hostdns_busy() says so meanwhile, and the last edit
 * reaches the file; stop waits for the write, then removes the block.
 * Under churn, writes start at most once per 100 ms and the last change
 * still lands within 100 ms plus one write.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "addr.h"
#include "dns.h"
#include "hostdns.h"
#include "util.h"

static pthread_t	 main_thread;
static pthread_mutex_t	 mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 cv = PTHREAD_COND_INITIALIZER;
static int		 hold;		/* fsyncs wait while set */
static int		 on_main;	/* an fsync on the caller's thread */
static int		 waiting;	/* fsyncs waiting now */
static int		 fsyncs;	/* every fsync so far */

/* Every fsync of the program: held while the test says so (2 s at most,
 * so that a write on the caller's thread fails the test, not hang it). */
int
fsync(int fd)
{
	struct timespec	 until;

	(void)fd;
	pthread_mutex_lock(&mu);
	if (pthread_equal(pthread_self(), main_thread))
		on_main = 1;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 2;
	waiting++;
	fsyncs++;
	pthread_cond_broadcast(&cv);
	while (hold && pthread_cond_timedwait(&cv, &mu, &until) == 0)
		;
	waiting--;
	pthread_mutex_unlock(&mu);
	return 0;
}

static void
set_hold(int h)
{
	pthread_mutex_lock(&mu);
	hold = h;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

static void
until_idle(struct hostdns *h)
{
	int	 i;

	for (i = 0; i < 2000 && hostdns_busy(h); i++)
		usleep(1000);
	assert_false(hostdns_busy(h));
}

static void
test_async(void **state)
{
	struct hostdns_conf	 hc;
	struct hostdns		*h;
	struct dns_zone		*z;
	struct cidr		 pool;
	char			 path[] = "/tmp/berth-hosts.XXXXXX", *text;
	char			*cause = NULL, name[16];
	int			 fd, i;

	(void)state;
	main_thread = pthread_self();
	assert_true((fd = mkstemp(path)) != -1);
	assert_int_equal(write(fd, "127.0.0.1\tlocalhost\n", 20), 20);
	close(fd);
	assert_int_equal(cidr_parse("10.249.0.0/16", &pool, NULL), 0);
	z = dns_zone_new(&pool, 0x0af90001);
	memset(&hc, 0, sizeof(hc));
	hc.mode = HOSTDNS_HOSTS;
	hc.prefix = "tst";
	hc.hosts = path;
	hc.async = 1;
	assert_non_null(h = hostdns_start(&hc, &cause));

	/* The write waits in fsync; sync has returned all the same. */
	set_hold(1);
	dns_zone_add(z, "one", 0x0af9000a, NULL, NULL);
	assert_int_equal(hostdns_sync(h, z, &cause), 0);
	assert_true(hostdns_busy(h));
	pthread_mutex_lock(&mu);
	while (waiting == 0)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	assert_false(on_main);
	set_hold(0);
	until_idle(h);
	text = util_read_file(path, 65536, NULL);
	assert_non_null(strstr(text, "10.249.0.10\tone.berth\n"));
	free(text);

	/* Edits while one is in flight: the last one reaches the file. */
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		dns_zone_add(z, name, 0x0af90100 + (uint32_t)i, NULL, NULL);
		if (!hostdns_busy(h))
			assert_int_equal(hostdns_sync(h, z, &cause), 0);
	}
	until_idle(h);
	assert_int_equal(hostdns_sync(h, z, &cause), 0);
	until_idle(h);
	text = util_read_file(path, 65536, NULL);
	assert_non_null(strstr(text, "10.249.1.19\tn19.berth\n"));
	assert_non_null(strstr(text, "10.249.0.10\tone.berth\n"));
	free(text);

	/* No write so far on the caller's thread; stop's own is. */
	assert_false(on_main);
	hostdns_stop(h);
	text = util_read_file(path, 65536, NULL);
	assert_string_equal(text, "127.0.0.1\tlocalhost\n");
	free(text);
	dns_zone_free(z);
	unlink(path);
}

static int
fsync_count(void)
{
	int	 n;

	pthread_mutex_lock(&mu);
	n = fsyncs;
	pthread_mutex_unlock(&mu);
	return n;
}

/*
 * Churn, driven as netd drives it (sync when hostdns_hold_ms() says 0):
 * a change every millisecond for 400 ms is at most one write per
 * 100 ms, the first change after a quiet spell is written at once, and
 * the last one lands within 100 ms plus one write of being made.
 */
static void
test_gap(void **state)
{
	struct hostdns_conf	 hc;
	struct hostdns		*h;
	struct dns_zone		*z;
	struct cidr		 pool;
	char			 path[] = "/tmp/berth-hosts.XXXXXX", *text;
	char			*cause = NULL, name[32];
	long long		 t0, last;
	int			 fd, i, f0, writes;

	(void)state;
	main_thread = pthread_self();
	assert_true((fd = mkstemp(path)) != -1);
	close(fd);
	assert_int_equal(cidr_parse("10.249.0.0/16", &pool, NULL), 0);
	z = dns_zone_new(&pool, 0x0af90001);
	memset(&hc, 0, sizeof(hc));
	hc.mode = HOSTDNS_HOSTS;
	hc.prefix = "gap";
	hc.hosts = path;
	hc.async = 1;
	assert_non_null(h = hostdns_start(&hc, &cause));
	assert_int_equal(hostdns_hold_ms(h), 0);

	f0 = fsync_count();
	t0 = util_now_ms();
	for (i = 0; util_now_ms() - t0 < 400; i++) {
		snprintf(name, sizeof(name), "g%d", i);
		dns_zone_add(z, name, 0x0af90100 + (uint32_t)i, NULL, NULL);
		if (hostdns_hold_ms(h) == 0)
			assert_int_equal(hostdns_sync(h, z, &cause), 0);
		/* the first change is written at once */
		if (i == 0)
			assert_int_not_equal(hostdns_hold_ms(h), 0);
		usleep(1000);
	}
	last = util_now_ms();
	while (hostdns_hold_ms(h) > 0) {
		assert_true(hostdns_hold_ms(h) <= 100);
		usleep(1000 * (useconds_t)hostdns_hold_ms(h));
	}
	assert_int_equal(hostdns_sync(h, z, &cause), 0);
	until_idle(h);
	/* 100 ms plus one write (here a few ms: fsync is ours), + slack */
	assert_true(util_now_ms() - last <= 150);
	text = util_read_file(path, 1 << 20, NULL);
	snprintf(name, sizeof(name), "\tg%d.berth\n", i - 1);
	assert_non_null(strstr(text, name));
	free(text);
	/* two fsyncs a write: 400 ms of churn, at most 5 writes and the last */
	writes = (fsync_count() - f0) / 2;
	assert_true(i > 100);
	assert_true(writes >= 2);
	assert_true(writes <= 6);

	hostdns_stop(h);
	dns_zone_free(z);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_async),
		cmocka_unit_test(test_gap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
