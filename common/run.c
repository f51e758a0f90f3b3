/* SPDX-License-Identifier: ISC */
/*
 * run.c - running a program: found in the system directories (never
 * through PATH: netd runs as root) or as the caller says, each standard
 * descriptor inherited, on /dev/null, on a given fd or on a pipe; stdin
 * fed from a string, stdout and stderr collected (bounded), the exit
 * status turned into a message. Blocking (run_cmd) or in pieces for an
 * event loop (netd/fw.c).
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run.h"
#include "util.h"
#include "xmalloc.h"

#define RUN_MAX_OUTPUT	(64 * 1024)

static const char *const run_dirs[] = {
	"/usr/sbin", "/sbin", "/usr/bin", "/bin", "/usr/local/sbin",
	"/usr/local/bin",
};

char *
run_find(const char *prog)
{
	char	*path;
	size_t	 i;

	if (strchr(prog, '/') != NULL)
		return xstrdup(prog);
	for (i = 0; i < nitems(run_dirs); i++) {
		xasprintf(&path, "%s/%s", run_dirs[i], prog);
		if (access(path, X_OK) == 0)
			return path;
		free(path);
	}
	return NULL;
}

/* The child: descriptors as spec says, then exec; never returns. */
static void __attribute__((__noreturn__))
run_child(const struct run_spec *sp, const char *path, int ip[2],
    int op[2])
{
	sigset_t	 all;
	int		 i, fd, null = 0;

	if (sp->setsid)
		(void)setsid();
	for (i = 0; i <= STDERR_FILENO; i++) {
		fd = sp->fd[i];
		if (fd == RUN_DEVNULL)
			null |= 1 << i;
		else if (fd == RUN_PIPE)
			fd = i == STDIN_FILENO ? ip[0] : op[1];
		if (fd >= 0 && fd != i)
			dup2(fd, i);
	}
	if (null)
		util_stdio_null(null);
	for (i = 0; i < 2; i++) {
		if (ip[i] > STDERR_FILENO)
			close(ip[i]);
		if (op[i] > STDERR_FILENO)
			close(op[i]);
	}
	signal(SIGPIPE, SIG_DFL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	if (sp->search == RUN_PATH)
		execvp(path, sp->argv);
	else
		execv(path, sp->argv);
	if (sp->errtag != NULL)
		dprintf(STDERR_FILENO, "%s: cannot execute %s: %s\n",
		    sp->errtag, path, strerror(errno));
	_exit(127);
}

pid_t
run_start(const struct run_spec *sp, int *in, int *out, char **cause)
{
	char		*path = NULL;
	int		 ip[2] = { -1, -1 }, op[2] = { -1, -1 };
	pid_t		 pid;

	if (sp->path != NULL || sp->search != RUN_SYSTEM)
		path = xstrdup(sp->path != NULL ? sp->path : sp->argv[0]);
	else if ((path = run_find(sp->argv[0])) == NULL) {
		cause_set(cause, "%s: command not found", sp->argv[0]);
		return -1;
	}
	if ((sp->fd[0] == RUN_PIPE && pipe(ip) == -1) ||
	    ((sp->fd[1] == RUN_PIPE || sp->fd[2] == RUN_PIPE) &&
	    pipe(op) == -1)) {
		cause_set(cause, "pipe: %s", strerror(errno));
		goto fail;
	}
	if ((pid = fork()) == -1) {
		cause_set(cause, "fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0)
		run_child(sp, path, ip, op);
	free(path);
	if (ip[0] != -1) {
		close(ip[0]);
		(void)util_set_cloexec(ip[1]);
	}
	if (op[0] != -1) {
		close(op[1]);
		(void)util_set_cloexec(op[0]);
	}
	if (in != NULL)
		*in = ip[1];
	else if (ip[1] != -1)
		close(ip[1]);
	if (out != NULL)
		*out = op[0];
	else if (op[0] != -1)
		close(op[0]);
	return pid;
fail:
	free(path);
	if (ip[0] != -1) {
		close(ip[0]);
		close(ip[1]);
	}
	if (op[0] != -1) {
		close(op[0]);
		close(op[1]);
	}
	return -1;
}

int
run_wait(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) == -1)
		if (errno != EINTR)
			return -1;
	return 0;
}

/* Start argv with pipes on its stdin and its output, non-blocking. */
pid_t
run_spawn(char *const *argv, int *in, int *out, char **cause)
{
	struct run_spec	 sp = { .argv = argv, .search = RUN_SYSTEM,
			    .fd = { RUN_PIPE, RUN_PIPE, RUN_PIPE } };
	pid_t		 pid;

	if ((pid = run_start(&sp, in, out, cause)) == -1)
		return -1;
	(void)util_set_nonblock(*in);
	(void)util_set_nonblock(*out);
	return pid;
}

/* Append what out has to *buf, up to RUN_MAX_OUTPUT; 0 at EOF. */
int
run_drain(int out, char **buf, size_t *len)
{
	char	 tmp[4096];
	ssize_t	 n;

	for (;;) {
		n = read(out, tmp, sizeof(tmp));
		if (n == -1)
			return errno == EINTR ? 1 : (errno == EAGAIN ? 1 : 0);
		if (n == 0)
			return 0;
		if (*len + (size_t)n > RUN_MAX_OUTPUT)
			continue;
		*buf = xreallocarray(*buf, 1, *len + (size_t)n + 1);
		memcpy(*buf + *len, tmp, (size_t)n);
		*len += (size_t)n;
		(*buf)[*len] = '\0';
	}
}

/*
 * Write input to in (then close it) while draining out. With all set,
 * go on until out reaches EOF too. Returns 1 while out is still open.
 */
int
run_pump(int in, int out, const char *input, char **buf, size_t *len,
    int all)
{
	struct pollfd	 pfd[2];
	size_t		 off = 0, ilen = input != NULL ? strlen(input) : 0;
	ssize_t		 n;
	int		 open_out = 1;

	while (in != -1 || (all && open_out)) {
		pfd[0].fd = in;
		pfd[0].events = POLLOUT;
		pfd[1].fd = open_out ? out : -1;
		pfd[1].events = POLLIN;
		if (in != -1 && off == ilen) {
			close(in);
			in = -1;
			continue;
		}
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (in != -1 && (pfd[0].revents & (POLLOUT | POLLERR |
		    POLLHUP))) {
			n = write(in, input + off, ilen - off);
			if (n == -1 && errno != EAGAIN && errno != EINTR) {
				close(in);	/* it does not read: fine */
				in = -1;
			} else if (n > 0)
				off += (size_t)n;
		}
		if (open_out && (pfd[1].revents & (POLLIN | POLLERR |
		    POLLHUP)))
			open_out = run_drain(out, buf, len);
	}
	if (in != -1)
		close(in);
	return open_out;
}

int
run_status(pid_t pid, const char *prog, const char *output, char **cause)
{
	int	 status;
	size_t	 n;

	if (run_wait(pid, &status) == -1)
		return cause_set(cause, "%s: waitpid: %s", prog,
		    strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (output == NULL || *output == '\0')
		output = "no output";
	n = strlen(output);
	while (n > 0 && output[n - 1] == '\n')
		n--;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return cause_set(cause, "%s: cannot execute", prog);
	return cause_set(cause, "%s failed: %.*s", prog, (int)n, output);
}

int
run_cmd(char *const *argv, const char *input, char **output, char **cause)
{
	char	*buf = NULL;
	size_t	 len = 0;
	int	 in, out, ret;
	pid_t	 pid;

	if ((pid = run_spawn(argv, &in, &out, cause)) == -1)
		return -1;
	(void)run_pump(in, out, input, &buf, &len, 1);
	close(out);
	ret = run_status(pid, argv[0], buf, cause);
	if (output != NULL)
		*output = buf != NULL ? buf : xstrdup("");
	else
		free(buf);
	return ret;
}
