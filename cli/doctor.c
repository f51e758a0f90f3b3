/* SPDX-License-Identifier: ISC */
/*
 * doctor.c - berth doctor [--repair]: is this host ready for berth, and
 * did a crashed berth leave anything behind?
 */
#include <sys/wait.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "doctor.h"
#include "proto.h"

static int	 doctor_problems;

/* Run a shell pipeline of fixed text; 1 when it printed something. */
int
doctor_sh_output(const char *cmd)
{
	FILE	*f;
	char	 buf[256];
	int	 any = 0;

	if ((f = popen(cmd, "r")) == NULL)
		return 0;
	while (fgets(buf, sizeof(buf), f) != NULL)
		any = 1;
	pclose(f);
	return any;
}

/* Run argv; 0 when it exits 0. */
int
doctor_run(char *const argv[])
{
	pid_t	 pid;
	int	 status;

	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) == -1)
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
	json_t		*data = NULL;
	char		*cause = NULL, line[256];
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
		if (proto_call(fd, "hello", NULL, &data, &cause) == 0) {
			running = 1;
			snprintf(line, sizeof(line), "netd running at %s "
			    "(pid %lld, pool %s)", cli_cfg.socket,
			    (long long)json_integer_value(json_object_get(
			    data, "pid")), json_string_value(
			    json_object_get(data, "pool")));
			doctor_report(1, line, NULL);
			doctor_enforce(json_string_value(json_object_get(
			    data, "enforce")));
		}
		close(fd);
	}
	if (!running)
		printf("--   netd not running at %s (the next command "
		    "starts it)\n", cli_cfg.socket);
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
