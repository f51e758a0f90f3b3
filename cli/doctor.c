/* SPDX-License-Identifier: ISC */
/*
 * doctor.c - berth doctor [--repair]: is this host ready for berth, and
 * did a crashed berth leave anything behind?
 */
#include <sys/wait.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "doctor.h"
#include "proto.h"
#include "run.h"

static int	 doctor_problems;

/* Run a shell pipeline of fixed text; 1 when it printed something. */
int
doctor_sh_output(const char *cmd)
{
	char *const	 argv[] = { (char *)"/bin/sh", (char *)"-c",
			    (char *)cmd, NULL };
	struct run_spec	 sp = { .argv = argv, .search = RUN_AS_GIVEN,
			    .fd = { RUN_INHERIT, RUN_PIPE, RUN_INHERIT } };
	char		*buf = NULL;
	size_t		 len = 0;
	pid_t		 pid;
	int		 fd, status;

	if ((pid = run_start(&sp, NULL, &fd, NULL)) == -1)
		return 0;
	(void)run_pump(-1, fd, NULL, &buf, &len, 1);
	close(fd);
	(void)run_wait(pid, &status);
	free(buf);
	return len > 0;
}

/* Run argv; 0 when it exits 0. */
int
doctor_run(char *const argv[])
{
	struct run_spec	 sp = { .argv = argv, .search = RUN_PATH,
			    .fd = { RUN_INHERIT, RUN_INHERIT, RUN_INHERIT } };
	pid_t		 pid;
	int		 status;

	fflush(NULL);	/* ours before its */
	if ((pid = run_start(&sp, NULL, NULL, NULL)) == -1 ||
	    run_wait(pid, &status) == -1)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

void
doctor_report(int ok, const char *what, const char *fix)
{
	printf("%-4s %s%s%s\n", ok ? "ok" : "FAIL", what,
	    !ok && fix != NULL ? ": " : "", !ok && fix != NULL ? fix : "");
	if (!ok)
		doctor_problems++;
}

/*
 * netd is down. What a restart adopts (the containers of its state
 * file, some with running processes) is not a leftover: say so, and
 * with --repair restart netd instead of removing anything. Returns 1
 * when the kernel objects are netd's to keep.
 */
static int
doctor_adopt(int repair)
{
	struct netd_hello h;
	struct ctrview	 v;
	json_t		*st, *c;
	char		*cause = NULL, line[512];
	size_t		 i;
	int		 n, alive = 0, keep = 0;

	if ((st = client_state(&cause)) == NULL) {
		/* Damaged or unreadable: never a reason to clean. */
		if (errno == ENOENT)
			printf("--   netd not running at %s (the next command "
			    "starts it)\n", cli_cfg.socket);
		else if (errno == EINVAL) {
			doctor_report(0, cause, "netd keeps it (as .bad), "
			    "keeps the interfaces and starts degraded");
			keep = 1;
		} else {
			printf("--   netd not running; %s\n", cause);
			keep = 1;
		}
		free(cause);
		return keep;
	}
	n = (int)json_array_size(json_object_get(st, "containers"));
	json_array_foreach(json_object_get(st, "containers"), i, c) {
		if (ctrview_decode(c, &v, NULL) == 0)
			alive += ctrview_alive(&v);
		ctrview_clear(&v);
	}
	json_decref(st);
	if (n == 0) {
		printf("--   netd not running at %s (the next command "
		    "starts it)\n", cli_cfg.socket);
		return 0;
	}
	snprintf(line, sizeof(line), "netd not running at %s; its state "
	    "holds %d container%s, %d with a running process: the next "
	    "command restarts netd, which adopts them", cli_cfg.socket, n,
	    n == 1 ? "" : "s", alive);
	printf("--   %s\n", line);
	if (repair) {
		unsetenv("BERTH_NO_AUTOSTART");	/* --repair asks for it */
		if (client_hello(&h, &cause) == -1) {
			doctor_report(0, "restarting netd", cause);
			free(cause);
			return 1;
		}
		printf("--   restarted netd (pid %lld); it adopted %lld "
		    "container%s\n", h.pid, h.containers, n == 1 ? "" : "s");
		netd_hello_clear(&h);
	}
	return 1;
}

/* What holds containers to their addresses (netd's hello "enforce"). */
static void
doctor_enforce(const char *how)
{
	if (how != NULL && strcmp(how, "cgroup-bpf") == 0)
		printf("--   addresses enforced by the kernel (cgroup BPF): "
		    "every binary, no forged sources\n");
	else
		printf("--   addresses enforced by the interposer only "
		    "(%s): static and Go binaries and raw system calls "
		    "escape it\n", how != NULL ? how : "netd too old to say");
}

int
cmd_doctor(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "repair", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	struct netd_hello h;
	json_t		*data = NULL;
	char		*cause = NULL, line[256], pool[CIDR_STRLEN];
	int		 ch, repair = 0, fd, running = 0;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'r')
			return cli_usage("doctor");
		repair = 1;
	}
	if (optind != argc)
		return cli_usage("doctor");
	doctor_problems = 0;
	doctor_report(geteuid() == 0, "running as root",
	    "berth-netd and chroot need root; run berth with sudo");
	/* Never auto-start netd here: doctor looks, it does not change. */
	if ((fd = proto_connect(cli_cfg.socket, &cause)) != -1) {
		if (proto_call(fd, "hello", NULL, &data, &cause) == 0 &&
		    netd_hello_parse(data, &h, &cause) == 0) {
			running = 1;
			snprintf(line, sizeof(line), "netd running at %s "
			    "(pid %lld, pool %s)", cli_cfg.socket, h.pid,
			    cidr_fmt(&h.pool, pool));
			doctor_report(1, line, NULL);
			if (h.degraded != NULL)
				doctor_report(0, "netd runs degraded",
				    h.degraded);
			doctor_enforce(h.enforce);
			netd_hello_clear(&h);
		}
		close(fd);
	}
	if (!running)
		running = doctor_adopt(repair);
	doctor_os(repair, running);
	json_decref(data);
	free(cause);
	if (doctor_problems > 0) {
		printf("%d problem%s%s\n", doctor_problems,
		    doctor_problems == 1 ? "" : "s", repair ? " left" :
		    "; berth doctor --repair fixes what it can");
		return 1;
	}
	printf("all good\n");
	return 0;
}
