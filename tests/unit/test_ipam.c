/* SPDX-License-Identifier: ISC */
/*
 * test_ipam.c - netd's address allocation.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "addr.h"
#include "ipam.h"

static struct ipam *
pool(const char *s)
{
	struct cidr	 c;
	struct ipam	*ip;

	assert_int_equal(cidr_parse(s, &c, NULL), 0);
	ip = ipam_new(&c, NULL);
	assert_non_null(ip);
	return ip;
}

static uint32_t
A(const char *s)
{
	uint32_t	 a;

	assert_int_equal(addr_parse(s, &a), 0);
	return a;
}

static void
test_alloc_order(void **state)
{
	struct ipam	*ip = pool("10.240.0.0/16");
	uint32_t	 a;

	(void)state;
	/* Network and gateway are skipped: the first is .2. */
	assert_int_equal(ipam_alloc(ip, &a, NULL), 0);
	assert_int_equal(a, A("10.240.0.2"));
	assert_int_equal(ipam_alloc(ip, &a, NULL), 0);
	assert_int_equal(a, A("10.240.0.3"));
	/* A requested address is skipped by later allocations. */
	assert_int_equal(ipam_reserve(ip, A("10.240.0.4"), NULL), 0);
	assert_int_equal(ipam_alloc(ip, &a, NULL), 0);
	assert_int_equal(a, A("10.240.0.5"));
	assert_int_equal(ipam_count(ip), 4);
	/* Released addresses are not reused at once (round robin). */
	ipam_release(ip, A("10.240.0.2"));
	assert_false(ipam_used(ip, A("10.240.0.2")));
	assert_int_equal(ipam_alloc(ip, &a, NULL), 0);
	assert_int_equal(a, A("10.240.0.6"));
	assert_int_equal(ipam_count(ip), 4);
	ipam_free(ip);
}

static void
test_reserve_errors(void **state)
{
	struct ipam	*ip = pool("10.240.0.0/16");
	char		*cause = NULL;

	(void)state;
	assert_int_equal(ipam_reserve(ip, A("10.9.0.1"), &cause), -1);
	assert_string_equal(cause, "address 10.9.0.1 is not in the pool "
	    "10.240.0.0/16");
	assert_int_equal(ipam_reserve(ip, A("10.240.0.1"), &cause), -1);
	assert_non_null(strstr(cause, "gateway"));
	assert_int_equal(ipam_reserve(ip, A("10.240.0.0"), &cause), -1);
	assert_non_null(strstr(cause, "not usable"));
	assert_int_equal(ipam_reserve(ip, A("10.240.255.255"), &cause), -1);
	assert_non_null(strstr(cause, "not usable"));
	assert_int_equal(ipam_reserve(ip, A("10.240.7.7"), &cause), 0);
	assert_int_equal(ipam_reserve(ip, A("10.240.7.7"), &cause), -1);
	assert_string_equal(cause, "address 10.240.7.7 is taken");
	/* Releasing twice, or outside the pool, changes nothing. */
	ipam_release(ip, A("10.240.7.7"));
	ipam_release(ip, A("10.240.7.7"));
	ipam_release(ip, A("192.168.0.1"));
	assert_int_equal(ipam_count(ip), 0);
	assert_int_equal(ipam_reserve(ip, A("10.240.7.7"), &cause), 0);
	free(cause);
	ipam_free(ip);
}

static void
test_full(void **state)
{
	struct ipam	*ip = pool("10.240.0.0/29");
	uint32_t	 a, got[8];
	char		*cause = NULL;
	int		 n = 0;

	(void)state;
	/* .0 network, .1 gateway, .7 broadcast: .2 to .6 are usable. */
	while (ipam_alloc(ip, &a, &cause) == 0)
		got[n++] = a;
	assert_int_equal(n, 5);
	assert_int_equal(got[0], A("10.240.0.2"));
	assert_int_equal(got[4], A("10.240.0.6"));
	assert_string_equal(cause, "the pool 10.240.0.0/29 is full");
	/* The search wraps around to a released address. */
	ipam_release(ip, A("10.240.0.3"));
	assert_int_equal(ipam_alloc(ip, &a, NULL), 0);
	assert_int_equal(a, A("10.240.0.3"));
	free(cause);
	ipam_free(ip);
}

static void
test_bad_pool(void **state)
{
	struct cidr	 c;
	char		*cause = NULL;

	(void)state;
	assert_int_equal(cidr_parse("10.0.0.0/30", &c, NULL), 0);
	assert_null(ipam_new(&c, &cause));
	assert_non_null(strstr(cause, "8..29"));
	assert_int_equal(cidr_parse("0.0.0.0/0", &c, NULL), 0);
	assert_null(ipam_new(&c, &cause));
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_order),
		cmocka_unit_test(test_reserve_errors),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_bad_pool),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
