/* SPDX-License-Identifier: ISC */
/*
 * cmd_net.c - berth net create|ls|rm.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "name.h"

static int
net_create(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "internal", no_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 }
	};
	json_t		*data = NULL;
	char		*cause = NULL;
	int		 ch, internal = 0, rc = 1;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'i')
			return cli_usage("net");
		internal = 1;
	}
	if (optind != argc - 1)
		return cli_usage("net");
	if (name_check(argv[optind], "network name", &cause) == -1) {
		cli_error("net", "%s", cause);
		goto out;
	}
	if (client_call("net_create", json_pack("{s:s, s:b}", "name",
	    argv[optind], "internal", internal), &data, &cause) == -1) {
		cli_error("net", "%s", cause);
		goto out;
	}
	printf("%s\n", argv[optind]);
	rc = 0;
out:
	json_decref(data);
	free(cause);
	return rc;
}

static int
net_ls(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 }
	};
	struct net_info	*nets = NULL;
	json_t		*list = NULL;
	char		*cause = NULL;
	int		 ch, json = 0;
	size_t		 i, n = 0;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'J')
			return cli_usage("net");
		json = 1;
	}
	if (optind != argc)
		return cli_usage("net");
	if (client_call("net_list", NULL, &list, &cause) == -1 ||
	    net_infos_parse(list, &nets, &n, &cause) == -1) {
		cli_error("net", "%s", cause);
		free(cause);
		json_decref(list);
		return 1;
	}
	if (json) {
		json_dumpf(list, stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		printf("%-24s %s\n", "NAME", "INTERNAL");
		for (i = 0; i < n; i++)
			printf("%-24s %s\n", nets[i].name, nets[i].internal ?
			    "yes" : "no");
	}
	free(nets);
	json_decref(list);
	return 0;
}

static int
net_rm(int argc, char **argv)
{
	char		*cause = NULL;
	int		 i, rc = 0;

	if (argc < 2)
		return cli_usage("net");
	for (i = 1; i < argc; i++) {
		if (client_do("net_delete", json_pack("{s:s}", "name",
		    argv[i]), &cause) == -1) {
			cli_error("net", "%s", cause);
			rc = 1;
		} else
			printf("%s\n", argv[i]);	/* docker's way */
	}
	free(cause);
	return rc;
}

int
cmd_net(int argc, char **argv)
{
	static const struct cli_sub subs[] = {
		{ "create", net_create }, { "ls", net_ls }, { "rm", net_rm },
		{ NULL, NULL }
	};

	return cli_subcommand("net", subs, argc, argv);
}
