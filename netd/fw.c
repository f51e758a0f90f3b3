/* SPDX-License-Identifier: ISC */
/*
 * fw.c - running the firewall commands (nft, pfctl) for netd.
 *
 * DOC: jobs
 * Every firewall change is a job: a command line and the text for its
 * stdin. The back ends (fw_nft.c, fw_pf.c; the OS picks one, fw_os)
 * turn operations on the ruleset into jobs; this file runs them. The load at start and the
 * unload at stop run synchronously and their failure is reported to
 * the caller. Container changes are queued and run one at a time from
 * the event loop, which also feeds them: the child's stdin is written
 * as the pipe takes it (EV_WRITE) and its output drained (EV_READ), so
 * a large script never holds up the loop and neither side can block
 * the other; the end of its output marks the job's end. A failed
 * incremental job makes the whole ruleset load again, which converges
 * whatever state the kernel was in.
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

#include "ev.h"
#include "fw.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

#define FW_MAX_OUTPUT	(64 * 1024)

struct fw {
	struct ev	*ev;
	void		(*reload)(void *);
	void		*arg;
	struct fw_job	*queue;		/* head: running when pid != -1 */
	pid_t		 pid;
	int		 in;		/* its stdin, -1 once all is written */
	size_t		 inoff;		/* what of the input is written */
	int		 out;		/* its stdout and stderr */
	char		*output;
	size_t		 outlen;
	char		 token[64];
};

static const char *const fw_dirs[] = {
	"/usr/sbin", "/sbin", "/usr/bin", "/bin", "/usr/local/sbin",
	"/usr/local/bin",
};

static void	fw_start(struct fw *);
static void	fw_write_event(int, int, void *);

struct fw_job *
fw_job_argv(const char *input, const char *prog, const char *const *args)
{
	struct fw_job	*j;
	size_t		 n = 0, i;

	while (args != NULL && args[n] != NULL)
		n++;
	j = xcalloc(1, sizeof(*j));
	j->argv = xcalloc(n + 2, sizeof(*j->argv));
	j->argv[0] = xstrdup(prog);
	for (i = 0; i < n; i++)
		j->argv[i + 1] = xstrdup(args[i]);
	if (input != NULL)
		j->input = xstrdup(input);
	return j;
}

static void
fw_job_free(struct fw_job *j)
{
	size_t	 i;

	for (i = 0; j->argv[i] != NULL; i++)
		free(j->argv[i]);
	free(j->argv);
	free(j->input);
	free(j);
}

void
fw_jobs_free(struct fw_job *j)
{
	struct fw_job	*next;

	for (; j != NULL; j = next) {
		next = j->next;
		fw_job_free(j);
	}
}

static char *
fw_find(const char *prog)
{
	char	*path;
	size_t	 i;

	if (strchr(prog, '/') != NULL)
		return xstrdup(prog);
	for (i = 0; i < nitems(fw_dirs); i++) {
		xasprintf(&path, "%s/%s", fw_dirs[i], prog);
		if (access(path, X_OK) == 0)
			return path;
		free(path);
	}
	return NULL;
}

/* Start argv with pipes on its stdin and its output. */
static pid_t
fw_spawn(char *const *argv, int *in, int *out, char **cause)
{
	char		*path;
	int		 ip[2] = { -1, -1 }, op[2] = { -1, -1 };
	pid_t		 pid;
	sigset_t	 all;

	if ((path = fw_find(argv[0])) == NULL) {
		cause_set(cause, "%s: command not found", argv[0]);
		return -1;
	}
	if (pipe(ip) == -1 || pipe(op) == -1) {
		cause_set(cause, "pipe: %s", strerror(errno));
		goto fail;
	}
	if ((pid = fork()) == -1) {
		cause_set(cause, "fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0) {
		dup2(ip[0], STDIN_FILENO);
		dup2(op[1], STDOUT_FILENO);
		dup2(op[1], STDERR_FILENO);
		close(ip[0]);
		close(ip[1]);
		close(op[0]);
		close(op[1]);
		signal(SIGPIPE, SIG_DFL);
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		execv(path, argv);
		_exit(127);
	}
	free(path);
	close(ip[0]);
	close(op[1]);
	(void)util_set_cloexec(ip[1]);
	(void)util_set_cloexec(op[0]);
	(void)util_set_nonblock(ip[1]);
	(void)util_set_nonblock(op[0]);
	*in = ip[1];
	*out = op[0];
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

/* Append what out has to *buf, up to FW_MAX_OUTPUT; 0 at EOF. */
static int
fw_drain(int out, char **buf, size_t *len)
{
	char	 tmp[4096];
	ssize_t	 n;

	for (;;) {
		n = read(out, tmp, sizeof(tmp));
		if (n == -1)
			return errno == EINTR ? 1 : (errno == EAGAIN ? 1 : 0);
		if (n == 0)
			return 0;
		if (*len + (size_t)n > FW_MAX_OUTPUT)
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
static int
fw_pump(int in, int out, const char *input, char **buf, size_t *len,
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
			open_out = fw_drain(out, buf, len);
	}
	if (in != -1)
		close(in);
	return open_out;
}

static int
fw_status(pid_t pid, const char *prog, const char *output, char **cause)
{
	int	 status;
	size_t	 n;

	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR)
			return cause_set(cause, "%s: waitpid: %s", prog,
			    strerror(errno));
	}
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
fw_run(char *const *argv, const char *input, char **output, char **cause)
{
	char	*buf = NULL;
	size_t	 len = 0;
	int	 in, out, ret;
	pid_t	 pid;

	if ((pid = fw_spawn(argv, &in, &out, cause)) == -1)
		return -1;
	(void)fw_pump(in, out, input, &buf, &len, 1);
	close(out);
	ret = fw_status(pid, argv[0], buf, cause);
	if (output != NULL)
		*output = buf != NULL ? buf : xstrdup("");
	else
		free(buf);
	return ret;
}

struct fw *
fw_new(struct ev *ev, void (*reload)(void *), void *arg)
{
	struct fw	*fw;

	fw = xcalloc(1, sizeof(*fw));
	fw->ev = ev;
	fw->reload = reload;
	fw->arg = arg;
	fw->pid = -1;
	fw->in = -1;
	fw->out = -1;
	return fw;
}

const char *
fw_token(const struct fw *fw)
{
	return fw->token;
}

void
fw_set_token(struct fw *fw, const char *token)
{
	snprintf(fw->token, sizeof(fw->token), "%s", token != NULL ? token :
	    "");
}

static void
fw_close_in(struct fw *fw)
{
	if (fw->in == -1)
		return;
	if (fw->ev != NULL)
		ev_del(fw->ev, fw->in);
	close(fw->in);
	fw->in = -1;
}

/* A job is over: its result, then the next one. */
static void
fw_finish(struct fw *fw)
{
	struct fw_job	*j = fw->queue;
	char		*cause = NULL, *tok;

	fw_close_in(fw);
	if (fw->out != -1) {
		if (fw->ev != NULL)
			ev_del(fw->ev, fw->out);
		close(fw->out);
		fw->out = -1;
	}
	if (fw_status(fw->pid, j->argv[0], fw->output, &cause) == -1) {
		log_warnx("%s: %s", __func__, cause);
		free(cause);
		if (!j->full && fw->reload != NULL) {
			log_warnx("%s: loading the whole ruleset again",
			    __func__);
			fw->reload(fw->arg);	/* queues a full load */
		}
	} else if (j->token && (tok = fw_os->token(fw->output)) != NULL) {
		fw_set_token(fw, tok);
		free(tok);
	}
	fw->pid = -1;
	free(fw->output);
	fw->output = NULL;
	fw->outlen = 0;
	fw->queue = j->next;
	fw_job_free(j);
}

static void
fw_event(int fd, int events, void *arg)
{
	struct fw	*fw = arg;

	(void)fd;
	(void)events;
	if (fw_drain(fw->out, &fw->output, &fw->outlen))
		return;
	fw_finish(fw);
	fw_start(fw);
}

/*
 * Write what the pipe takes of the running job's input; close its stdin
 * at the end (or when the child stops reading). -1: the loop cannot
 * watch the pipe.
 */
static int
fw_feed(struct fw *fw)
{
	const char	*input = fw->queue->input;
	size_t		 len = input != NULL ? strlen(input) : 0;
	ssize_t		 n;

	while (fw->inoff < len) {
		n = write(fw->in, input + fw->inoff, len - fw->inoff);
		if (n > 0) {
			fw->inoff += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return ev_add(fw->ev, fw->in, EV_WRITE, fw_write_event,
			    fw) == -1 && errno != EEXIST ? -1 : 0;
		break;			/* it does not read: fine */
	}
	fw_close_in(fw);
	return 0;
}

static void
fw_write_event(int fd, int events, void *arg)
{
	struct fw	*fw = arg;

	(void)fd;
	(void)events;
	if (fw_feed(fw) == -1)
		fw_close_in(fw);
}

/* Run the rest of the running job synchronously (input and output). */
static void
fw_complete(struct fw *fw)
{
	const char	*input = fw->queue->input;

	if (fw->ev != NULL) {
		if (fw->in != -1)
			ev_del(fw->ev, fw->in);
		ev_del(fw->ev, fw->out);
	}
	(void)fw_pump(fw->in, fw->out, input != NULL ? input + fw->inoff :
	    NULL, &fw->output, &fw->outlen, 1);
	fw->in = -1;		/* fw_pump closed it */
	fw_finish(fw);
}

static void
fw_start(struct fw *fw)
{
	struct fw_job	*j;
	char		*cause = NULL;

	while ((j = fw->queue) != NULL && fw->pid == -1) {
		fw->pid = fw_spawn(j->argv, &fw->in, &fw->out, &cause);
		if (fw->pid == -1) {
			log_warnx("%s: %s", __func__, cause);
			free(cause);
			cause = NULL;
			fw->queue = j->next;
			fw_job_free(j);
			continue;
		}
		fw->inoff = 0;
		if (fw->ev == NULL ||
		    ev_add(fw->ev, fw->out, EV_READ, fw_event, fw) == -1) {
			fw_complete(fw);
			continue;
		}
		if (fw_feed(fw) == -1)
			fw_complete(fw);
	}
}

void
fw_submit(struct fw *fw, struct fw_job *jobs)
{
	struct fw_job	**jp;

	for (jp = &fw->queue; *jp != NULL; jp = &(*jp)->next)
		;
	*jp = jobs;
	if (fw->pid == -1)
		fw_start(fw);
}

void
fw_flush(struct fw *fw)
{
	while (fw->queue != NULL) {
		if (fw->pid == -1) {
			fw_start(fw);
			continue;
		}
		fw_complete(fw);
	}
}

void
fw_free(struct fw *fw)
{
	struct fw_job	*rest;

	if (fw == NULL)
		return;
	if (fw->queue != NULL) {
		rest = fw->queue->next;
		fw->queue->next = NULL;
		fw_jobs_free(rest);
		fw_flush(fw);
	}
	free(fw);
}

/* Run jobs synchronously, in order; stop at the first failure. */
static int
fw_run_jobs(struct fw *fw, struct fw_job *jobs, char **cause)
{
	struct fw_job	*j;
	char		*out = NULL, *tok;
	int		 ret = 0;

	for (j = jobs; j != NULL && ret == 0; j = j->next) {
		ret = fw_run(j->argv, j->input, &out, cause);
		if (ret == 0 && j->token &&
		    (tok = fw_os->token(out)) != NULL) {
			fw_set_token(fw, tok);
			free(tok);
		}
		free(out);
		out = NULL;
	}
	fw_jobs_free(jobs);
	return ret;
}

int
fw_load(struct fw *fw, const struct pfr_ruleset *rs, char **cause)
{
	struct fw_job	*jobs;

	fw_flush(fw);
	if ((jobs = fw_os->load(rs, fw->token, cause)) == NULL)
		return -1;
	return fw_run_jobs(fw, jobs, cause);
}

void
fw_reload(struct fw *fw, const struct pfr_ruleset *rs)
{
	struct fw_job	*jobs, *j;
	char		*cause = NULL;

	if ((jobs = fw_os->load(rs, fw->token, &cause)) == NULL) {
		log_warnx("%s: %s", __func__, cause);
		free(cause);
		return;
	}
	for (j = jobs; j != NULL; j = j->next)
		j->full = 1;
	fw_submit(fw, jobs);
}

int
fw_change(struct fw *fw, const struct pfr_ruleset *rs,
    const struct pfr_container *c, const struct pfr_port *ports,
    size_t nports, int add, char **cause)
{
	struct fw_job	*jobs;

	if ((jobs = fw_os->change(rs, c, ports, nports, add, cause)) == NULL)
		return -1;
	fw_submit(fw, jobs);
	return 0;
}

int
fw_unload(struct fw *fw, const struct pfr_ruleset *rs, char **cause)
{
	struct fw_job	*jobs;
	int		 ret;

	fw_flush(fw);
	if ((jobs = fw_os->unload(rs, fw->token, cause)) == NULL)
		return -1;
	ret = fw_run_jobs(fw, jobs, cause);
	if (ret == 0)
		fw_set_token(fw, "");
	return ret;
}
