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
#include "compose.h"
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
	size_t	 n = util_env_name_len(kv);

	return n > 0 && kv[n] == '=';
}

/* --env-file FILE: docker's format (compose_env_file()). */
static int
run_env_file(const char *path, json_t *env, char **cause)
{
	json_t		*obj = json_object(), *v;
	const char	*k;
	char		*kv;

	if (compose_env_file(path, obj, cause) == -1) {
		json_decref(obj);
		return cause_prefix(cause, "--env-file");
	}
	json_object_foreach(obj, k, v) {
		xasprintf(&kv, "%s=%s", k, json_string_value(v));
		json_array_append_new(env, json_string(kv));
		free(kv);
	}
	json_decref(obj);
	return 0;
}

/*
 * run --net NET without --stack: when the containers on NET all belong
 * to one stack (a stack's network, STACK-NET), the new container joins
 * that stack's names, as compose run does. NULL otherwise.
 */
static char *
run_stack_of_nets(json_t *nets)
{
	struct ctrviews	 vs;
	struct ctr_spec	*c;
	json_t		*m;
	const char	*st, *found = NULL;
	char		*out = NULL;
	size_t		 i, j, k;

	if (json_array_size(nets) == 0 || ctrviews_list(&vs, NULL) == -1)
		return NULL;
	for (i = 0; i < vs.n; i++) {
		c = &vs.v[i].info.spec;
		st = c->stack;
		for (j = 0; j < c->nnetworks; j++) {
			json_array_foreach(nets, k, m) {
				if (!json_is_string(m) || strcmp(
				    c->networks[j], json_string_value(m)) != 0 ||
				    strcmp(json_string_value(m), "default") == 0)
					continue;
				if (st == NULL || (found != NULL &&
				    strcmp(found, st) != 0))
					goto out;	/* shared: no stack */
				found = st;
			}
		}
	}
	if (found != NULL)
		out = xstrdup(found);
out:
	ctrviews_clear(&vs);
	return out;
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
		{ "network", required_argument, NULL, 'N' },
		{ "ip", required_argument, NULL, 'P' },
		{ "hostname", required_argument, NULL, 'h' },
		{ "restart", required_argument, NULL, 'X' },
		{ "env-file", required_argument, NULL, 'E' },
		{ "volume", required_argument, NULL, 'v' },
		{ "tty", no_argument, NULL, 't' },
		{ "interactive", no_argument, NULL, 'I' },
		{ "stack", required_argument, NULL, 'S' },
		{ "rootfs", required_argument, NULL, 'r' },
		{ "user", required_argument, NULL, 'u' },
		{ "env", required_argument, NULL, 'e' },
		{ "workdir", required_argument, NULL, 'w' },
		{ "label", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 }
	};
	struct run_opts	 o;
	struct portspec	 ps;
	struct ctrview	 ctr;
	char		*cause = NULL, namebuf[16], *netstack = NULL;
	int		 ch, rc = 1;

	memset(&o, 0, sizeof(o));
	memset(&ctr, 0, sizeof(ctr));
	o.ports = json_array();
	o.networks = json_array();
	o.env = json_array();
	o.labels = json_object();
	o.volumes = json_array();
	optind = 1;
	/* "+": stop at the first non-option, the command. */
	while ((ch = getopt_long(argc, argv, "+dp:e:w:u:l:h:v:it", opts,
	    NULL)) != -1) {
		switch (ch) {
		case 'h':
			if (name_check(optarg, "--hostname", &cause) == -1)
				goto bad;
			o.hostname = optarg;
			break;
		case 'X':
			if (container_restart_ok(optarg, &cause) == -1)
				goto bad;
			o.restart = optarg;
			break;
		case 'E':
			if (run_env_file(optarg, o.env, &cause) == -1)
				goto bad;
			break;
		case 'v':
			if (optarg[0] != '/' || strchr(optarg, ':') == NULL) {
				cause_set(&cause, "-v %.80s: expected "
				    "/HOSTDIR:/DIR[:ro] (named volumes are "
				    "not supported)", optarg);
				goto bad;
			}
			json_array_append_new(o.volumes, json_string(optarg));
			break;
		case 't':
			o.tty = 1;
			break;
		case 'i':
		case 'I':
			o.interactive = 1;
			break;
		case 'S':
			if (name_check(optarg, "--stack", &cause) == -1)
				goto bad;
			o.stack = optarg;
			break;
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
		case 'P':
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
	if (o.detach && o.tty) {
		/* no terminal to give it: docker would attach later */
		cause_set(&cause, "-t with -d: berth does not attach to a "
		    "detached container; use berth exec -it NAME");
		goto bad;
	}
	if (o.tty && !isatty(STDIN_FILENO) && o.interactive) {
		cause_set(&cause, "-it: the input device is not a TTY");
		goto bad;
	}
	if (o.rm && o.restart != NULL && strcmp(o.restart, "no") != 0) {
		cause_set(&cause, "--rm and --restart %s conflict", o.restart);
		goto bad;
	}
	if (o.stack == NULL && (netstack = run_stack_of_nets(o.networks)) !=
	    NULL)
		o.stack = netstack;
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
	ctrview_clear(&ctr);
	json_decref(o.ports);
	json_decref(o.networks);
	json_decref(o.env);
	json_decref(o.labels);
	json_decref(o.volumes);
	free(netstack);
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
		{ "tty", no_argument, NULL, 't' },
		{ "interactive", no_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 }
	};
	json_t		*env;
	const char	*user = NULL, *workdir = NULL, *name;
	char		*cause = NULL;
	int		 ch, rc, tty = 0, interactive = 0;

	env = json_array();
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+e:w:u:it", opts, NULL)) !=
	    -1) {
		switch (ch) {
		case 't':
			tty = 1;
			break;
		case 'i':
			interactive = 1;
			break;
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
	if (tty && interactive && !isatty(STDIN_FILENO)) {
		cli_error("exec", "-it: the input device is not a TTY");
		json_decref(env);
		return 1;
	}
	rc = container_exec(name, argv + optind, user, workdir, env, tty,
	    interactive, &cause);
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
	struct ctrview	 ctr;
	char		*cause = NULL;
	const char	*verb = argv[0];
	unsigned long	 t = 10;
	int		 ch, i, rc = 0;
	int		 again = strcmp(verb, "restart") == 0;

	optind = 1;
	while ((ch = getopt(argc, argv, "t:")) != -1) {
		if (ch != 't' || util_parse_uint(optarg, 3600, &t) == -1) {
			if (ch == 't')
				cli_error(verb, "-t %.20s: expected "
				    "seconds 0..3600", optarg);
			return cli_usage(verb);
		}
	}
	if (optind >= argc)
		return cli_usage(verb);
	for (i = optind; i < argc; i++) {
		if (client_inspect(argv[i], &ctr, &cause) == -1 ||
		    container_stop(&ctr, (int)t, SIGTERM, &cause) == -1 ||
		    (again && container_start(&ctr, &cause) == -1)) {
			cli_error(verb, "%s", cause);
			rc = 1;
		} else
			printf("%s\n", argv[i]);
		ctrview_clear(&ctr);
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
