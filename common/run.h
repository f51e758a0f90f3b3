/* SPDX-License-Identifier: ISC */
/*
 * run.h - running a program (run.c): the one helper for netd's firewall
 * and host resolver, the CLI's netd start, capture and doctor, and the
 * rootfs builder.
 */
#ifndef BERTH_RUN_H
#define BERTH_RUN_H

#include <sys/types.h>

#include <stddef.h>

/* How run_start finds argv[0]. */
enum run_search {
	RUN_SYSTEM,	/* the system directories (run_find): netd, as root */
	RUN_PATH,	/* the caller's PATH (execvp) */
	RUN_AS_GIVEN,	/* argv[0] is the path (execv) */
};

/* What one of the child's standard descriptors is, beside an fd. */
#define RUN_INHERIT	(-1)
#define RUN_DEVNULL	(-2)
#define RUN_PIPE	(-3)	/* stdout and stderr share the one pipe */

struct run_spec {
	char *const	*argv;
	const char	*path;		/* exec this, not argv[0] (or NULL) */
	enum run_search	 search;
	int		 fd[3];		/* stdin, stdout, stderr */
	int		 setsid;	/* a session of its own */
	/* When exec fails, the child says "errtag: cannot execute PATH:
	 * why" on its stderr; NULL: nothing (the status is 127). */
	const char	*errtag;
};

/*
 * Start a program: its signal mask cleared and SIGPIPE at default.
 * With RUN_PIPE, *in (stdin) and *out (stdout/stderr) get the parent's
 * ends, close-on-exec (either may be NULL when not asked for).
 */
pid_t	 run_start(const struct run_spec *, int *in, int *out, char **cause);
/* waitpid, again after EINTR; -1 on another error. */
int	 run_wait(pid_t, int *status);

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
