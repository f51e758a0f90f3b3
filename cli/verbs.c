/* SPDX-License-Identifier: ISC */
/*
 * verbs.c - berth: the table of verbs, usage texts, option dispatch.
 *
 * DOC: how berth is put together
 * A table of verbs, each a function taking (argc, argv) with argv[0]
 * the verb, returning the exit status: 0, 1 for berth's own errors, or
 * a foreground container's status. Every verb talks to berth-netd over
 * the control socket (client.c), starting netd first when it is not
 * running. Usage texts live here, next to the table, and are what
 * berth(1) documents.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "cli.h"
#include "instance.h"
#include "log.h"
#include "util.h"

struct cli_config cli_cfg;

static int cmd_version(int, char **);
static int cmd_help(int, char **);

static const struct verb {
	const char	*name;
	int		(*fn)(int, char **);
	const char	*usage;
} verbs[] = {
	{ "run", cmd_run,
	  "run [-d] [-it] [--rm] [--name NAME] [-p SPEC]... [--net NET]... "
	  "[--ip IP]\n\t[--stack STACK] [--rootfs DIR] [-v HOSTDIR:DIR[:ro]]"
	  "... [--user USER]\n\t[-e KEY=VALUE]... [--env-file FILE]... "
	  "[-w DIR] [-h HOSTNAME]\n\t[-l KEY=VALUE]... [--restart POLICY] -- COMMAND [ARG]..." },
	{ "ps", cmd_ps, "ps [-a] [-q] [--format TEMPLATE] [--json]" },
	{ "logs", cmd_logs, "logs [-f] [-t] [-n N | --tail N] [--since WHEN] "
	  "NAME" },
	{ "exec", cmd_exec, "exec [-it] [-u USER] [-e KEY=VALUE]... [-w DIR] "
	  "NAME [--] COMMAND [ARG]..." },
	{ "start", cmd_start, "start NAME..." },
	{ "stop", cmd_stop, "stop [-t SECONDS] NAME..." },
	{ "restart", cmd_stop, "restart [-t SECONDS] NAME..." },
	{ "kill", cmd_kill, "kill [-s SIGNAL] NAME..." },
	{ "rm", cmd_rm, "rm [-f] NAME..." },
	{ "inspect", cmd_inspect, "inspect [-f TEMPLATE] NAME..." },
	{ "top", cmd_top, "top [--json] NAME" },
	{ "stats", cmd_stats, "stats [-a] [--no-stream] [--json] [NAME...]" },
	{ "port", cmd_port, "port [--json] NAME [PORT[/PROTO]]" },
	{ "net", cmd_net, "net create [--internal] NAME | net ls [--json] | "
	  "net rm NAME..." },
	{ "up", cmd_up, "up [-d] [--keep] [--json] [-f FILE]" },
	{ "down", cmd_down, "down [-f FILE]" },
	{ "config", cmd_config, "config [-f FILE]" },
	{ "rules", cmd_rules, "rules [--dry-run -f FILE] [--format nft|pf] "
	  "[--egress IF]... [--name TABLE]" },
	{ "policy", cmd_policy, "policy add [--before ID] FROM TO [PORT]... "
	  "allow|reject|drop\n\t| policy add -f OBJECT.json | policy rm ID... "
	  "| policy rm --stack STACK\n\t| policy rm --networkpolicy NAME "
	  "[--stack STACK] | policy ls [--json]\n\t| policy explain [--json] "
	  "FROM TO[:PORT[/PROTO]]" },
	{ "matrix", cmd_matrix, "matrix [-f FILE | --stack NAME] [--json] "
	  "[-p PORT]... [--outside ADDR:PORT]\n\t[--timeout MS]" },
	{ "rootfs", cmd_rootfs, "rootfs build DIR [--] BINARY..." },
	{ "capture", cmd_capture, "capture [-w FILE|-] [-c COUNT] [-C MB] "
	  "[-G SECONDS] [-W FILES] [--drops]\n\t[--all | [--stack] NAME] "
	  "[FILTER]" },
	{ "doctor", cmd_doctor, "doctor [--repair]" },
	{ "link", cmd_link, "link set A [B] [--delay T] [--jitter T] [--loss P] "
	  "[--loss-corr P]\n\t[--duplicate P] [--corrupt P] [--rate R] "
	  "[--queue N] [--mtu N] [--reorder]\n\t[--seed N] | link set "
	  "--from A --to B [OPTIONS] | link rm A [B] | link rm --from A\n\t"
	  "--to B | link rm --all | link ls [--json]" },
	{ "partition", cmd_partition, "partition A [B] [--reject]" },
	{ "heal", cmd_heal, "heal [A [B]]" },
	{ "version", cmd_version, "version" },
	{ "help", cmd_help, "help [VERB]" },
};

static void
usage_all(FILE *f)
{
	size_t	 i;

	fprintf(f, "usage: berth [-s SOCKET] [-f STACKFILE] VERB [OPTIONS]\n"
	    "       berth --version\n\nverbs:\n");
	for (i = 0; i < nitems(verbs); i++)
		fprintf(f, "  %s\n", verbs[i].usage);
	fprintf(f, "\nberth help VERB shows one verb; man berth has it all.\n");
}

static const struct verb *
verb_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < nitems(verbs); i++) {
		if (strcmp(verbs[i].name, name) == 0)
			return &verbs[i];
	}
	return NULL;
}

int
cli_subcommand(const char *verb, const struct cli_sub *subs, int argc,
    char **argv)
{
	const struct cli_sub	*s;

	if (argc < 2)
		return cli_usage(verb);
	for (s = subs; s->name != NULL; s++)
		if (strcmp(argv[1], s->name) == 0)
			return s->fn(argc - 1, argv + 1);
	cli_error(verb, "unknown subcommand \"%.40s\"", argv[1]);
	return cli_usage(verb);
}

int
cli_usage(const char *verb)
{
	const struct verb	*v = verb_find(verb);

	if (v != NULL)
		fprintf(stderr, "usage: berth %s\n", v->usage);
	return 1;
}

/* -h/--help as the first argument of a verb: usage on stdout, exit 0. */
static int
cli_help_wanted(int argc, char **argv, const char *verb)
{
	const struct verb	*v;

	/* run -h HOSTNAME is docker's --hostname: help only alone */
	if (argc < 2 || ((strcmp(argv[1], "-h") != 0 || argc > 2) &&
	    strcmp(argv[1], "--help") != 0))
		return 0;
	if ((v = verb_find(verb)) != NULL)
		printf("usage: berth %s\n", v->usage);
	return 1;
}

void
cli_error(const char *verb, const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "berth %s: ", verb);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int
cmd_version(int argc, char **argv)
{
	printf("berth %s\n", BERTH_VERSION);
	return 0;
}

static int
cmd_help(int argc, char **argv)
{
	const struct verb	*v;

	if (argc < 2) {
		usage_all(stdout);
		return 0;
	}
	if ((v = verb_find(argv[1])) == NULL) {
		cli_error("help", "no verb \"%.40s\"", argv[1]);
		return 1;
	}
	printf("usage: berth %s\n", v->usage);
	return 0;
}

static const char *
env_or(const char *name, const char *def)
{
	const char	*v = getenv(name);

	return v != NULL && *v != '\0' ? v : def;
}

/* The instance's pool: BERTH_POOL, or the default. */
int
cli_pool(struct cidr *pool, char **cause)
{
	if (cli_cfg.pool == NULL)
		return cidr_parse(BERTH_DEFAULT_POOL, pool, cause);
	return instance_pool_parse(cli_cfg.pool, "BERTH_POOL", pool, cause);
}

int
cli_main(int argc, char **argv)
{
	const struct verb	*v;
	int			 i = 1;

	log_init(LOG_TO_STDERR, 0);
	log_procinit("berth");
	cli_cfg.socket = env_or("BERTH_SOCKET", BERTH_DEFAULT_SOCKET);
	cli_cfg.pool = env_or("BERTH_POOL", NULL);
	cli_cfg.prefix = env_or("BERTH_PREFIX", NULL);
	cli_cfg.state_dir = env_or("BERTH_STATE_DIR", BERTH_DEFAULT_STATE_DIR);
	cli_cfg.table = env_or("BERTH_TABLE", NULL);

	while (i < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "-s") == 0 && i + 1 < argc) {
			cli_cfg.socket = argv[i + 1];
			i += 2;
		} else if ((strcmp(argv[i], "-f") == 0 ||
		    strcmp(argv[i], "--file") == 0) && i + 1 < argc) {
			cli_cfg.file = argv[i + 1];
			i += 2;
		} else if (strcmp(argv[i], "--version") == 0) {
			return cmd_version(0, NULL);
		} else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			usage_all(stdout);
			return 0;
		} else {
			fprintf(stderr, "berth: unknown option %.40s\n",
			    argv[i]);
			usage_all(stderr);
			return 1;
		}
	}
	if (i == argc) {
		usage_all(stderr);
		return 1;
	}
	if ((v = verb_find(argv[i])) == NULL) {
		fprintf(stderr, "berth: unknown verb \"%.40s\" (berth help "
		    "lists them)\n", argv[i]);
		return 1;
	}
	if (cli_help_wanted(argc - i, argv + i, v->name))
		return 0;
	return v->fn(argc - i, argv + i);
}
