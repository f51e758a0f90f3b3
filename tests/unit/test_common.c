/* SPDX-License-Identifier: ISC */
/*
 * test_common.c - addresses, CIDRs, port specs and names.
 */
#include <sys/wait.h>

#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "addr.h"
#include "instance.h"
#include "name.h"
#include "port.h"
#include "run.h"
#include "util.h"

static void
test_addr_parse(void **state)
{
	uint32_t	 a;
	char		 b[ADDR_STRLEN];
	static const char *const bad[] = { "", "1.2.3", "1.2.3.4.5",
	    "256.1.1.1", "01.2.3.4", "1.2.3.4 ", " 1.2.3.4", "1..3.4",
	    "a.b.c.d", "1.2.3.-4", "1.2.3.4/8", NULL };
	size_t		 i;

	assert_int_equal(addr_parse("10.213.0.1", &a), 0);
	assert_int_equal(a, 0x0ad50001);
	assert_string_equal(addr_fmt(a, b), "10.213.0.1");
	assert_int_equal(addr_parse("0.0.0.0", &a), 0);
	assert_int_equal(a, 0);
	assert_int_equal(addr_parse("255.255.255.255", &a), 0);
	assert_int_equal(a, 0xffffffff);
	for (i = 0; bad[i] != NULL; i++)
		assert_int_equal(addr_parse(bad[i], &a), -1);
}

static void
test_cidr(void **state)
{
	struct cidr	 c, d;
	char		*cause = NULL, b[CIDR_STRLEN];

	assert_int_equal(cidr_parse("10.213.0.0/16", &c, &cause), 0);
	assert_string_equal(cidr_fmt(&c, b), "10.213.0.0/16");
	assert_int_equal(cidr_gateway(&c), 0x0ad50001);
	assert_int_equal(cidr_first(&c), 0x0ad50000);
	assert_int_equal(cidr_last(&c), 0x0ad5ffff);
	assert_int_equal(cidr_size(&c), 65536);
	assert_true(cidr_contains(&c, 0x0ad51234));
	assert_false(cidr_contains(&c, 0x0ad60000));
	assert_true(cidr_host_usable(&c, 0x0ad50002));
	assert_false(cidr_host_usable(&c, 0x0ad50000));
	assert_false(cidr_host_usable(&c, 0x0ad5ffff));

	assert_int_equal(cidr_parse("10.213.0.1/16", &d, &cause), -1);
	assert_non_null(strstr(cause, "host bits"));
	assert_int_equal(cidr_parse("10.213.0.0/33", &d, &cause), -1);
	assert_int_equal(cidr_parse("10.213.0.0", &d, &cause), -1);
	assert_int_equal(cidr_parse("10.213.0.0/", &d, &cause), -1);
	assert_int_equal(cidr_parse("garbage", &d, &cause), -1);
	assert_int_equal(cidr_parse("10.213.0.0/16", &d, &cause), 0);
	assert_true(cidr_overlap(&c, &d));
	assert_int_equal(cidr_parse("10.214.0.0/16", &d, &cause), 0);
	assert_false(cidr_overlap(&c, &d));
	assert_int_equal(cidr_parse("10.0.0.0/8", &d, &cause), 0);
	assert_true(cidr_overlap(&c, &d));
	free(cause);
}

static void
test_portspec_ok(void **state)
{
	struct portspec	 p;
	char		*cause = NULL, b[PORTSPEC_STRLEN];

	assert_int_equal(portspec_parse("8080:80", &p, &cause), 0);
	assert_int_equal(p.host_lo, 8080);
	assert_int_equal(p.host_hi, 8080);
	assert_int_equal(p.ctr_lo, 80);
	assert_int_equal(p.proto, PORT_TCP);
	assert_int_equal(p.host_addr, 0);
	assert_string_equal(portspec_fmt(&p, b), "8080:80/tcp");

	assert_int_equal(portspec_parse("127.0.0.1:5353:53/udp", &p, &cause),
	    0);
	assert_int_equal(p.host_addr, 0x7f000001);
	assert_int_equal(p.proto, PORT_UDP);
	assert_string_equal(portspec_fmt(&p, b), "127.0.0.1:5353:53/udp");

	assert_int_equal(portspec_parse("9000-9005:9100-9105", &p, &cause), 0);
	assert_int_equal(p.host_hi, 9005);
	assert_int_equal(p.ctr_hi, 9105);
	assert_int_equal(portspec_parse("1:65535/tcp,proxy", &p, &cause), 0);
	assert_true(p.flags & PORTSPEC_PROXY);
	assert_string_equal(portspec_fmt(&p, b), "1:65535/tcp,proxy");
	free(cause);
}

static void
test_portspec_bad(void **state)
{
	static const struct { const char *spec, *msg; } bad[] = {
		{ "0:80", "not a port" },
		{ "65536:80", "not a port" },
		{ "80:0", "not a port" },
		{ "80:65536", "not a port" },
		{ "9005-9000:9000-9005", "reversed" },
		{ "9000-9005:9000-9004", "length" },
		{ "80", "" },
		{ "80:80/sctp", "sctp" },
		{ "1.2.3:80:80", "" },
		{ "80:80 ", "space" },
		{ "", "empty" },
		{ "a:b", "not a port" },
		{ "80:80,bogus", "bogus" },
	};
	struct portspec	 p;
	char		*cause = NULL;
	size_t		 i;

	for (i = 0; i < nitems(bad); i++) {
		assert_int_equal(portspec_parse(bad[i].spec, &p, &cause), -1);
		if (strstr(cause, bad[i].msg) == NULL)
			fail_msg("%s: message \"%s\" lacks \"%s\"",
			    bad[i].spec, cause, bad[i].msg);
	}
	free(cause);
}

static void
test_portspec_conflict(void **state)
{
	struct portspec	 a, b;

	assert_int_equal(portspec_parse("8080:80", &a, NULL), 0);
	assert_int_equal(portspec_parse("8080:81", &b, NULL), 0);
	assert_true(portspec_conflict(&a, &b));
	assert_int_equal(portspec_parse("8080:80/udp", &b, NULL), 0);
	assert_false(portspec_conflict(&a, &b));
	assert_int_equal(portspec_parse("8070-8090:8070-8090", &b, NULL), 0);
	assert_true(portspec_conflict(&a, &b));
	/* every-address and one-address publishing collide */
	assert_int_equal(portspec_parse("127.0.0.1:8080:80", &b, NULL), 0);
	assert_true(portspec_conflict(&a, &b));
	assert_int_equal(portspec_parse("127.0.0.1:8080:80", &a, NULL), 0);
	assert_int_equal(portspec_parse("127.0.0.2:8080:80", &b, NULL), 0);
	assert_false(portspec_conflict(&a, &b));
}

static void
test_name(void **state)
{
	static const char *const bad[] = { "", "A", "a b", "a\"b", "a\nb",
	    "a{b", "a}b", "a*", "-a", "a-", "a.b", "a_b", "é", "a'b", NULL };
	char		*cause = NULL, q[96], l64[65];
	size_t		 i;

	assert_int_equal(name_check("web", "name", &cause), 0);
	assert_int_equal(name_check("a-1", "name", &cause), 0);
	assert_int_equal(name_check("0", "name", &cause), 0);
	for (i = 0; bad[i] != NULL; i++) {
		assert_int_equal(name_check(bad[i], "name", &cause), -1);
		assert_non_null(strstr(cause, "name"));
	}
	memset(l64, 'a', 64);
	l64[64] = '\0';
	assert_int_equal(name_check(l64, "name", &cause), -1);
	assert_non_null(strstr(cause, "63"));
	l64[63] = '\0';
	assert_int_equal(name_check(l64, "name", &cause), 0);
	/* quoting for messages never lets a newline or quote through */
	name_quote("a\"b\nc", q, sizeof(q));
	assert_null(strchr(q, '\n'));
	assert_null(strstr(q, "a\"b"));
	free(cause);
}

/* One variable-name check for `run -e` and stack files. */
static void
test_env_name(void **state)
{
	assert_int_equal(util_env_name_len("PATH=/bin"), 4);
	assert_int_equal(util_env_name_len("_x1"), 3);
	assert_int_equal(util_env_name_len("1X=a"), 0);
	assert_int_equal(util_env_name_len("=a"), 0);
	assert_int_equal(util_env_name_len("A-B=c"), 0);
	assert_int_equal(util_env_name_len(""), 0);
}

/* One way to run a program: found, fed, its output and status. */
static void
test_run(void **state)
{
	char	*out = NULL, *cause = NULL;
	char	*cat[] = { (char *)"cat", NULL };
	char	*bad[] = { (char *)"sh", (char *)"-c",
		    (char *)"echo it broke; exit 3", NULL };
	char	*none[] = { (char *)"no-such-program-here", NULL };

	assert_int_equal(run_cmd(cat, "hello\n", &out, NULL), 0);
	assert_string_equal(out, "hello\n");
	free(out);
	assert_int_equal(run_cmd(bad, NULL, NULL, &cause), -1);
	assert_string_equal(cause, "sh failed: it broke");
	free(cause);
	cause = NULL;
	assert_int_equal(run_cmd(none, NULL, NULL, &cause), -1);
	assert_non_null(strstr(cause, "command not found"));
	free(cause);
	assert_null(run_find("no-such-program-here"));
}

/*
 * run_start: each descriptor as asked (a pipe, /dev/null, a given fd),
 * the program by PATH, as given or by another path than argv[0], and
 * the child's word when exec fails.
 */
static void
test_run_start(void **state)
{
	char	*two[] = { (char *)"sh", (char *)"-c",
		    (char *)"echo out; echo err >&2; cat; exit 4", NULL };
	char	*me[] = { (char *)"named-otherwise", (char *)"-c",
		    (char *)"echo $0", NULL };
	char	*none[] = { (char *)"/no/such/program", NULL };
	struct run_spec	 sp = { .argv = two, .search = RUN_PATH,
		    .fd = { RUN_DEVNULL, RUN_PIPE, RUN_DEVNULL } };
	char	*buf = NULL, tmpl[] = "/tmp/test_run_XXXXXX";
	size_t	 len = 0;
	pid_t	 pid;
	int	 out, status, fd;

	/* stderr and stdin on /dev/null: only "out" comes, cat ends. */
	assert_true((pid = run_start(&sp, NULL, &out, NULL)) > 0);
	(void)run_pump(-1, out, NULL, &buf, &len, 1);
	close(out);
	assert_int_equal(run_wait(pid, &status), 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 4);
	assert_string_equal(buf, "out\n");
	free(buf);
	buf = NULL;
	len = 0;

	/* Both on the one pipe. */
	sp.fd[2] = RUN_PIPE;
	assert_true((pid = run_start(&sp, NULL, &out, NULL)) > 0);
	(void)run_pump(-1, out, NULL, &buf, &len, 1);
	close(out);
	assert_int_equal(run_wait(pid, &status), 0);
	assert_string_equal(buf, "out\nerr\n");
	free(buf);
	buf = NULL;
	len = 0;

	/* stderr to a file, stdout /dev/null; path beside argv[0]. */
	assert_true((fd = mkstemp(tmpl)) != -1);
	sp.argv = me;
	sp.path = "/bin/sh";
	sp.search = RUN_AS_GIVEN;
	sp.fd[1] = fd;
	sp.fd[2] = RUN_INHERIT;
	assert_true((pid = run_start(&sp, NULL, NULL, NULL)) > 0);
	assert_int_equal(run_wait(pid, &status), 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(fd);
	buf = util_read_file(tmpl, 4096, NULL);
	assert_string_equal(buf, "named-otherwise\n");
	free(buf);

	/* exec fails: 127, and errtag's line on stderr. */
	assert_true((fd = open(tmpl, O_WRONLY | O_TRUNC)) != -1);
	sp.argv = none;
	sp.path = NULL;
	sp.fd[1] = RUN_DEVNULL;
	sp.fd[2] = fd;
	sp.errtag = "tagged";
	assert_true((pid = run_start(&sp, NULL, NULL, NULL)) > 0);
	assert_int_equal(run_wait(pid, &status), 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 127);
	close(fd);
	buf = util_read_file(tmpl, 4096, NULL);
	assert_non_null(buf);
	assert_true(strncmp(buf, "tagged: cannot execute /no/such/program: ",
	    41) == 0);
	free(buf);
	unlink(tmpl);
}

/* The instance's settings: what a wrong one says. */
static void
test_instance(void **state)
{
	struct cidr	 pool;
	uint32_t	 t = 0;
	char		*cause = NULL;

	assert_int_equal(instance_table_parse("2301", "BERTH_TABLE", &t,
	    NULL), 0);
	assert_int_equal(t, 2301);
	assert_int_equal(instance_table_parse("hc", "BERTH_TABLE", &t,
	    &cause), -1);
	assert_string_equal(cause, "BERTH_TABLE \"hc\": a number is wanted "
	    "(a routing table, 1..252 or 256..2147483647)");
	free(cause);
	cause = NULL;
	assert_int_equal(instance_table_parse("254", "--table", &t, &cause),
	    -1);
	assert_non_null(strstr(cause, "--table: table 254 is reserved"));
	free(cause);
	cause = NULL;
	assert_int_equal(instance_pool_parse("10.0.0.0/30", "BERTH_POOL",
	    &pool, &cause), -1);
	assert_non_null(strstr(cause, "8..29"));
	free(cause);
	cause = NULL;
	assert_int_equal(instance_prefix_check("Berth", &cause), -1);
	free(cause);
	assert_int_equal(instance_prefix_check("brt_1", NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_parse),
		cmocka_unit_test(test_cidr),
		cmocka_unit_test(test_portspec_ok),
		cmocka_unit_test(test_portspec_bad),
		cmocka_unit_test(test_portspec_conflict),
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_env_name),
		cmocka_unit_test(test_instance),
		cmocka_unit_test(test_run),
		cmocka_unit_test(test_run_start),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
