/* SPDX-License-Identifier: ISC */
/*
 * cmd_policy.c - berth policy add|rm|ls|explain.
 *
 * DOC: the policy verbs
 * Rules live in netd (docs/policy.md): `add` appends one (or inserts it
 * before another with --before), `rm` removes rules by number, a
 * stack's with --stack, a NetworkPolicy by name; `ls` shows them in
 * order with the flows each decided; `explain` asks netd for the
 * verdict of one flow and why, without sending a packet. The model
 * checks everything (common/policy.c); the messages name the field.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util.h"
#include "xmalloc.h"

static int
policy_add(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "before", required_argument, NULL, 'b' },
		{ "file", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	json_error_t	 err;
	json_t		*rule = NULL, *ports, *data = NULL, *args;
	const char	*file = NULL;
	char		*cause = NULL;
	unsigned long	 before = 0;
	int		 ch, i, rc = 1;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "f:", opts, NULL)) != -1) {
		switch (ch) {
		case 'b':
			if (util_parse_uint(optarg, 1000000000, &before) == -1 ||
			    before == 0) {
				cli_error("policy", "--before: \"%.20s\" is not "
				    "a rule number", optarg);
				return 1;
			}
			break;
		case 'f':
			file = optarg;
			break;
		default:
			return cli_usage("policy");
		}
	}
	if (file != NULL) {
		if (optind != argc)
			return cli_usage("policy");
		if ((rule = json_load_file(file, 0, &err)) == NULL) {
			cli_error("policy", "%s:%d: %s", file, err.line,
			    err.text);
			return 1;
		}
	} else {
		if (argc - optind < 3)
			return cli_usage("policy");
		ports = json_array();
		for (i = optind + 2; i < argc - 1; i++)
			json_array_append_new(ports, json_string(argv[i]));
		rule = json_pack("{s:s, s:s, s:o, s:s}", "from", argv[optind],
		    "to", argv[optind + 1], "ports", ports, "action",
		    argv[argc - 1]);
	}
	args = json_pack("{s:o}", "rule", rule);
	if (before != 0)
		json_object_set_new(args, "before", json_integer(
		    (json_int_t)before));
	if (client_call("policy_add", args, &data, &cause) == -1) {
		cli_error("policy", "%s", cause);
		goto out;
	}
	if (json_object_get(data, "id") != NULL)
		printf("%lld\n", (long long)json_integer_value(
		    json_object_get(data, "id")));
	else
		printf("%s\n", json_string_value(json_object_get(data,
		    "name")));
	rc = 0;
out:
	json_decref(data);
	free(cause);
	return rc;
}

static int
policy_rm(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "stack", required_argument, NULL, 's' },
		{ "networkpolicy", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*stack = NULL, *knp = NULL;
	unsigned long	 id;
	char		*cause = NULL;
	json_t		*args;
	int		 ch, i, rc = 0;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 's')
			stack = optarg;
		else if (ch == 'n')
			knp = optarg;
		else
			return cli_usage("policy");
	}
	if ((stack != NULL || knp != NULL) && optind == argc) {
		args = json_object();
		if (stack != NULL)
			json_object_set_new(args, "stack", json_string(stack));
		if (knp != NULL)
			json_object_set_new(args, "networkpolicy",
			    json_string(knp));
		if (client_do("policy_rm", args, &cause) == -1) {
			cli_error("policy", "%s", cause);
			rc = 1;
		}
		free(cause);
		return rc;
	}
	if (optind == argc || stack != NULL || knp != NULL)
		return cli_usage("policy");
	for (i = optind; i < argc; i++) {
		if (util_parse_uint(argv[i], 1000000000, &id) == -1) {
			cli_error("policy", "\"%.20s\" is not a rule number",
			    argv[i]);
			rc = 1;
			continue;
		}
		if (client_do("policy_rm", json_pack("{s:I}", "id",
		    (json_int_t)id), &cause) == -1) {
			cli_error("policy", "%s", cause);
			rc = 1;
		}
	}
	free(cause);
	return rc;
}

static void
policy_print(json_t *pol)
{
	json_t		*r, *p;
	const char	*stack;
	char		 ports[256];
	size_t		 i, j, o;

	printf("%-4s %-20s %-20s %-20s %-7s %8s %s\n", "ID", "FROM", "TO",
	    "PORTS", "ACTION", "HITS", "STACK");
	json_array_foreach(json_object_get(pol, "rules"), i, r) {
		o = 0;
		ports[0] = '\0';
		json_array_foreach(json_object_get(r, "ports"), j, p)
			if (o < sizeof(ports))
				o += (size_t)snprintf(ports + o,
				    sizeof(ports) - o, "%s%s", j ? "," : "",
				    json_string_value(p));
		stack = json_string_value(json_object_get(r, "stack"));
		printf("%-4lld %-20s %-20s %-20s %-7s %8lld %s\n", (long long)
		    json_integer_value(json_object_get(r, "id")),
		    json_string_value(json_object_get(r, "from")),
		    json_string_value(json_object_get(r, "to")),
		    o == 0 ? "*" : ports,
		    json_string_value(json_object_get(r, "action")),
		    (long long)json_integer_value(json_object_get(r, "hits")),
		    stack != NULL ? stack : "-");
	}
	if (json_array_size(json_object_get(pol, "networkpolicies")) == 0)
		return;
	printf("\n%-32s %-20s %-8s %-8s %8s\n", "NETWORKPOLICY", "STACK",
	    "INGRESS", "EGRESS", "HITS");
	json_array_foreach(json_object_get(pol, "networkpolicies"), i, r) {
		printf("%-32s %-20s %-8s %-8s %8lld\n",
		    json_string_value(json_object_get(r, "name")),
		    json_string_value(json_object_get(r, "stack")),
		    json_is_true(json_object_get(r, "ingress")) ? "yes" : "no",
		    json_is_true(json_object_get(r, "egress")) ? "yes" : "no",
		    (long long)json_integer_value(json_object_get(r, "hits")));
	}
}

static int
policy_ls(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 }
	};
	json_t	*pol = NULL;
	char	*cause = NULL;
	int	 ch, json = 0;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'J')
			return cli_usage("policy");
		json = 1;
	}
	if (optind != argc)
		return cli_usage("policy");
	if (client_call("policy_list", NULL, &pol, &cause) == -1) {
		cli_error("policy", "%s", cause);
		free(cause);
		return 1;
	}
	if (json) {
		json_dumpf(pol, stdout, JSON_INDENT(2));
		putchar('\n');
	} else
		policy_print(pol);
	json_decref(pol);
	return 0;
}

/*
 * "TO[:PORT[/PROTO]]" into a query's to, port and proto. PROTO alone
 * after the slash may be icmp ("db:/icmp" or "db/icmp").
 */
int
policy_target(const char *s, json_t *q, char **cause)
{
	char		*t = xstrdup(s), *colon, *slash;
	unsigned long	 port = 0;
	int		 rc = -1;

	if ((slash = strchr(t, '/')) != NULL)
		*slash++ = '\0';
	if ((colon = strchr(t, ':')) != NULL)
		*colon++ = '\0';
	if (slash != NULL && strcmp(slash, "tcp") != 0 &&
	    strcmp(slash, "udp") != 0 && strcmp(slash, "icmp") != 0) {
		cause_set(cause, "\"%.40s\": the protocol is tcp, udp or icmp",
		    s);
		goto out;
	}
	if (colon != NULL && *colon != '\0' && (util_parse_uint(colon, 65535,
	    &port) == -1 || port == 0)) {
		cause_set(cause, "\"%.40s\": the port is 1..65535", s);
		goto out;
	}
	json_object_set_new(q, "to", json_string(t));
	json_object_set_new(q, "port", json_integer((json_int_t)port));
	json_object_set_new(q, "proto", json_string(slash != NULL ? slash :
	    "tcp"));
	rc = 0;
out:
	free(t);
	return rc;
}

static int
policy_explain(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 }
	};
	json_t		*q, *v = NULL, *k;
	char		*cause = NULL;
	int		 ch, json = 0, rc = 1;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'J')
			return cli_usage("policy");
		json = 1;
	}
	if (argc - optind != 2)
		return cli_usage("policy");
	q = json_pack("{s:s}", "from", argv[optind]);
	if (policy_target(argv[optind + 1], q, &cause) == -1) {
		json_decref(q);
		cli_error("policy", "%s", cause);
		goto out;
	}
	if (client_call("policy_explain", q, &v, &cause) == -1) {
		cli_error("policy", "%s", cause);
		goto out;
	}
	if (json) {
		json_dumpf(v, stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		printf("%s (by %s", json_string_value(json_object_get(v,
		    "action")), json_string_value(json_object_get(v, "by")));
		if (json_object_get(v, "rule") != NULL)
			printf(" %lld", (long long)json_integer_value(
			    json_object_get(v, "rule")));
		if ((k = json_object_get(v, "networkpolicy")) != NULL)
			printf(" %s/%s", json_string_value(json_object_get(k,
			    "stack")), json_string_value(json_object_get(k,
			    "name")));
		printf("): %s\n", json_string_value(json_object_get(v, "why")));
	}
	rc = 0;
out:
	json_decref(v);
	free(cause);
	return rc;
}

int
cmd_policy(int argc, char **argv)
{
	static const struct cli_sub subs[] = {
		{ "add", policy_add }, { "rm", policy_rm }, { "ls", policy_ls },
		{ "explain", policy_explain }, { NULL, NULL }
	};

	return cli_subcommand("policy", subs, argc, argv);
}
