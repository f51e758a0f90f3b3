/* SPDX-License-Identifier: ISC */
/*
 * test_route_linux.c - route_linux.c finds a link's index on its own
 * netlink socket (SIOCGIFINDEX), never through if_nametoindex(), which
 * opens and closes a socket per call: once per create and once per
 * teardown. if_nametoindex is this file's own, counting its calls (the
 * executable's definition is the one libnetd.a's objects bind to). No
 * root needed: the links asked for do not exist, and a missing link is
 * an answer of its own (setup fails with ENODEV, delete is done).
 */
#include <net/if.h>

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "route.h"

static int	 nametoindex_calls;

unsigned int
if_nametoindex(const char *ifname)
{
	(void)ifname;
	nametoindex_calls++;
	errno = ENODEV;
	return 0;
}

static void
test_setup_no_link(void **state)
{
	char	*cause = NULL;

	(void)state;
	nametoindex_calls = 0;
	assert_int_equal(route_iface_setup("brtnone0", 0x0af00002, 0x0af00001,
	    1500, 0, "berth:none", &cause), -1);
	assert_non_null(cause);
	assert_non_null(strstr(cause, "brtnone0"));
	assert_non_null(strstr(cause, strerror(ENODEV)));
	free(cause);
	assert_int_equal(nametoindex_calls, 0);
}

static void
test_delete_no_link(void **state)
{
	(void)state;
	nametoindex_calls = 0;
	assert_int_equal(route_iface_delete("brtnone0"), 0);
	/* a name longer than IFNAMSIZ names no link either */
	assert_int_equal(route_iface_delete("brtnone0123456789"), 0);
	assert_int_equal(nametoindex_calls, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_setup_no_link),
		cmocka_unit_test(test_delete_no_link),
	};
	int	 rc;

	rc = cmocka_run_group_tests(tests, NULL, NULL);
	route_close();
	return rc;
}
