/* SPDX-License-Identifier: ISC */
/*
 * cmd_rules.c - berth rules: the firewall rules berth loads.
 *
 *	berth rules [--format nft|pf]
 *	berth rules --dry-run -f STACK.json [--format nft|pf] [--egress IF]...
 *	    [--name TABLE]
 *
 * Without --dry-run it asks netd for the live ruleset (op "rules"). With
 * --dry-run it renders what the stack file would load, without netd, by
 * the builder and printer netd uses (pfrules/build.c), for the instance
 * the environment names (BERTH_PREFIX, BERTH_POOL, BERTH_TABLE, as for
 * the netd the CLI would start; --name replaces the prefix; without
 * BERTH_POOL the stack's "pool"): nft prints one script for `nft -f`,
 * pf every anchor netd would load, each under a line
 * "# pfctl -a PATH -f -". The format defaults to this system's
 * firewall; pf needs an egress interface and defaults to en0.
 */
#include <sys/utsname.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "cli.h"
#include "instance.h"
#include "pfrules.h"
#include "stack.h"
#include "util.h"

#define RULES_MAX_EGRESS	16
#define RULES_PF_EGRESS		"en0"

static const char *
rules_default_format(void)
{
	struct utsname	 u;

	if (uname(&u) == 0 && strcmp(u.sysname, "Darwin") == 0)
		return "pf";
	return "nft";
}

/* The head of the instance the dry run renders for. */
static int
rules_head(const struct stack *st, const char *name, char **egress,
    size_t negress, struct pfr_ruleset *head, char **cause)
{
	struct cidr	 pool = st->pool;
	uint32_t	 table = BERTH_DEFAULT_TABLE;

	/* A stack that sets its own pool is for the instance of that pool,
	 * unless BERTH_POOL names one (pfr_from_stack refuses a mismatch). */
	if (cli_cfg.pool != NULL && cli_pool(&pool, cause) == -1)
		return -1;
	if (cli_cfg.table != NULL && instance_table_parse(cli_cfg.table,
	    "BERTH_TABLE", &table, cause) == -1)
		return -1;
	if (name == NULL)
		name = cli_cfg.prefix != NULL ? cli_cfg.prefix :
		    BERTH_DEFAULT_PREFIX;
	pfr_head(head, name, &pool, table, egress, negress);
	return 0;
}

static int
rules_dry_run(const char *file, const char *format, const char *name,
    char **egress, size_t negress)
{
	struct stack		*st = NULL;
	struct pfr_ruleset	 head, *rs = NULL;
	struct cidr		 pool;
	char			*cause = NULL, *text = NULL;
	char			*pf_egress[] = { (char *)RULES_PF_EGRESS };
	int			 rc = 1;

	memset(&head, 0, sizeof(head));
	if (negress == 0 && strcmp(format, "pf") == 0) {
		egress = pf_egress;
		negress = 1;
	}
	if (cli_pool(&pool, &cause) == -1 ||
	    (st = stack_load(file, &pool, &cause)) == NULL ||
	    rules_head(st, name, egress, negress, &head, &cause) == -1 ||
	    (rs = pfr_from_stack(st, &head, &cause)) == NULL ||
	    (text = pfr_print(rs, format, &cause)) == NULL)
		goto out;
	fputs(text, stdout);
	rc = 0;
out:
	if (rc != 0)
		cli_error("rules", "%s", cause != NULL ? cause : "failed");
	free(cause);
	free(text);
	pfr_ruleset_clear(&head);
	pfr_ruleset_free(rs);
	stack_free(st);
	return rc;
}

static int
rules_live(const char *format)
{
	json_t		*args = json_object(), *data = NULL, *text;
	char		*cause = NULL;
	int		 rc = 1;

	if (format != NULL)
		json_object_set_new(args, "format", json_string(format));
	if (client_call("rules", args, &data, &cause) == -1) {
		cli_error("rules", "%s", cause);
		goto out;
	}
	if ((text = json_object_get(data, "text")) == NULL ||
	    !json_is_string(text)) {
		cli_error("rules", "netd sent no rule text");
		goto out;
	}
	fputs(json_string_value(text), stdout);
	rc = 0;
out:
	json_decref(data);
	free(cause);
	return rc;
}

int
cmd_rules(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "file", required_argument, NULL, 'f' },
		{ "format", required_argument, NULL, 'F' },
		{ "egress", required_argument, NULL, 'e' },
		{ "name", required_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 }
	};
	char		*egress[RULES_MAX_EGRESS];
	const char	*file = NULL, *format = NULL, *name = NULL;
	size_t		 negress = 0;
	int		 ch, dry = 0;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "nf:", opts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			dry = 1;
			break;
		case 'f':
			file = optarg;
			break;
		case 'F':
			if (strcmp(optarg, "nft") != 0 &&
			    strcmp(optarg, "pf") != 0) {
				cli_error("rules", "--format must be nft or "
				    "pf");
				return 1;
			}
			format = optarg;
			break;
		case 'e':
			if (negress == RULES_MAX_EGRESS) {
				cli_error("rules", "more than %d --egress",
				    RULES_MAX_EGRESS);
				return 1;
			}
			egress[negress++] = optarg;
			break;
		case 'N':
			name = optarg;
			break;
		default:
			return cli_usage("rules");
		}
	}
	if (optind != argc)
		return cli_usage("rules");
	if (!dry) {
		if (file != NULL || negress > 0 || name != NULL) {
			cli_error("rules", "-f, --egress and --name need "
			    "--dry-run");
			return 1;
		}
		return rules_live(format);
	}
	if (file == NULL) {
		cli_error("rules", "--dry-run needs -f FILE");
		return 1;
	}
	return rules_dry_run(file, format != NULL ? format :
	    rules_default_format(), name, egress, negress);
}
