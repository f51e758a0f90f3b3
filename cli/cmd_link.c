/* SPDX-License-Identifier: ISC */
/*
 * cmd_link.c - berth link set|rm|ls, berth partition, berth heal: link
 * emulation between containers (docs/links.md).
 */
#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "linkspec.h"
#include "util.h"

/*
 * The entry named by the operands: A (all its traffic), A B (both
 * ways), or --from A --to B (one way). Adds a, b, oneway to args.
 */
static int
link_key(int argc, char **argv, const char *from, const char *to,
    json_t *args, char **cause)
{
	int	 n = argc - optind;

	if ((from != NULL) != (to != NULL))
		return cause_set(cause, "--from and --to go together");
	if (from != NULL) {
		if (n != 0)
			return cause_set(cause, "--from/--to or names, not "
			    "both");
		json_object_set_new(args, "a", json_string(from));
		json_object_set_new(args, "b", json_string(to));
		json_object_set_new(args, "oneway", json_true());
		return 0;
	}
	if (n < 1 || n > 2)
		return cause_set(cause, "name one container or two");
	json_object_set_new(args, "a", json_string(argv[optind]));
	if (n == 2)
		json_object_set_new(args, "b", json_string(argv[optind + 1]));
	return 0;
}

/* The options of link set, and where each goes in the profile. */
enum link_opt_type { LO_DURATION, LO_PROB, LO_RATE, LO_COUNT, LO_FLAG,
    LO_SEED, LO_NAME };

static int
link_opt(struct link_profile *p, int ch, const char **from, const char **to,
    char **cause)
{
	static const struct {
		int			 ch;
		enum link_opt_type	 type;
		size_t			 off;
		unsigned long		 max;
	} opts[] = {
		{ 'd', LO_DURATION, offsetof(struct link_profile, delay_us), 0 },
		{ 'j', LO_DURATION, offsetof(struct link_profile, jitter_us),
		  0 },
		{ 'l', LO_PROB, offsetof(struct link_profile, loss), 0 },
		{ 'L', LO_PROB, offsetof(struct link_profile, loss_corr), 0 },
		{ 'D', LO_PROB, offsetof(struct link_profile, duplicate), 0 },
		{ 'c', LO_PROB, offsetof(struct link_profile, corrupt), 0 },
		{ 'r', LO_RATE, offsetof(struct link_profile, rate), 0 },
		{ 'q', LO_COUNT, offsetof(struct link_profile, queue),
		  LINKSPEC_QUEUE_MAX },
		{ 'm', LO_COUNT, offsetof(struct link_profile, mtu),
		  LINKSPEC_MTU_MAX },
		{ 'R', LO_FLAG, offsetof(struct link_profile, reorder), 0 },
		{ 's', LO_SEED, offsetof(struct link_profile, seed), INT64_MAX },
		{ 'f', LO_NAME, 0, 0 },
		{ 't', LO_NAME, 0, 0 },
	};
	char		*f;
	unsigned long	 ul;
	size_t		 i;

	for (i = 0; i < nitems(opts) && opts[i].ch != ch; i++)
		;
	if (i == nitems(opts))
		return cause_set(cause, "unknown option");
	f = (char *)p + opts[i].off;
	switch (opts[i].type) {
	case LO_DURATION:
		return linkspec_duration(optarg, (uint64_t *)(void *)f, cause);
	case LO_PROB:
		return linkspec_prob(optarg, (double *)(void *)f, cause);
	case LO_RATE:
		return linkspec_rate(optarg, (uint64_t *)(void *)f, cause);
	case LO_COUNT:
	case LO_SEED:
		if (util_parse_uint(optarg, opts[i].max, &ul) == -1)
			return cause_set(cause, "\"%.20s\" is not a number "
			    "up to %lu", optarg, opts[i].max);
		if (opts[i].type == LO_SEED) {
			p->seed = ul;
			p->seed_set = 1;
		} else
			*(uint32_t *)(void *)f = (uint32_t)ul;
		return 0;
	case LO_FLAG:
		*(int *)(void *)f = 1;
		return 0;
	case LO_NAME:
		*(ch == 'f' ? from : to) = optarg;
		return 0;
	}
	return -1;
}

static int
link_set(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "delay", required_argument, NULL, 'd' },
		{ "jitter", required_argument, NULL, 'j' },
		{ "loss", required_argument, NULL, 'l' },
		{ "loss-corr", required_argument, NULL, 'L' },
		{ "duplicate", required_argument, NULL, 'D' },
		{ "corrupt", required_argument, NULL, 'c' },
		{ "rate", required_argument, NULL, 'r' },
		{ "queue", required_argument, NULL, 'q' },
		{ "mtu", required_argument, NULL, 'm' },
		{ "reorder", no_argument, NULL, 'R' },
		{ "seed", required_argument, NULL, 's' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	struct link_profile	 p;
	const char		*from = NULL, *to = NULL;
	json_t			*args = NULL, *data = NULL;
	char			*cause = NULL;
	int			 ch, rc = 1, idx;

	linkspec_init(&p);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, &idx)) != -1) {
		if (ch == '?' || ch == ':')
			return cli_usage("link");
		if (link_opt(&p, ch, &from, &to, &cause) == -1) {
			cause_prefix(&cause, "--%s", opts[idx].name);
			goto out;
		}
	}
	args = json_object();
	if (linkspec_check(&p, &cause) == -1 ||
	    link_key(argc, argv, from, to, args, &cause) == -1) {
		json_decref(args);
		goto out;
	}
	json_object_set_new(args, "profile", linkspec_json(&p));
	if (client_call("link_set", args, &data, &cause) == -1)
		goto out;
	rc = 0;
out:
	if (rc != 0)
		cli_error("link", "%s", cause);
	json_decref(data);
	free(cause);
	return rc;
}

/* Operands and --from/--to into args; for rm, partition, heal. */
static int
link_named(const char *verb, const char *op, int argc, char **argv,
    int allow_all)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "all", no_argument, NULL, 'a' },
		{ "reject", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*from = NULL, *to = NULL;
	json_t		*args = json_object();
	char		*cause = NULL;
	int		 ch, all = 0, rc = 1;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			from = optarg;
			break;
		case 't':
			to = optarg;
			break;
		case 'a':
			all = 1;
			break;
		case 'r':
			if (strcmp(op, "partition") != 0)
				goto usage;
			json_object_set_new(args, "reject", json_true());
			break;
		default:
			goto usage;
		}
	}
	if (all && (!allow_all || optind != argc || from != NULL))
		goto usage;
	if (all)
		json_object_set_new(args, "all", json_true());
	else if (link_key(argc, argv, from, to, args, &cause) == -1) {
		cli_error(verb, "%s", cause);
		goto out;
	}
	if (client_do(op, args, &cause) == -1) {
		args = NULL;
		cli_error(verb, "%s", cause);
		goto out;
	}
	args = NULL;
	rc = 0;
	goto out;
usage:
	rc = cli_usage(verb);
out:
	json_decref(args);
	free(cause);
	return rc;
}

static void
link_ls_line(json_t *l)
{
	struct link_profile	 p;
	json_t			*c = json_object_get(l, "counters");
	const char		*kind = json_string_value(json_object_get(l,
				    "kind"));
	const char		*a = json_string_value(json_object_get(l,
				    "a"));
	const char		*b = json_string_value(json_object_get(l,
				    "b"));
	char			 who[140], prof[LINKSPEC_STRLEN];

	if (kind != NULL && strcmp(kind, "container") == 0)
		snprintf(who, sizeof(who), "%s (all)", a);
	else
		snprintf(who, sizeof(who), "%s %s %s", a, kind != NULL &&
		    strcmp(kind, "oneway") == 0 ? "->" : "<->", b);
	if (linkspec_from_json(json_object_get(l, "profile"), &p, NULL) == -1)
		snprintf(prof, sizeof(prof), "?");
	else
		linkspec_fmt(&p, prof, sizeof(prof));
	printf("%-24s %-40s %9lld %9lld %9lld %7lld\n", who, prof,
	    json_integer_value(json_object_get(c, "packets")),
	    json_integer_value(json_object_get(c, "delayed")),
	    json_integer_value(json_object_get(c, "dropped")),
	    json_integer_value(json_object_get(c, "queued")));
}

static int
link_ls(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 }
	};
	json_t		*data = NULL, *l, *m;
	char		*cause = NULL;
	int		 ch, json = 0;
	size_t		 i;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'J')
			return cli_usage("link");
		json = 1;
	}
	if (optind != argc)
		return cli_usage("link");
	if (client_call("link_list", NULL, &data, &cause) == -1) {
		cli_error("link", "%s", cause);
		free(cause);
		return 1;
	}
	if (json) {
		json_dumpf(data, stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		printf("%-24s %-40s %9s %9s %9s %7s\n", "LINK", "PROFILE",
		    "PACKETS", "DELAYED", "DROPPED", "QUEUED");
		json_array_foreach(json_object_get(data, "links"), i, l)
			link_ls_line(l);
		m = json_object_get(data, "memory");
		printf("held %lld of %lld bytes; %lld dropped at the cap\n",
		    json_integer_value(json_object_get(m, "held_bytes")),
		    json_integer_value(json_object_get(m, "max_bytes")),
		    json_integer_value(json_object_get(m, "drops")));
	}
	json_decref(data);
	return 0;
}

static int
link_rm(int argc, char **argv)
{
	return link_named("link", "link_rm", argc, argv, 1);
}

int
cmd_link(int argc, char **argv)
{
	static const struct cli_sub subs[] = {
		{ "set", link_set }, { "rm", link_rm }, { "ls", link_ls },
		{ NULL, NULL }
	};

	return cli_subcommand("link", subs, argc, argv);
}

int
cmd_partition(int argc, char **argv)
{
	return link_named("partition", "partition", argc, argv, 0);
}

int
cmd_heal(int argc, char **argv)
{
	char	*cause = NULL;

	if (argc > 1)
		return link_named("heal", "heal", argc, argv, 0);
	if (client_do("heal", NULL, &cause) == -1) {
		cli_error("heal", "%s", cause);
		free(cause);
		return 1;
	}
	return 0;
}
