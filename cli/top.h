/* SPDX-License-Identifier: ISC */
/*
 * top.h - the processes of a container (berth top, stats), per OS.
 */
#ifndef BERTH_TOP_H
#define BERTH_TOP_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

struct top_proc {
	pid_t		 pid, ppid;
	uid_t		 uid;
	uint64_t	 cpu_ms;	/* user + system */
	uint64_t	 rss;		/* bytes */
	char		*cmd;
};

/*
 * leader and its descendants, and the members of its process group when
 * it leads one; -1 with *cause. top_free() the result.
 */
int	 top_procs(pid_t leader, struct top_proc **, size_t *, char **cause);
void	 top_free(struct top_proc *, size_t);

#endif
