/* SPDX-License-Identifier: ISC */
/*
 * run.h - running a program (run.c): the one helper netd's firewall
 * and host resolver code use.
 */
#ifndef BERTH_RUN_H
#define BERTH_RUN_H

#include <sys/types.h>

#include <stddef.h>

/* The program's path: prog itself if it has a '/', else the first
 * system directory holding it; NULL when none does. */
char	*run_find(const char *prog);
/* Start argv (argv[0] by run_find) with pipes: *in its stdin, *out its
 * stdout and stderr, both non-blocking and close-on-exec. */
pid_t	 run_spawn(char *const *argv, int *in, int *out, char **cause);
/* Append what out has to *buf (at most 64 KiB kept); 0 at EOF. */
int	 run_drain(int out, char **buf, size_t *len);
/* Write input to in (then close it) while draining out; with all, go
 * on to out's EOF. Returns 1 while out is still open. */
int	 run_pump(int in, int out, const char *input, char **buf,
	    size_t *len, int all);
/* Wait for pid: 0 when it exited 0, else -1 with *cause naming prog
 * and quoting its output. */
int	 run_status(pid_t pid, const char *prog, const char *output,
	    char **cause);
/* All of it: run argv, feed input, *output (may be NULL) gets its
 * output; 0 when it exited 0. */
int	 run_cmd(char *const *argv, const char *input, char **output,
	    char **cause);

#endif
