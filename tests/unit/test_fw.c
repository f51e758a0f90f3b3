/* SPDX-License-Identifier: ISC */
/*
 * test_fw.c - running firewall jobs from the event loop, and the back
 * ends named by firewall (both build on every OS).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "addr.h"
#include "ev.h"
#include "fw.h"
#include "instance.h"
#include "pfrules.h"
#include "util.h"
#include "xmalloc.h"

#define BIG	(1024 * 1024)

static void
count_reload(void *arg)
{
	(*(int *)arg)++;
}

/*
 * A job whose child reads its stdin only after a while: queuing it
 * returns at once (the old code wrote all of stdin before returning),
 * the loop feeds it, and its result comes back (a failure reloads).
 */
static void
test_fw_feeds_from_loop(void **state)
{
	struct ev	*ev = ev_new();
	struct fw	*fw;
	char		*big = xmalloc(BIG + 1);
	int		 reloads = 0;
	long long	 t0;

	memset(big, 'x', BIG);
	big[BIG] = '\0';
	fw = fw_new(ev, count_reload, &reloads);
	t0 = util_now_ms();
	fw_submit(fw, fw_job_argv(big, "sh", FW_ARGS("-c",
	    "sleep 0.3; test \"$(wc -c)\" -eq 1048576")));
	fw_submit(fw, fw_job_argv(big, "sh", FW_ARGS("-c",
	    "test \"$(wc -c)\" -eq 7")));
	assert_true(util_now_ms() - t0 < 200);
	while (util_now_ms() - t0 < 5000 && reloads == 0)
		assert_int_not_equal(ev_run_once(ev, 100), -1);
	/* The first passed (all 1 MiB arrived), the second failed. */
	assert_int_equal(reloads, 1);
	assert_true(util_now_ms() - t0 >= 300);
	fw_free(fw);
	ev_free(ev);
	free(big);
}

/* fw_flush finishes a job the loop is still feeding. */
static void
test_fw_flush_midway(void **state)
{
	struct ev	*ev = ev_new();
	struct fw	*fw;
	char		*big = xmalloc(BIG + 1);
	int		 reloads = 0;

	memset(big, 'y', BIG);
	big[BIG] = '\0';
	fw = fw_new(ev, count_reload, &reloads);
	fw_submit(fw, fw_job_argv(big, "sh", FW_ARGS("-c",
	    "sleep 0.1; test \"$(wc -c)\" -eq 1048576")));
	fw_flush(fw);
	assert_int_equal(reloads, 0);
	fw_submit(fw, fw_job_argv(big, "sh", FW_ARGS("-c", "exit 3")));
	fw_flush(fw);
	assert_int_equal(reloads, 1);
	fw_free(fw);
	ev_free(ev);
	free(big);
}

static void
head(struct pfr_ruleset *rs)
{
	struct cidr	 pool;
	char		*eg[] = { (char *)"en0" };

	assert_int_equal(cidr_parse("10.240.0.0/16", &pool, NULL), 0);
	pfr_head(rs, "berth", &pool, BERTH_DEFAULT_TABLE, eg, 1);
}

/* pf: pfctl -E when there is no token, one -f per anchor; -X at unload. */
static void
test_fw_pf_jobs(void **state)
{
	struct pfr_ruleset	 rs;
	struct fw_job		*j, *jobs;
	char			*tok;
	int			 n = 0;

	head(&rs);
	assert_string_equal(fw_pf.format, "pf");
	jobs = fw_pf.load(&rs, "", NULL);
	assert_non_null(jobs);
	assert_string_equal(jobs->argv[1], "-E");
	assert_int_equal(jobs->token, 1);
	for (j = jobs->next; j != NULL; j = j->next, n++) {
		assert_string_equal(j->argv[1], "-a");
		assert_string_equal(j->argv[3], "-f");
	}
	assert_int_equal(n, 3);		/* the root anchor, nat, policy */
	fw_jobs_free(jobs);
	jobs = fw_pf.unload(&rs, "42", NULL);
	for (j = jobs; j->next != NULL; j = j->next)
		;
	assert_string_equal(j->argv[1], "-X");
	assert_string_equal(j->argv[2], "42");
	fw_jobs_free(jobs);
	tok = fw_pf.token("pf enabled\nToken : 1234\n");
	assert_string_equal(tok, "1234");
	free(tok);
	assert_null(fw_pf.token("nothing"));
	pfr_ruleset_clear(&rs);
}

/* nft: one nft -f - per operation; no token. */
static void
test_fw_nft_jobs(void **state)
{
	struct pfr_ruleset	 rs;
	struct fw_job		*jobs;

	head(&rs);
	assert_string_equal(fw_nft.format, "nft");
	jobs = fw_nft.load(&rs, NULL, NULL);
	assert_non_null(jobs);
	assert_null(jobs->next);
	assert_string_equal(jobs->argv[1], "-f");
	assert_non_null(strstr(jobs->input, "table inet berth"));
	assert_non_null(strstr(jobs->input, "meta mark set 0xd5"));
	fw_jobs_free(jobs);
	assert_null(fw_nft.token("Token : 1"));
	pfr_ruleset_clear(&rs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fw_feeds_from_loop),
		cmocka_unit_test(test_fw_flush_midway),
		cmocka_unit_test(test_fw_pf_jobs),
		cmocka_unit_test(test_fw_nft_jobs),
	};

	signal(SIGPIPE, SIG_IGN);	/* as in netd (main.c) */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
