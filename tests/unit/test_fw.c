/* SPDX-License-Identifier: ISC */
/*
 * test_fw.c - running firewall jobs from the event loop, and the back
 * ends named by firewall (both build on every OS); netd's nf_tables
 * writer (fw_nl.h) faked here: which changes go as batches, and where
 * they go when the writer is refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>
#include <unistd.h>

#include "addr.h"
#include "ev.h"
#include "fw.h"
#include "fw_nl.h"
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

/*
 * fw_free finishes the job at the head but reloads nothing when it
 * fails: its owner is going away (netd frees what a reload renders).
 */
static void
test_fw_free_no_reload(void **state)
{
	struct ev	*ev = ev_new();
	struct fw	*fw;
	int		 reloads = 0;

	fw = fw_new(ev, count_reload, &reloads);
	fw_submit(fw, fw_job_argv("", "sh", FW_ARGS("-c",
	    "sleep 0.1; exit 3")));
	fw_free(fw);
	assert_int_equal(reloads, 0);
	ev_free(ev);
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

/* ------------------------------------------------------------ session */

/*
 * A stand-in for `nft -i`: "start" in the log once per process, each
 * line it reads in the log; "fence" is answered, a line with "fail"
 * is an error, one with "die" ends it.
 */
static char	 slog[] = "/tmp/berth-test-fw.XXXXXX";
static char	 sscript[512];
static const char *sargv[] = { "sh", "-c", sscript, NULL };
static const char *change_text = "add x\n";
static int	 off_session;		/* the session exits at once */

static struct fw_job *
s_change(const struct pfr_ruleset *rs, const struct pfr_container *c,
    const struct pfr_port *p, size_t n, int add, char **cause)
{
	char	 cmd[600];

	/* Run as a job (no session): append the text to the log. */
	snprintf(cmd, sizeof(cmd), "cat >>%s", slog);
	return fw_job_argv(change_text, "sh", FW_ARGS("-c", cmd));
}

static struct fw_job *
s_load(const struct pfr_ruleset *rs, const char *token, char **cause)
{
	char	 cmd[600];

	snprintf(cmd, sizeof(cmd), "echo full >>%s", slog);
	return fw_job_argv(NULL, "sh", FW_ARGS("-c", cmd));
}

static char *
s_token(const char *output)
{
	return NULL;
}

static const struct fw_backend s_backend = {
	"nft", s_load, s_change, s_load, s_token, sargv, "fence\n",
	"fenced", NULL, 0,
};

static void
s_setup(void)
{
	int	 fd;

	strcpy(slog, "/tmp/berth-test-fw.XXXXXX");
	assert_int_not_equal(fd = mkstemp(slog), -1);
	close(fd);
	snprintf(sscript, sizeof(sscript), "%s"
	    "echo start >>%s; while IFS= read -r l; do case $l in "
	    "fence) echo fenced;; *die*) exit 3;; "
	    "*fail*) echo \"Error: no such element\"; echo \"$l\" >>%s;; "
	    "*) echo \"$l\" >>%s;; esac; done", off_session ? "exit 0; " : "",
	    slog, slog, slog);
}

/* The log's lines, and how many are exactly line. */
static size_t
s_count(const char *line, size_t *total)
{
	FILE	*f = fopen(slog, "r");
	char	 buf[4096];
	size_t	 n = 0, all = 0;

	assert_non_null(f);
	while (fgets(buf, sizeof(buf), f) != NULL) {
		buf[strcspn(buf, "\n")] = '\0';
		all++;
		if (strcmp(buf, line) == 0)
			n++;
	}
	fclose(f);
	if (total != NULL)
		*total = all;
	return n;
}

static struct fw	*s_fwp;

/* Like netd's: count, and queue the full load. */
static void
s_reload(void *arg)
{
	struct pfr_ruleset	 rs;

	(*(int *)arg)++;
	head(&rs);
	fw_reload(s_fwp, &rs);
	pfr_ruleset_clear(&rs);
}

static struct fw *
s_fw(struct ev *ev, int *reloads)
{
	struct fw	*fw = fw_new(ev, s_reload, reloads);

	fw_set_backend(fw, &s_backend);
	s_fwp = fw;
	return fw;
}

static void
s_change_n(struct fw *fw, int n)
{
	struct pfr_ruleset	 rs;

	head(&rs);
	while (n-- > 0)
		assert_int_equal(fw_change(fw, &rs, NULL, NULL, 0, 1, NULL),
		    0);
	pfr_ruleset_clear(&rs);
}

/* Run the loop until the session answered everything (or 10 s). */
static void
s_settle(struct ev *ev, struct fw *fw)
{
	struct fw_stats	 st;
	long long	 t0 = util_now_ms();

	do {
		assert_int_not_equal(ev_run_once(ev, 20), -1);
		fw_stats(fw, &st);
	} while (st.inflight > 0 && util_now_ms() - t0 < 10000);
	assert_int_equal(st.inflight, 0);
}

/*
 * 300 changes start one process, not 300: those of one loop round go
 * as one batch; a change's lines become one line (one transaction).
 */
static void
test_fw_session_one_process(void **state)
{
	struct ev	*ev = ev_new();
	struct fw	*fw;
	struct fw_stats	 st;
	int		 reloads = 0, i;
	size_t		 total;

	s_setup();
	fw = s_fw(ev, &reloads);
	s_change_n(fw, 100);		/* one round */
	s_settle(ev, fw);
	fw_stats(fw, &st);
	assert_int_equal(st.batches, 1);
	for (i = 0; i < 200; i++) {	/* one a round */
		s_change_n(fw, 1);
		assert_int_not_equal(ev_run_once(ev, 0), -1);
	}
	change_text = "add y\nadd z\n";
	s_change_n(fw, 1);
	s_settle(ev, fw);
	change_text = "add x\n";
	fw_stats(fw, &st);
	assert_int_equal(st.spawns, 1);
	assert_int_equal(st.changes, 301);
	assert_true(st.batches >= 2 && st.batches <= 202);
	assert_int_equal(st.failures, 0);
	assert_true(st.session > 0);
	assert_int_equal(s_count("start", NULL), 1);
	assert_int_equal(s_count("add x", NULL), 300);
	assert_int_equal(s_count("add y; add z", &total), 1);
	assert_int_equal(total, 302);
	assert_int_equal(reloads, 0);
	fw_free(fw);
	ev_free(ev);
	unlink(slog);
}

/* A batch that fails is counted and repaired by a full load. */
static void
test_fw_session_failure(void **state)
{
	struct ev	*ev = ev_new();
	struct fw	*fw;
	struct fw_stats	 st;
	int		 reloads = 0;

	s_setup();
	fw = s_fw(ev, &reloads);
	change_text = "add fail\n";
	s_change_n(fw, 1);
	s_settle(ev, fw);
	change_text = "add x\n";
	assert_int_equal(reloads, 1);
	s_change_n(fw, 1);
	s_settle(ev, fw);
	fw_stats(fw, &st);
	assert_int_equal(st.failures, 1);
	assert_int_equal(st.spawns, 2);	/* the session, the load */
	assert_int_equal(reloads, 1);
	assert_int_equal(s_count("add x", NULL), 1);
	assert_int_equal(s_count("full", NULL), 1);
	assert_int_equal(s_count("start", NULL), 1);
	fw_free(fw);
	ev_free(ev);
	unlink(slog);
}

/*
 * The session dies: it is reaped, everything is loaded again, and the
 * next change starts a new one.
 */
static void
test_fw_session_death(void **state)
{
	struct ev	*ev = ev_new();
	struct fw	*fw;
	struct fw_stats	 st;
	int		 reloads = 0;
	long long	 t0;

	s_setup();
	fw = s_fw(ev, &reloads);
	s_change_n(fw, 3);
	s_settle(ev, fw);
	change_text = "die\n";
	s_change_n(fw, 1);
	change_text = "add x\n";
	t0 = util_now_ms();
	while (reloads == 0 && util_now_ms() - t0 < 10000)
		assert_int_not_equal(ev_run_once(ev, 20), -1);
	assert_int_equal(reloads, 1);
	fw_stats(fw, &st);
	assert_int_equal(st.restarts, 1);
	assert_int_equal(st.session, -1);
	s_change_n(fw, 2);
	s_settle(ev, fw);
	fw_flush(fw);
	fw_stats(fw, &st);
	assert_true(st.session > 0);
	assert_int_equal(s_count("start", NULL), 2);
	assert_int_equal(s_count("add x", NULL), 5);
	assert_int_equal(s_count("full", NULL), 1);	/* the reload */
	fw_free(fw);
	ev_free(ev);
	unlink(slog);
}

/* The @direct set: "direct on" / "direct off" (direct_fail: "fail"). */
static int	 direct_fail;

static struct fw_job *
s_direct(const struct pfr_ruleset *rs, int on, char **cause)
{
	char	 cmd[600];

	snprintf(cmd, sizeof(cmd), "cat >>%s", slog);
	return fw_job_argv(direct_fail ? "direct fail\n" : on ?
	    "direct on\n" : "direct off\n", "sh", FW_ARGS("-c", cmd));
}

static const struct fw_backend s_backend_direct = {
	"nft", s_load, s_change, s_load, s_token, sargv, "fence\n",
	"fenced", s_direct, 0,
};

/* The log, its lines joined by ','. */
static void
s_log(char *got, size_t len)
{
	FILE	*f;
	char	 buf[256];

	got[0] = '\0';
	assert_non_null(f = fopen(slog, "r"));
	while (fgets(buf, sizeof(buf), f) != NULL) {
		buf[strcspn(buf, "\n")] = ',';
		strncat(got, buf, len - strlen(got) - 1);
	}
	fclose(f);
}

/* The log's last line. */
static void
s_last(char *buf, size_t len)
{
	FILE	*f = fopen(slog, "r");

	assert_non_null(f);
	buf[0] = '\0';
	while (fgets(buf, (int)len, f) != NULL)
		;
	buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/*
 * Leaving the set is done, after every change queued before it, when
 * fw_direct returns, without the loop; a failure has been repaired by
 * a full load by then. Coming back is queued.
 */
static void
test_fw_direct(void **state)
{
	struct ev		*ev = ev_new();
	struct fw		*fw;
	struct pfr_ruleset	 rs;
	char			 last[256];
	int			 reloads = 0;

	s_setup();
	fw = s_fw(ev, &reloads);
	fw_set_backend(fw, &s_backend_direct);
	head(&rs);
	s_change_n(fw, 3);
	assert_int_equal(fw_direct(fw, &rs, 0, NULL), 0);
	assert_int_equal(s_count("add x", NULL), 3);
	s_last(last, sizeof(last));
	assert_string_equal(last, "direct off");
	assert_int_equal(fw_direct(fw, &rs, 1, NULL), 0);
	assert_int_equal(s_count("direct on", NULL), 0);
	s_settle(ev, fw);
	assert_int_equal(s_count("direct on", NULL), 1);
	direct_fail = 1;
	assert_int_equal(fw_direct(fw, &rs, 0, NULL), 0);
	direct_fail = 0;
	assert_int_equal(reloads, 1);
	assert_int_equal(s_count("full", NULL), 1);
	s_last(last, sizeof(last));
	assert_string_equal(last, "full");
	/* a back end without the set: nothing at all */
	fw_set_backend(fw, &s_backend);
	assert_int_equal(fw_direct(fw, &rs, 0, NULL), 0);
	assert_int_equal(s_count("direct off", NULL), 1);
	pfr_ruleset_clear(&rs);
	fw_free(fw);
	ev_free(ev);
	unlink(slog);
}

/* A full load waits for the changes before it; later ones wait for it. */
static void
test_fw_session_order(void **state)
{
	struct ev	*ev = ev_new();
	struct fw	*fw;
	struct fw_job	*full;
	char		 got[256];
	int		 reloads = 0;

	s_setup();
	fw = s_fw(ev, &reloads);
	change_text = "add 1\n";
	s_change_n(fw, 1);
	full = s_load(NULL, NULL, NULL);
	full->full = 1;
	fw_submit(fw, full);
	change_text = "add 2\n";
	s_change_n(fw, 1);
	change_text = "add x\n";
	fw_flush(fw);
	s_log(got, sizeof(got));
	assert_string_equal(got, "start,add 1,full,add 2,");
	fw_free(fw);
	ev_free(ev);
	unlink(slog);
}

/* A session that never answers (no nft -i): one process per change. */
static void
test_fw_session_fallback(void **state)
{
	struct ev	*ev = ev_new();
	struct fw	*fw;
	struct fw_stats	 st;
	int		 reloads = 0;

	off_session = 1;
	s_setup();
	off_session = 0;
	fw = s_fw(ev, &reloads);
	s_change_n(fw, 1);
	s_settle(ev, fw);
	fw_flush(fw);
	assert_int_equal(reloads, 1);
	s_change_n(fw, 2);
	fw_flush(fw);
	fw_stats(fw, &st);
	assert_int_equal(st.session, -1);
	assert_int_equal(st.spawns, 4);	/* the session, the load, 2 */
	assert_int_equal(s_count("add x", NULL), 2);
	fw_free(fw);
	ev_free(ev);
	unlink(slog);
}

/* ------------------------------------------------------------ netlink */

/*
 * netd's nf_tables writer, faked: these four replace fw_nl_linux.c (or
 * fw_nl_darwin.c) in this binary, so no batch reaches a kernel. A batch
 * is the change's text; one applied goes to the log as "nl TEXT".
 * nl_open_fail: the socket cannot be had; nl_refuse[i]: the errno the
 * i-th batch sent is refused with (0: applied).
 */
struct fw_nl {
	int	 open;
};

static struct fw_nl	 nl_sock;
static int		 nl_open_fail;
static int		 nl_refuse[8];
static int		 nl_opened, nl_encoded, nl_sent;

struct fw_nl *
fw_nl_open(char **cause)
{
	if (nl_open_fail) {
		(void)cause_set(cause, "netlink socket: refused by the test");
		return NULL;
	}
	assert_int_equal(nl_sock.open, 0);
	nl_sock.open = 1;
	nl_opened++;
	return &nl_sock;
}

void
fw_nl_close(struct fw_nl *nl)
{
	if (nl == NULL)
		return;
	assert_ptr_equal(nl, &nl_sock);
	nl->open = 0;
}

int
fw_nl_encode(const struct pfr_ruleset *rs, const struct pfr_container *c,
    const struct pfr_port *ports, size_t nports, int add, char **batch,
    size_t *len, char **cause)
{
	*len = strcspn(change_text, "\n");
	*batch = xstrdup(change_text);
	(*batch)[*len] = '\0';
	nl_encoded++;
	return 0;
}

int
fw_nl_send(struct fw_nl *nl, char *batch, size_t len, char **cause)
{
	FILE	*f;
	int	 err;

	assert_int_equal(nl->open, 1);
	assert_true((size_t)nl_sent < nitems(nl_refuse));
	if ((err = nl_refuse[nl_sent++]) != 0) {
		(void)cause_set(cause, "nfnetlink: the batch: %s",
		    strerror(err));
		errno = err;
		return -1;
	}
	assert_non_null(f = fopen(slog, "a"));
	fprintf(f, "nl %.*s\n", (int)len, batch);
	fclose(f);
	return 0;
}

static const struct fw_backend s_backend_nl = {
	"nft", s_load, s_change, s_load, s_token, sargv, "fence\n",
	"fenced", s_direct, 1,
};

static struct fw *
nl_fw(struct ev *ev, int *reloads)
{
	struct fw	*fw;

	nl_open_fail = 0;
	memset(nl_refuse, 0, sizeof(nl_refuse));
	nl_opened = nl_encoded = nl_sent = 0;
	nl_sock.open = 0;	/* a failed test may have left it */
	s_setup();
	fw = s_fw(ev, reloads);
	fw_set_backend(fw, &s_backend_nl);
	return fw;
}

static void
s_change_text(struct fw *fw, const char *text)
{
	change_text = text;
	s_change_n(fw, 1);
	change_text = "add x\n";
}

/*
 * The first batch is refused as something the kernel does not support
 * (an old kernel): nothing of it was applied, so the change goes to the
 * session, and so do the changes queued behind it, in order; nothing is
 * counted as failed or reloaded, and the writer stays off: later
 * changes are not encoded, the direct path's sets go to the session too.
 */
static void
test_fw_nl_first_refused(void **state)
{
	struct ev		*ev = ev_new();
	struct fw		*fw;
	struct fw_stats		 st;
	struct pfr_ruleset	 rs;
	char			 got[512];
	int			 reloads = 0;

	fw = nl_fw(ev, &reloads);
	nl_refuse[0] = EOPNOTSUPP;
	s_change_text(fw, "add 1\n");
	s_change_text(fw, "add 2\n");
	s_change_text(fw, "add 3\n");
	s_settle(ev, fw);
	assert_int_equal(nl_sent, 1);
	assert_int_equal(nl_sock.open, 0);	/* closed */
	s_log(got, sizeof(got));
	assert_string_equal(got, "start,add 1,add 2,add 3,");
	fw_stats(fw, &st);
	assert_int_equal(st.netlink, 0);
	assert_int_equal(st.failures, 0);
	assert_int_equal(st.changes, 3);
	assert_true(st.session > 0);
	assert_int_equal(reloads, 0);

	s_change_text(fw, "add 4\n");
	head(&rs);
	assert_int_equal(fw_direct(fw, &rs, 1, NULL), 0);
	pfr_ruleset_clear(&rs);
	s_settle(ev, fw);
	assert_int_equal(nl_encoded, 3);
	assert_int_equal(nl_sent, 1);
	assert_int_equal(nl_opened, 1);
	s_log(got, sizeof(got));
	assert_string_equal(got, "start,add 1,add 2,add 3,add 4,direct on,");
	fw_stats(fw, &st);
	assert_int_equal(st.spawns, 1);		/* the session alone */
	assert_int_equal(st.netlink, 0);
	assert_int_equal(st.failures, 0);
	assert_int_equal(reloads, 0);
	fw_free(fw);
	ev_free(ev);
	unlink(slog);
}

/*
 * A refused batch that is a failed change: batch AT (0: the first)
 * refused with ERR, of three changes, one a round: counted, repaired by
 * a full load, the writer still on; the log as WANT.
 */
static void
nl_repaired(int at, int err, const char *want)
{
	struct ev	*ev = ev_new();
	struct fw	*fw;
	struct fw_stats	 st;
	char		 got[512], text[16];
	int		 reloads = 0, i;

	fw = nl_fw(ev, &reloads);
	nl_refuse[at] = err;
	for (i = 1; i <= 3; i++) {
		snprintf(text, sizeof(text), "add %d\n", i);
		s_change_text(fw, text);
		s_settle(ev, fw);
	}
	s_log(got, sizeof(got));
	assert_string_equal(got, want);
	fw_stats(fw, &st);
	assert_int_equal(st.netlink, 2);
	assert_int_equal(st.failures, 1);
	assert_int_equal(st.session, -1);
	assert_int_equal(reloads, 1);
	assert_int_equal(nl_sock.open, 1);
	fw_free(fw);
	ev_free(ev);
	unlink(slog);
}

/*
 * A first batch refused for its elements (ENOENT: not a kernel without
 * something it uses) fails like any later one.
 */
static void
test_fw_nl_first_failed(void **state)
{
	nl_repaired(0, ENOENT, "full,nl add 2,nl add 3,");
}

/* Once a batch was applied, a refused one fails whatever the errno. */
static void
test_fw_nl_later_refused(void **state)
{
	nl_repaired(1, EOPNOTSUPP, "nl add 1,full,nl add 3,");
}

/* No socket: nothing is encoded, every change goes to the session. */
static void
test_fw_nl_no_socket(void **state)
{
	struct ev	*ev = ev_new();
	struct fw	*fw;
	struct fw_stats	 st;
	char		 got[512];
	int		 reloads = 0;

	fw = nl_fw(ev, &reloads);
	nl_open_fail = 1;
	s_change_text(fw, "add 1\n");
	s_change_text(fw, "add 2\n");
	s_settle(ev, fw);
	s_log(got, sizeof(got));
	assert_string_equal(got, "start,add 1,add 2,");
	assert_int_equal(nl_encoded, 0);
	assert_int_equal(nl_sent, 0);
	fw_stats(fw, &st);
	assert_int_equal(st.netlink, 0);
	assert_int_equal(st.failures, 0);
	assert_int_equal(st.changes, 2);
	assert_int_equal(reloads, 0);
	fw_free(fw);
	ev_free(ev);
	unlink(slog);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fw_feeds_from_loop),
		cmocka_unit_test(test_fw_flush_midway),
		cmocka_unit_test(test_fw_free_no_reload),
		cmocka_unit_test(test_fw_pf_jobs),
		cmocka_unit_test(test_fw_nft_jobs),
		cmocka_unit_test(test_fw_session_one_process),
		cmocka_unit_test(test_fw_session_failure),
		cmocka_unit_test(test_fw_session_death),
		cmocka_unit_test(test_fw_session_order),
		cmocka_unit_test(test_fw_direct),
		cmocka_unit_test(test_fw_session_fallback),
		cmocka_unit_test(test_fw_nl_first_refused),
		cmocka_unit_test(test_fw_nl_first_failed),
		cmocka_unit_test(test_fw_nl_later_refused),
		cmocka_unit_test(test_fw_nl_no_socket),
	};

	signal(SIGPIPE, SIG_IGN);	/* as in netd (main.c) */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
