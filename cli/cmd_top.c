/* SPDX-License-Identifier: ISC */
/*
 * cmd_top.c - berth top and berth stats: a container's processes.
 *
 * DOC: what top and stats measure
 * A container's processes are its main process, its descendants and its
 * process group (top.h). top lists them; stats sums them: CPU as the
 * share of one CPU used between two samples (100% = one CPU busy, as
 * docker counts), memory as the sum of resident sets, and the number of
 * processes. berth has no cgroup per container yet (issue 19 adds one),
 * so a process that leaves the group and its parent (a daemon that
 * double-forks and calls setsid) is not counted.
 */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "top.h"
#include "util.h"
#include "xmalloc.h"

static pid_t
top_leader(const struct ctrview *v)
{
	if (!ctrview_alive(v))
		return 0;
	return (pid_t)v->info.pid;
}

int
cmd_top(int argc, char **argv)
{
	struct top_proc	*p = NULL;
	struct passwd	*pw;
	struct ctrview	 ctr;
	json_t		*out = NULL;
	char		*cause = NULL, user[32];
	const char	*name;
	size_t		 n = 0, i;
	pid_t		 leader;
	int		 rc = 1, json;

	json = argc == 3 && strcmp(argv[1], "--json") == 0;
	if ((argc != 2 && !json) || argv[argc - 1][0] == '-')
		return cli_usage("top");
	name = argv[argc - 1];
	if (client_inspect(name, &ctr, &cause) == -1)
		goto err;
	if ((leader = top_leader(&ctr)) == 0) {
		cause_set(&cause, "container \"%s\" is not running", name);
		goto err;
	}
	if (top_procs(leader, &p, &n, &cause) == -1)
		goto err;
	out = json_array();
	if (!json)
		printf("%-10s %-8s %-8s %-10s %s\n", "UID", "PID", "PPID",
		    "TIME", "CMD");
	for (i = 0; i < n; i++) {
		if ((pw = getpwuid(p[i].uid)) != NULL)
			snprintf(user, sizeof(user), "%s", pw->pw_name);
		else
			snprintf(user, sizeof(user), "%u",
			    (unsigned int)p[i].uid);
		if (json) {
			json_array_append_new(out, json_pack("{s:s, s:i, s:i, "
			    "s:I, s:I, s:s}", "user", user, "pid",
			    (int)p[i].pid, "ppid", (int)p[i].ppid, "cpu_ms",
			    (json_int_t)p[i].cpu_ms, "rss", (json_int_t)
			    p[i].rss, "cmd", p[i].cmd));
			continue;
		}
		printf("%-10s %-8d %-8d %02llu:%02llu:%02llu %s\n", user,
		    (int)p[i].pid, (int)p[i].ppid,
		    (unsigned long long)(p[i].cpu_ms / 3600000),
		    (unsigned long long)(p[i].cpu_ms / 60000 % 60),
		    (unsigned long long)(p[i].cpu_ms / 1000 % 60), p[i].cmd);
	}
	if (json) {
		json_dumpf(out, stdout, JSON_INDENT(2));
		putchar('\n');
	}
	rc = 0;
	goto out;
err:
	cli_error("top", "%s", cause);
out:
	top_free(p, n);
	json_decref(out);
	ctrview_clear(&ctr);
	free(cause);
	return rc;
}

/* cpu ms, rss, number of processes of one container (0s when stopped). */
static void
stats_sample(const struct ctrview *ctr, uint64_t *cpu, uint64_t *rss,
    size_t *nproc)
{
	struct top_proc	*p = NULL;
	size_t		 n = 0, i;
	pid_t		 leader = top_leader(ctr);

	*cpu = *rss = 0;
	*nproc = 0;
	if (leader == 0 || top_procs(leader, &p, &n, NULL) == -1)
		return;
	for (i = 0; i < n; i++) {
		*cpu += p[i].cpu_ms;
		*rss += p[i].rss;
	}
	*nproc = n;
	top_free(p, n);
}

static const char *
stats_bytes(uint64_t b, char *buf, size_t len)
{
	if (b >= 1024ULL * 1024 * 1024)
		snprintf(buf, len, "%.2fGiB", (double)b / (1 << 30));
	else if (b >= 1024 * 1024)
		snprintf(buf, len, "%.2fMiB", (double)b / (1 << 20));
	else
		snprintf(buf, len, "%.2fKiB", (double)b / 1024);
	return buf;
}

/* One round: sample, wait, sample; print a table or JSON. */
static int
stats_round(const struct ctrviews *ctrs, int json, int clear)
{
	json_t		*out;
	uint64_t	*cpu0, cpu1, rss;
	size_t		 i, n = ctrs->n, np;
	long long	 t0, dt;
	double		 pct;
	char		 mem[32];

	cpu0 = xcalloc(n + 1, sizeof(*cpu0));
	for (i = 0; i < n; i++)
		stats_sample(&ctrs->v[i], &cpu0[i], &rss, &np);
	t0 = util_now_ms();
	usleep(500000);
	dt = util_now_ms() - t0;
	out = json_array();
	if (clear)
		printf("\033[H\033[2J");
	if (!json)
		printf("%-24s %-8s %-12s %s\n", "NAME", "CPU %", "MEM USAGE",
		    "PIDS");
	for (i = 0; i < n; i++) {
		stats_sample(&ctrs->v[i], &cpu1, &rss, &np);
		pct = dt > 0 && cpu1 >= cpu0[i] ? 100.0 *
		    (double)(cpu1 - cpu0[i]) / (double)dt : 0;
		if (json)
			json_array_append_new(out, json_pack("{s:s, s:f, "
			    "s:I, s:I}", "name", ctrs->v[i].name,
			    "cpu_percent", pct,
			    "mem_bytes", (json_int_t)rss, "pids",
			    (json_int_t)np));
		else
			printf("%-24s %-8.2f %-12s %zu\n", ctrs->v[i].name,
			    pct, stats_bytes(rss, mem, sizeof(mem)), np);
	}
	if (json) {
		json_dumpf(out, stdout, JSON_INDENT(2));
		putchar('\n');
	}
	fflush(stdout);
	json_decref(out);
	free(cpu0);
	return 0;
}

int
cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "no-stream", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'J' },
		{ "all", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	struct ctrviews	 ctrs, list;
	struct ctrview	 c;
	char		*cause = NULL;
	int		 ch, once = 0, json = 0, all = 0, i, rc = 1;
	size_t		 j;

	memset(&ctrs, 0, sizeof(ctrs));
	memset(&list, 0, sizeof(list));

	optind = 1;
	while ((ch = getopt_long(argc, argv, "a", opts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			once = 1;
			break;
		case 'J':
			json = once = 1;
			break;
		case 'a':
			all = 1;
			break;
		default:
			return cli_usage("stats");
		}
	}
	if (optind == argc) {
		if (ctrviews_list(&list, &cause) == -1)
			goto err;
		for (j = 0; j < list.n; j++) {
			if (ctrview_settle(&list.v[j]) == CTR_RUNNING || all)
				ctrviews_add(&ctrs, &list.v[j]);
		}
	}
	for (i = optind; i < argc; i++) {
		if (client_inspect(argv[i], &c, &cause) == -1)
			goto err;
		ctrviews_add(&ctrs, &c);
	}
	/* hold no netd connection while sampling */
	client_reset();
	/* without --no-stream, until interrupted */
	for (;;) {
		stats_round(&ctrs, json, !once && isatty(STDOUT_FILENO));
		if (once)
			break;
	}
	rc = 0;
	goto out;
err:
	cli_error("stats", "%s", cause);
out:
	ctrviews_clear(&ctrs);
	ctrviews_clear(&list);
	free(cause);
	return rc;
}
