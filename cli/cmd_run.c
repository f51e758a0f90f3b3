/* SPDX-License-Identifier: ISC */
/*
 * cmd_run.c - berth run, exec, stop, rm.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "policy.h"
#include "launch.h"
#include "name.h"
#include "port.h"
#include "util.h"
#include "xmalloc.h"

/* -e KEY=VALUE: a variable name, '=', anything. */
static int
run_env_ok(const char *kv)
{
	const char	*p;

	for (p = kv; *p != '\0' && *p != '='; p++) {
		if (!(*p == '_' || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= 'a' && *p <= 'z') || (p != kv && *p >= '0' &&
		    *p <= '9')))
			return 0;
	}
	return p != kv && *p == '=';
}

static void
run_random_name(char *buf, size_t len)
{
	unsigned int	 r = 0;
	int		 fd;

	if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) != -1) {
		if (read(fd, &r, sizeof(r)) != sizeof(r))
			r = (unsigned int)getpid();
		close(fd);
	}
	snprintf(buf, len, "c%07x", r & 0xfffffff);
}

/* -l KEY=VALUE: a label for policy's label:KEY=VALUE selectors. */
static int
run_label(json_t *labels, const char *kv, char **cause)
{
	const char	*eq = strchr(kv, '=');
	char		*key;
	int		 rc;

	if (eq == NULL)
		return cause_set(cause, "-l %.40s: expected KEY=VALUE", kv);
	key = xstrndup(kv, (size_t)(eq - kv));
	rc = policy_label_check(key, eq + 1, "-l", cause);
	if (rc == 0)
		json_object_set_new(labels, key, json_string(eq + 1));
	free(key);
	return rc;
}

int
cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "detach", no_argument, NULL, 'd' },
		{ "rm", no_argument, NULL, 'R' },
		{ "name", required_argument, NULL, 'n' },
		{ "publish", required_argument, NULL, 'p' },
		{ "net", required_argument, NULL, 'N' },
		{ "ip", required_argument, NULL, 'i' },
		{ "rootfs", required_argument, NULL, 'r' },
		{ "user", required_argument, NULL, 'u' },
		{ "env", required_argument, NULL, 'e' },
		{ "workdir", required_argument, NULL, 'w' },
		{ "label", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 }
	};
	struct run_opts	 o;
	struct portspec	 ps;
	json_t		*ctr = NULL;
	char		*cause = NULL, namebuf[16];
	int		 ch, rc = 1;

	memset(&o, 0, sizeof(o));
	o.ports = json_array();
	o.networks = json_array();
	o.env = json_array();
	o.labels = json_object();
	optind = 1;
	/* "+": stop at the first non-option, the command. */
	while ((ch = getopt_long(argc, argv, "+dp:e:w:u:l:", opts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'd':
			o.detach = 1;
			break;
		case 'R':
			o.rm = 1;
			break;
		case 'n':
			if (name_check(optarg, "--name", &cause) == -1)
				goto bad;
			o.name = optarg;
			break;
		case 'p':
			if (portspec_parse(optarg, &ps, &cause) == -1)
				goto bad;
			json_array_append_new(o.ports, json_string(optarg));
			break;
		case 'N':
			if (name_check(optarg, "--net", &cause) == -1)
				goto bad;
			json_array_append_new(o.networks, json_string(optarg));
			break;
		case 'i':
			o.ip = optarg;
			break;
		case 'r':
			o.rootfs = optarg;
			break;
		case 'u':
			o.user = optarg;
			break;
		case 'e':
			if (!run_env_ok(optarg)) {
				cause_set(&cause, "-e %.40s: expected "
				    "KEY=VALUE", optarg);
				goto bad;
			}
			json_array_append_new(o.env, json_string(optarg));
			break;
		case 'w':
			o.workdir = optarg;
			break;
		case 'l':
			if (run_label(o.labels, optarg, &cause) == -1)
				goto bad;
			break;
		default:
			rc = cli_usage("run");
			goto out;
		}
	}
	if (optind >= argc) {
		cli_error("run", "no command given");
		rc = cli_usage("run");
		goto out;
	}
	o.argv = argv + optind;
	if (o.name == NULL) {
		run_random_name(namebuf, sizeof(namebuf));
		o.name = namebuf;
	}
	if (o.rootfs != NULL && access(o.rootfs, X_OK) == -1) {
		cause_set(&cause, "--rootfs %s: %s", o.rootfs,
		    strerror(errno));
		goto bad;
	}
	rc = container_run(&o, &ctr, &cause);
	if (rc == -1) {
		cli_error("run", "%s", cause);
		rc = 1;
		goto out;
	}
	if (o.detach)
		printf("%s\n", o.name);
	goto out;
bad:
	cli_error("run", "%s", cause);
	rc = 1;
out:
	json_decref(ctr);
	json_decref(o.ports);
	json_decref(o.networks);
	json_decref(o.env);
	json_decref(o.labels);
	free(cause);
	return rc;
}

int
cmd_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "user", required_argument, NULL, 'u' },
		{ "env", required_argument, NULL, 'e' },
		{ "workdir", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	json_t		*env;
	const char	*user = NULL, *workdir = NULL, *name;
	char		*cause = NULL;
	int		 ch, rc;

	env = json_array();
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+e:w:u:", opts, NULL)) != -1) {
		switch (ch) {
		case 'u':
			user = optarg;
			break;
		case 'w':
			workdir = optarg;
			break;
		case 'e':
			if (!run_env_ok(optarg)) {
				cli_error("exec", "-e %.40s: expected "
				    "KEY=VALUE", optarg);
				json_decref(env);
				return 1;
			}
			json_array_append_new(env, json_string(optarg));
			break;
		default:
			json_decref(env);
			return cli_usage("exec");
		}
	}
	name = argv[optind++];
	if (optind < argc && strcmp(argv[optind], "--") == 0)
		optind++;
	if (name == NULL || optind >= argc) {
		json_decref(env);
		return cli_usage("exec");
	}
	rc = container_exec(name, argv + optind, user, workdir, env, &cause);
	if (rc == -1) {
		cli_error("exec", "%s", cause);
		rc = 1;
	}
	json_decref(env);
	free(cause);
	return rc;
}

int
cmd_stop(int argc, char **argv)
{
	json_t		*ctr;
	char		*cause = NULL;
	unsigned long	 t = 10;
	int		 ch, i, rc = 0;

	optind = 1;
	while ((ch = getopt(argc, argv, "t:")) != -1) {
		if (ch != 't' || util_parse_uint(optarg, 3600, &t) == -1) {
			if (ch == 't')
				cli_error("stop", "-t %.20s: expected "
				    "seconds 0..3600", optarg);
			return cli_usage("stop");
		}
	}
	if (optind >= argc)
		return cli_usage("stop");
	for (i = optind; i < argc; i++) {
		ctr = NULL;
		if (client_inspect(argv[i], &ctr, &cause) == -1 ||
		    container_stop(ctr, (int)t, SIGTERM, &cause) == -1) {
			cli_error("stop", "%s", cause);
			rc = 1;
		} else
			printf("%s\n", argv[i]);
		json_decref(ctr);
	}
	free(cause);
	return rc;
}

int
cmd_rm(int argc, char **argv)
{
	char	*cause = NULL;
	int	 ch, i, force = 0, rc = 0;

	optind = 1;
	while ((ch = getopt(argc, argv, "f")) != -1) {
		if (ch != 'f')
			return cli_usage("rm");
		force = 1;
	}
	if (optind >= argc)
		return cli_usage("rm");
	for (i = optind; i < argc; i++) {
		if (container_remove(argv[i], force, &cause) == -1) {
			cli_error("rm", "%s", cause);
			rc = 1;
		} else
			printf("%s\n", argv[i]);
	}
	free(cause);
	return rc;
}
