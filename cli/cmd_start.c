/* SPDX-License-Identifier: ISC */
/*
 * cmd_start.c - berth start, restart, kill: a container's life after run.
 *
 * DOC: starting a container again
 * netd keeps a stopped container's record (address, ports, networks,
 * stack) and the CLI's meta (command, environment, rootfs, user,
 * restart policy...). start rebuilds the run options from that record,
 * gives the record back to netd and runs the same container again,
 * detached, on the same address. Its log is kept and appended to, as
 * docker does. Like exec, start runs a stored meta only for the caller
 * or root as its creator (docs/security.md). restart is stop then start
 * (cmd_stop); kill sends one signal (KILL unless -s says otherwise) and
 * does not wait.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "util.h"
#include "xmalloc.h"

/*
 * Run options from a container's record: what run or up gave it. The
 * strings are borrowed from v; free o->argv, and json_decref o->ports
 * and o->networks.
 */
void
container_opts_from(const struct ctrview *v, struct run_opts *o)
{
	const struct ctrview_meta	*m = &v->meta;
	size_t				 n;

	memset(o, 0, sizeof(*o));
	o->name = v->name;
	o->ip = v->ip;
	o->stack = v->info.spec.stack;
	o->service = v->info.spec.service;
	o->ports = ctrview_ports(v);
	o->networks = ctrview_networks(v);
	o->rootfs = m->rootfs;
	o->user = m->user;
	o->workdir = m->workdir;
	o->hostname = m->hostname;
	o->restart = m->restart;
	o->config = m->config;
	o->env = m->env;
	o->volumes = m->volumes;
	for (n = 0; m->command[n] != NULL; n++)
		;
	o->argv = xcalloc(n + 1, sizeof(char *));
	memcpy(o->argv, m->command, n * sizeof(char *));
	o->rm = m->rm;
	o->detach = 1;
}

/* Start a stopped container again; 0 also when it is running already. */
int
container_start(struct ctrview *v, char **cause)
{
	struct run_opts	 o;
	struct ctrview	 fresh;
	char		*name = NULL;
	int		 rc = -1;

	if (ctrview_alive(v))
		return 0;
	/* its command, env, user and rootfs are the creator's choice */
	if (!container_trusted(v))
		return cause_set(cause, "container \"%s\" was not created by "
		    "uid %ld or root: its stored command, env, user, workdir "
		    "and rootfs are not run (start it as its creator)",
		    v->name, (long)getuid());
	container_opts_from(v, &o);
	if (o.argv[0] == NULL) {
		cause_set(cause, "%s: no command recorded", o.name);
		goto out;
	}
	name = xstrdup(o.name);
	o.name = name;
	if (client_do("delete", json_pack("{s:s}", "name", name), cause) ==
	    -1)
		goto out;
	rc = container_run(&o, &fresh, cause);
	if (rc == -1)
		cause_prefix(cause, "%s (its record is gone: run it again)",
		    name);
	ctrview_clear(&fresh);
out:
	json_decref(o.ports);
	json_decref(o.networks);
	free(o.argv);
	free(name);
	return rc == -1 ? -1 : 0;
}

int
cmd_start(int argc, char **argv)
{
	struct ctrview	 ctr;
	char		*cause = NULL;
	int		 i, rc = 0;

	if (argc < 2 || argv[1][0] == '-')
		return cli_usage("start");
	for (i = 1; i < argc; i++) {
		if (client_inspect(argv[i], &ctr, &cause) == -1 ||
		    container_start(&ctr, &cause) == -1) {
			cli_error("start", "%s", cause);
			rc = 1;
		} else
			printf("%s\n", argv[i]);
		ctrview_clear(&ctr);
	}
	free(cause);
	return rc;
}

static const struct {
	const char	*name;
	int		 sig;
} start_sigs[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT },
	{ "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "USR2", SIGUSR2 },
	{ "TERM", SIGTERM }, { "CONT", SIGCONT }, { "STOP", SIGSTOP },
	{ "ALRM", SIGALRM }, { "WINCH", SIGWINCH },
};

/* "KILL", "SIGKILL", "9". */
static int
start_signal(const char *s)
{
	unsigned long	 n;
	size_t		 i;

	if (util_parse_uint(s, 64, &n) == 0)
		return n > 0 ? (int)n : -1;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (i = 0; i < nitems(start_sigs); i++) {
		if (strcasecmp(s, start_sigs[i].name) == 0)
			return start_sigs[i].sig;
	}
	return -1;
}

int
cmd_kill(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "signal", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	struct ctrview	 ctr;
	char		*cause = NULL;
	int		 ch, i, sig = SIGKILL, rc = 0;
	pid_t		 pid;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "s:", opts, NULL)) != -1) {
		if (ch != 's')
			return cli_usage("kill");
		if ((sig = start_signal(optarg)) == -1) {
			cli_error("kill", "-s %.20s: no such signal (a name "
			    "like TERM or HUP, or a number)", optarg);
			return 1;
		}
	}
	if (optind >= argc)
		return cli_usage("kill");
	for (i = optind; i < argc; i++) {
		if (client_inspect(argv[i], &ctr, &cause) == -1) {
			cli_error("kill", "%s", cause);
			rc = 1;
			continue;
		}
		if (!ctrview_alive(&ctr)) {
			cli_error("kill", "container \"%s\" is not running",
			    argv[i]);
			rc = 1;
		} else if (container_signal_ok(&ctr, &cause) == -1) {
			cli_error("kill", "%s: %s", argv[i], cause);
			rc = 1;
		} else {
			/* A signal the process may not survive: no restart. */
			if (sig == SIGKILL || sig == SIGTERM || sig == SIGINT)
				container_mark_stopped(ctr.name);
			pid = (pid_t)ctr.info.pid;
			if (kill(-pid, sig) == -1 && kill(pid, sig) == -1) {
				cli_error("kill", "%s: %s", argv[i],
				    strerror(errno));
				rc = 1;
			} else
				printf("%s\n", argv[i]);
		}
		ctrview_clear(&ctr);
	}
	free(cause);
	return rc;
}
