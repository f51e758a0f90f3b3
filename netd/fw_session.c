/* SPDX-License-Identifier: ISC */
/*
 * fw_session.c - the long-lived firewall process container changes
 * go to (nft -i).
 *
 * DOC: Theory of Operation
 * Where the back end has one (nft -i), container changes do not start
 * a process each: one long-lived process reads them on its stdin, one
 * line per change. What the loop round queued is written at its end
 * (deferred) as one batch followed by the fence, without blocking (the
 * rest when the pipe takes it, EV_WRITE); batches queued while one is
 * in flight follow it in the pipe, so nft applies changes as fast as it
 * reads them and the set lags netd by the time to apply what is queued,
 * never by a fork per change. The fence's answer ends the oldest batch
 * in flight; an "Error" line before it marks that batch failed, which
 * is logged, counted and repaired by loading the whole ruleset (a full
 * load is a job of its own: it waits for the batches before it, and
 * changes after it wait for it). A session that dies, or does not
 * answer within FW_SESSION_TIMEOUT_MS, is reaped and logged, the whole
 * ruleset is loaded again (its last batches are unknown), and the next
 * change starts a new one. A session that dies before answering any
 * fence (an nft built without -i) is not tried again: each change then
 * runs its own process, as the job it also is.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ev.h"
#include "fw.h"
#include "fw_int.h"
#include "log.h"
#include "run.h"
#include "util.h"
#include "xmalloc.h"

#define FW_SESSION_TIMEOUT_MS	30000

static void	fw_session_flush(void *);
static void	fw_session_timeout(void *);
static void	fw_session_read_event(int, int, void *);
static void	fw_session_write_event(int, int, void *);

/* Before any use: no process yet. */
void
fw_session_init(struct fw *fw)
{
	fw->s.pid = -1;
	fw->s.in = -1;
	fw->s.out = -1;
	fw->s.off = fw->ev == NULL;	/* the session needs the loop */
	ev_defer_init(&fw->s.flush, fw_session_flush, fw);
	ev_timer_init(&fw->s.timer, fw_session_timeout, fw);
}

static void
fw_session_err(struct fw *fw, const char *line)
{
	char	*err = fw->s.err;
	size_t	 n = strlen(err), room = sizeof(fw->s.err) - 1 - n, len;

	if (n > 0 && room > 3) {
		memcpy(err + n, " / ", 3);
		n += 3;
		room -= 3;
	}
	if ((len = strlen(line)) > room)
		len = room;
	memcpy(err + n, line, len);
	err[n + len] = '\0';
}

static const char *
fw_session_name(const struct fw *fw)
{
	return fw->be->session[0];
}

static int
fw_session_start(struct fw *fw)
{
	struct fw_session	*s = &fw->s;
	char			**argv, *cause = NULL;
	size_t			 n, i;

	for (n = 0; fw->be->session[n] != NULL; n++)
		;
	argv = xcalloc(n + 1, sizeof(*argv));
	for (i = 0; i < n; i++)
		argv[i] = xstrdup(fw->be->session[i]);
	s->pid = run_spawn(argv, &s->in, &s->out, &cause);
	for (i = 0; i < n; i++)
		free(argv[i]);
	free(argv);
	if (s->pid == -1) {
		log_warnx("%s: %s; one process per change from now on",
		    __func__, cause);
		free(cause);
		s->off = 1;
		return -1;
	}
	if (ev_add(fw->ev, s->out, EV_READ, fw_session_read_event, fw) ==
	    -1) {
		log_warn("%s: watching %s", __func__, fw_session_name(fw));
		fw_session_stop(fw);
		s->off = 1;
		return -1;
	}
	fw->stats.spawns++;
	s->fenced = 0;
	s->linelen = 0;
	s->err[0] = '\0';
	log_debug("%s: %s (pid %ld) takes the changes", __func__,
	    fw_session_name(fw), (long)s->pid);
	return 0;
}

/* Stop it: close its stdin, let it exit (or kill it), reap it. */
void
fw_session_stop(struct fw *fw)
{
	struct fw_session	*s = &fw->s;
	struct pollfd		 pfd;
	char			 tmp[4096];
	long long		 end = util_now_ms() + 2000;
	int			 status;

	if (fw->ev != NULL) {
		ev_defer_cancel(fw->ev, &s->flush);
		ev_timer_del(fw->ev, &s->timer);
		if (s->watch_in)
			ev_del(fw->ev, s->in);
		if (s->out != -1)
			ev_del(fw->ev, s->out);
	}
	s->watch_in = 0;
	if (s->in != -1)
		close(s->in);
	s->in = -1;
	/* EOF on stdin ends it; wait for its output to end, briefly. */
	while (s->out != -1 && util_now_ms() < end) {
		pfd.fd = s->out;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)(end - util_now_ms())) <= 0)
			continue;
		if (read(s->out, tmp, sizeof(tmp)) == 0)
			break;
	}
	if (s->out != -1)
		close(s->out);
	s->out = -1;
	if (s->pid != -1) {
		if (util_now_ms() >= end)
			kill(s->pid, SIGKILL);
		while (waitpid(s->pid, &status, 0) == -1 && errno == EINTR)
			;
	}
	s->pid = -1;
	free(s->w);
	s->w = NULL;
	s->wlen = s->woff = 0;
	s->open = 0;
	s->inflight = 0;
	s->failed = 0;
}

/*
 * It died or hung (why): reap it and load everything again, since what
 * it applied of its last batches is unknown. One that never answered a
 * fence is not started again.
 */
static void
fw_session_died(struct fw *fw, const char *why)
{
	struct fw_session	*s = &fw->s;
	unsigned		 lost = s->inflight + (s->open ? 1 : 0);
	pid_t			 pid = s->pid;

	fw->stats.restarts++;
	if (!s->fenced)
		s->off = 1;
	log_warnx("%s: %s (pid %ld) %s, %u batches of changes unanswered%s%s"
	    "; loading the whole ruleset again; %s", __func__,
	    fw_session_name(fw), (long)pid, why, lost, s->err[0] != '\0' ?
	    ": " : "", s->err, s->off ? "one process per change from now on" :
	    "the next change starts a new one");
	if (pid != -1)
		kill(pid, SIGKILL);	/* it may be hung, not dead */
	fw_session_stop(fw);
	s->err[0] = '\0';
	if (fw->reload != NULL)
		fw->reload(fw->arg);
	fw_start(fw);
}

static void
fw_session_timeout(void *arg)
{
	struct fw	*fw = arg;

	if (fw->s.pid != -1 && fw->s.inflight > 0)
		fw_session_died(fw, "did not answer in time");
}

/* One line of its output: the fence's answer ends the oldest batch. */
static void
fw_session_line(struct fw *fw, const char *line)
{
	struct fw_session	*s = &fw->s;
	const char		*reply = fw->be->fence_reply;

	if (strncmp(line, reply, strlen(reply)) != 0) {
		if (strncmp(line, "Error", 5) == 0)
			s->failed = 1;
		if (*line != '\0')
			fw_session_err(fw, line);
		return;
	}
	s->fenced = 1;
	if (s->inflight > 0)
		s->inflight--;
	if (s->failed) {
		fw->stats.failures++;
		log_warnx("%s: %s: a batch of changes failed: %s; loading the "
		    "whole ruleset again", __func__, fw_session_name(fw),
		    s->err);
		s->failed = 0;
		s->err[0] = '\0';
		if (fw->reload != NULL)
			fw->reload(fw->arg);
	}
	s->err[0] = '\0';
	if (s->inflight > 0)
		ev_timer_add(fw->ev, &s->timer, FW_SESSION_TIMEOUT_MS);
	else {
		ev_timer_del(fw->ev, &s->timer);
		fw_start(fw);		/* a full load may wait for it */
	}
}

/* Read what it said; 0 while it is alive, -1 when it is gone. */
static int
fw_session_read(struct fw *fw)
{
	struct fw_session	*s = &fw->s;
	char			 buf[4096];
	ssize_t			 n, i;

	for (;;) {
		n = read(s->out, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return 0;
		if (n <= 0) {
			fw_session_died(fw, n == 0 ? "exited" :
			    "cannot be read");
			return -1;
		}
		for (i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (s->linelen < sizeof(s->line) - 1)
					s->line[s->linelen++] = buf[i];
				continue;
			}
			s->line[s->linelen] = '\0';
			s->linelen = 0;
			fw_session_line(fw, s->line);
			if (s->pid == -1)
				return -1;
		}
	}
}

static void
fw_session_read_event(int fd, int events, void *arg)
{
	(void)fd;
	(void)events;
	(void)fw_session_read(arg);
}

/* Write what the pipe takes; watch for room when it is full. */
static void
fw_session_write(struct fw *fw)
{
	struct fw_session	*s = &fw->s;
	ssize_t			 n;

	while (s->woff < s->wlen) {
		n = write(s->in, s->w + s->woff, s->wlen - s->woff);
		if (n > 0) {
			s->woff += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN) {
			if (!s->watch_in && ev_add(fw->ev, s->in, EV_WRITE,
			    fw_session_write_event, fw) == 0)
				s->watch_in = 1;
			return;
		}
		/* EPIPE: it is gone; its EOF says so (fw_session_read). */
		s->woff = s->wlen;
	}
	free(s->w);
	s->w = NULL;
	s->wlen = s->woff = 0;
	if (s->watch_in) {
		ev_del(fw->ev, s->in);
		s->watch_in = 0;
	}
}

static void
fw_session_write_event(int fd, int events, void *arg)
{
	(void)fd;
	(void)events;
	fw_session_write(arg);
}

static void
fw_session_append(struct fw *fw, const char *text, size_t len)
{
	struct fw_session	*s = &fw->s;

	s->w = xreallocarray(s->w, 1, s->wlen + len + 1);
	memcpy(s->w + s->wlen, text, len);
	s->wlen += len;
	s->w[s->wlen] = '\0';
}

/* The end of a loop round: the fence after what it queued, then write. */
static void
fw_session_flush(void *arg)
{
	struct fw		*fw = arg;
	struct fw_session	*s = &fw->s;

	if (s->pid == -1)
		return;
	if (s->open) {
		fw_session_append(fw, fw->be->fence, strlen(fw->be->fence));
		s->open = 0;
		if (s->inflight++ == 0)
			ev_timer_add(fw->ev, &s->timer, FW_SESSION_TIMEOUT_MS);
		fw->stats.batches++;
	}
	fw_session_write(fw);
}

/*
 * The head job goes to the session: its lines become one (one
 * transaction), written at the end of the round. -1: there is none.
 */
int
fw_session_take(struct fw *fw)
{
	struct fw_job	*j = fw->queue;
	const char	*p, *nl;
	size_t		 n;
	int		 first = 1;

	if (fw->s.off || fw->be->session == NULL)
		return -1;
	if (fw->s.pid == -1 && fw_session_start(fw) == -1)
		return -1;
	for (p = j->input != NULL ? j->input : ""; *p != '\0'; p = nl) {
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p);
		n = (size_t)(nl - p);
		if (*nl == '\n')
			nl++;
		if (n == 0)
			continue;
		if (!first)
			fw_session_append(fw, "; ", 2);
		fw_session_append(fw, p, n);
		first = 0;
	}
	if (!first)
		fw_session_append(fw, "\n", 1);
	fw->s.open = 1;
	fw->stats.changes++;
	fw->queue = j->next;
	fw_job_free(j);
	ev_defer(fw->ev, &fw->s.flush);
	return 0;
}

/* Synchronously: write what is queued and wait for every fence. */
void
fw_session_sync(struct fw *fw)
{
	struct fw_session	*s = &fw->s;
	struct pollfd		 pfd[2];
	long long		 end = util_now_ms() + FW_SESSION_TIMEOUT_MS;
	int			 n;

	ev_defer_cancel(fw->ev, &s->flush);
	fw_session_flush(fw);
	while (s->pid != -1 && s->inflight > 0) {
		if (util_now_ms() >= end) {
			fw_session_died(fw, "did not answer in time");
			return;
		}
		pfd[0].fd = s->out;
		pfd[0].events = POLLIN;
		pfd[1].fd = s->woff < s->wlen ? s->in : -1;
		pfd[1].events = POLLOUT;
		n = poll(pfd, 2, (int)(end - util_now_ms()));
		if (n == -1 && errno != EINTR) {
			fw_session_died(fw, "cannot be polled");
			return;
		}
		if (n <= 0)
			continue;
		if (pfd[1].revents != 0)
			fw_session_write(fw);
		if (pfd[0].revents != 0 && fw_session_read(fw) == -1)
			return;
	}
}
