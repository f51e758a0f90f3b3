/* SPDX-License-Identifier: ISC */
/*
 * fw_int.h - the firewall runner's insides, shared by fw.c (jobs, the
 * queue, child processes) and fw_session.c (the long-lived nft -i).
 */
#ifndef BERTH_FW_INT_H
#define BERTH_FW_INT_H

#include <sys/types.h>

#include "ev.h"
#include "fw.h"

#define FW_SESSION_LINE		1024	/* of its output kept per line */

/* The long-lived process changes go to (DOC: the session). */
struct fw_session {
	pid_t		 pid;		/* -1: none */
	int		 in;
	int		 out;
	int		 watch_in;	/* in is registered for EV_WRITE */
	char		*w;		/* to write */
	size_t		 wlen;
	size_t		 woff;
	int		 open;		/* changes written, no fence yet */
	unsigned	 inflight;	/* fences not answered */
	int		 fenced;	/* a fence was ever answered */
	int		 failed;	/* the oldest batch said Error */
	int		 off;		/* not used: one process per job */
	char		 line[FW_SESSION_LINE];
	size_t		 linelen;
	char		 err[512];	/* what the failed batch said */
	struct ev_defer	 flush;
	struct ev_timer	 timer;
};

struct fw {
	struct ev	*ev;
	const struct fw_backend *be;	/* fw_os, or a test's */
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
	struct fw_session s;
	struct fw_stats	 stats;
	struct fw_nl	*nl;		/* the netlink writer (fw_nl.h) */
	int		 nl_state;	/* 0 not tried, 1 open, -1 off */
	int		 nl_worked;	/* a batch was applied */
	int		 nl_repair;	/* a batch failed: reload due */
	struct ev_defer	 nl_defer;	/* ... at the end of the round */
	struct ev_defer	 nl_kick;	/* batches: sent at the end of
					   the round, after the reply */
	int		 starting;	/* in fw_start */
};

/* fw.c */
/* Start queued jobs while nothing runs; session jobs go to the session. */
void	fw_start(struct fw *);
void	fw_job_free(struct fw_job *);

/* fw_session.c */
void	fw_session_init(struct fw *);
/* Kill the process, if any, and forget its batches. */
void	fw_session_stop(struct fw *);
/* The head job goes to the session; -1: there is none. */
int	fw_session_take(struct fw *);
/* Write what is queued and wait for every fence. */
void	fw_session_sync(struct fw *);

#endif
