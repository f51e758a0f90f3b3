/* SPDX-License-Identifier: ISC */
/*
 * fw.c - running the firewall commands (nft, pfctl) for netd.
 *
 * DOC: Theory of Operation
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
 *
 * DOC: nfnetlink
 * Where the back end allows it (nft), a container change is also
 * encoded as one nf_tables batch (fw_nl.h) and, when it reaches the
 * head of the queue, sent on netd's netlink socket: the kernel applies
 * it inside the send, so the job is done when the send returns, and
 * nothing queued after it can start before. A queued batch is sent at
 * the end of the loop round (nl_kick), after the reply to its op. A failed batch is logged,
 * counted and repaired by a full load, like a failed job. If the
 * socket cannot be opened, or the first batch is refused as something
 * the kernel does not support, the writer is turned off and changes go
 * the text way from then on, that batch's change first: the kernel
 * applied none of it, and its job still holds the text.
 *
 * Where the back end has a session (nft -i), the changes that do not go
 * as batches go to it instead of a process each (fw_session.c); the
 * direct path's sets then too. With the netlink writer on, those are a
 * process each (`nft -f -`, rare: a capture, a link or a rule starts or
 * ends), so no nft runs while containers come and go.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ev.h"
#include "fw.h"
#include "fw_int.h"
#include "fw_nl.h"
#include "log.h"
#include "run.h"
#include "util.h"
#include "xmalloc.h"

static void	fw_write_event(int, int, void *);
static void	fw_nl_repair(void *);
static void	fw_nl_kick(void *);

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

void
fw_job_free(struct fw_job *j)
{
	size_t	 i;

	for (i = 0; j->argv[i] != NULL; i++)
		free(j->argv[i]);
	free(j->argv);
	free(j->input);
	free(j->nl);
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

struct fw *
fw_new(struct ev *ev, void (*reload)(void *), void *arg)
{
	struct fw	*fw;

	fw = xcalloc(1, sizeof(*fw));
	fw->ev = ev;
	fw->be = fw_os;
	fw->reload = reload;
	fw->arg = arg;
	fw->pid = -1;
	fw->in = -1;
	fw->out = -1;
	fw_session_init(fw);
	ev_defer_init(&fw->nl_defer, fw_nl_repair, fw);
	ev_defer_init(&fw->nl_kick, fw_nl_kick, fw);
	return fw;
}

void
fw_set_backend(struct fw *fw, const struct fw_backend *be)
{
	fw->be = be;
}

void
fw_set_netlink(struct fw *fw, int on)
{
	if (on) {
		if (fw->nl_state == -1 && fw->nl == NULL)
			fw->nl_state = 0;
		return;
	}
	fw_nl_close(fw->nl);
	fw->nl = NULL;
	fw->nl_state = -1;
}

/* The netlink writer, opened at first use. 0: changes go as batches. */
static int
fw_nl_ready(struct fw *fw)
{
	char	*cause = NULL;

	if (!fw->be->netlink || fw->nl_state == -1)
		return -1;
	if (fw->nl_state == 1)
		return 0;
	if ((fw->nl = fw_nl_open(&cause)) == NULL) {
		log_warnx("%s: %s; container changes go to %s", __func__,
		    cause, fw->be->session != NULL ? fw->be->session[0] :
		    "a process each");
		free(cause);
		fw->nl_state = -1;
		return -1;
	}
	fw->nl_state = 1;
	return 0;
}

/* What says the kernel (or this socket) cannot take batches at all. */
static int
fw_nl_unsupported(int err)
{
	return err == EOPNOTSUPP || err == EPROTONOSUPPORT ||
	    err == EAFNOSUPPORT || err == EINVAL || err == EMSGSIZE;
}

/*
 * After a failed batch: load everything. At the end of the loop round,
 * not inside the send: the change came from an op that may still be
 * changing what the full render is made of (a delete renders without
 * its container only once the op is done).
 */
static void
fw_nl_repair(void *arg)
{
	struct fw	*fw = arg;

	if (!fw->nl_repair)
		return;
	fw->nl_repair = 0;
	if (fw->reload != NULL)
		fw->reload(fw->arg);	/* queues a full load */
}

static void
fw_nl_kick(void *arg)
{
	fw_start(arg);
}

/*
 * The head job, as its batch, now. -1: the writer is off (the first
 * batch was refused as unsupported; nothing of it was applied), the job
 * goes the text way.
 */
static int
fw_nl_run(struct fw *fw)
{
	struct fw_job	*j = fw->queue;
	char		*cause = NULL;

	if (fw_nl_send(fw->nl, j->nl, j->nllen, &cause) == 0) {
		fw->nl_worked = 1;
		fw->stats.netlink++;
		fw->queue = j->next;
		fw_job_free(j);
		return 0;
	}
	if (fw->nl_worked || !fw_nl_unsupported(errno)) {
		fw->stats.failures++;
		log_warnx("%s: %s; loading the whole ruleset again", __func__,
		    cause);
		free(cause);
		fw->queue = j->next;
		fw_job_free(j);
		fw->nl_repair = 1;
		if (fw->ev != NULL)
			ev_defer(fw->ev, &fw->nl_defer);
		else
			fw_nl_repair(fw);
		return 0;
	}
	log_warnx("%s: %s; container changes go to %s from now on",
	    __func__, cause, fw->be->session != NULL ? fw->be->session[0] :
	    "a process each");
	free(cause);
	fw_set_netlink(fw, 0);
	return -1;
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
	if (run_status(fw->pid, j->argv[0], fw->output, &cause) == -1) {
		log_warnx("%s: %s", __func__, cause);
		free(cause);
		if (!j->full && fw->reload != NULL) {
			log_warnx("%s: loading the whole ruleset again",
			    __func__);
			fw->reload(fw->arg);	/* queues a full load */
		}
	} else if (j->token && (tok = fw->be->token(fw->output)) != NULL) {
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
	if (run_drain(fw->out, &fw->output, &fw->outlen))
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
	(void)run_pump(fw->in, fw->out, input != NULL ? input + fw->inoff :
	    NULL, &fw->output, &fw->outlen, 1);
	fw->in = -1;		/* fw_pump closed it */
	fw_finish(fw);
}

void
fw_stats(const struct fw *fw, struct fw_stats *st)
{
	const struct fw_job	*j;

	memset(st, 0, sizeof(*st));
	st->session = -1;
	if (fw == NULL)
		return;
	*st = fw->stats;
	st->inflight = fw->s.inflight + (fw->s.open ? 1 : 0) +
	    (fw->nl_repair ? 1 : 0);
	for (j = fw->queue; j != NULL; j = j->next)
		st->inflight++;
	st->session = fw->s.pid;
}

static void
fw_start_jobs(struct fw *fw)
{
	struct fw_job	*j;
	char		*cause = NULL;

	while ((j = fw->queue) != NULL && fw->pid == -1) {
		if (j->nl != NULL && fw->nl_state == 1) {
			/* after the session's changes before it, if any */
			if (fw->s.open || fw->s.inflight > 0)
				return;
			if (fw_nl_run(fw) == 0)
				continue;
		}
		if (j->session && fw_session_take(fw) == 0)
			continue;
		/* Anything else waits for the session's changes before it. */
		if (fw->s.open || fw->s.inflight > 0)
			return;
		fw->pid = run_spawn(j->argv, &fw->in, &fw->out, &cause);
		if (fw->pid == -1) {
			log_warnx("%s: %s", __func__, cause);
			free(cause);
			cause = NULL;
			fw->queue = j->next;
			fw_job_free(j);
			continue;
		}
		fw->stats.spawns++;
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
fw_start(struct fw *fw)
{
	/*
	 * Without a loop, a failed batch's repair queues its full load
	 * from inside fw_start_jobs, which then runs it.
	 */
	if (fw->starting)
		return;
	fw->starting = 1;
	fw_start_jobs(fw);
	fw->starting = 0;
}

void
fw_submit(struct fw *fw, struct fw_job *jobs)
{
	struct fw_job	**jp;

	for (jp = &fw->queue; *jp != NULL; jp = &(*jp)->next)
		;
	*jp = jobs;
	if (fw->pid != -1)
		return;
	/*
	 * A batch goes at the end of the loop round: the reply to the op
	 * that made it is written first, and the client goes on while the
	 * kernel applies it (as it did while nft -i applied the line).
	 */
	if (fw->ev != NULL && fw->nl_state == 1 && jobs != NULL &&
	    jobs->nl != NULL)
		ev_defer(fw->ev, &fw->nl_kick);
	else
		fw_start(fw);
}

void
fw_flush(struct fw *fw)
{
	for (;;) {
		if (fw->nl_repair) {
			if (fw->ev != NULL)
				ev_defer_cancel(fw->ev, &fw->nl_defer);
			fw_nl_repair(fw);
			continue;
		}
		if (fw->s.pid != -1 && (fw->s.open || fw->s.inflight > 0)) {
			fw_session_sync(fw);
			continue;
		}
		if (fw->queue == NULL)
			break;
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
	/* what is left fails without reloading: the owner is going away */
	fw->reload = NULL;
	if (fw->queue != NULL) {
		rest = fw->queue->next;
		fw->queue->next = NULL;
		fw_jobs_free(rest);
	}
	fw->nl_repair = 0;		/* dropped, as queued jobs are */
	if (fw->ev != NULL) {
		ev_defer_cancel(fw->ev, &fw->nl_defer);
		ev_defer_cancel(fw->ev, &fw->nl_kick);
	}
	fw_flush(fw);
	fw_session_stop(fw);
	fw_nl_close(fw->nl);
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
		ret = run_cmd(j->argv, j->input, &out, cause);
		if (ret == 0 && j->token &&
		    (tok = fw->be->token(out)) != NULL) {
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
	if ((jobs = fw->be->load(rs, fw->token, cause)) == NULL)
		return -1;
	return fw_run_jobs(fw, jobs, cause);
}

void
fw_reload(struct fw *fw, const struct pfr_ruleset *rs)
{
	struct fw_job	*jobs, *j;
	char		*cause = NULL;

	if ((jobs = fw->be->load(rs, fw->token, &cause)) == NULL) {
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
	struct fw_job	*jobs, *j;
	char		*why = NULL;

	if ((jobs = fw->be->change(rs, c, ports, nports, add, cause)) == NULL)
		return -1;
	for (j = jobs; j != NULL; j = j->next)
		j->session = fw->be->session != NULL;
	/* The text job stays: the way back if the writer turns off. */
	if (jobs->next == NULL && fw_nl_ready(fw) == 0 &&
	    fw_nl_encode(rs, c, ports, nports, add, &jobs->nl, &jobs->nllen,
	    &why) == -1) {
		log_debug("%s: %s; this change goes as text", __func__, why);
		free(why);
	}
	fw_submit(fw, jobs);
	return 0;
}

int
fw_direct(struct fw *fw, const struct pfr_ruleset *rs, int on, char **cause)
{
	struct fw_job	*jobs, *j;

	if (fw->be->direct == NULL)
		return 0;
	if ((jobs = fw->be->direct(rs, on, cause)) == NULL)
		return -1;
	/* with the netlink writer on, no session runs (DOC: nfnetlink) */
	for (j = jobs; j != NULL; j = j->next)
		j->session = fw->be->session != NULL && fw_nl_ready(fw) == -1;
	fw_submit(fw, jobs);
	/*
	 * Off: wait until it is done. A failed batch has queued a full
	 * load by then (rendered without the set's elements), and the
	 * flush runs that too.
	 */
	if (!on)
		fw_flush(fw);
	return 0;
}

int
fw_unload(struct fw *fw, const struct pfr_ruleset *rs, char **cause)
{
	struct fw_job	*jobs;
	int		 ret;

	fw_flush(fw);
	if ((jobs = fw->be->unload(rs, fw->token, cause)) == NULL)
		return -1;
	ret = fw_run_jobs(fw, jobs, cause);
	if (ret == 0)
		fw_set_token(fw, "");
	return ret;
}
