/* SPDX-License-Identifier: ISC */
/*
 * top_linux.c - a container's processes from /proc.
 *
 * One pass over /proc/[0-9]*: pid, ppid, process group, CPU ticks and
 * RSS from stat (the command name sits in parentheses and may hold
 * spaces and parentheses: the fields start after the last ')'), the
 * owner from the directory, the command line from cmdline. Then the
 * leader, its process group (detached containers lead one) and, round
 * after round, the children of what is already in.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "top.h"
#include "util.h"
#include "xmalloc.h"

struct top_raw {
	struct top_proc	 p;
	pid_t		 pgrp;
	int		 in;
};

static int
top_read_stat(pid_t pid, struct top_raw *r)
{
	char			 path[64], *text, *p;
	unsigned long long	 ut, st, rss;
	long			 tck = sysconf(_SC_CLK_TCK), pg = sysconf(_SC_PAGESIZE);
	int			 ppid, pgrp;
	struct stat		 sb;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((text = util_read_file(path, 8192, NULL)) == NULL)
		return -1;
	if ((p = strrchr(text, ')')) == NULL || sscanf(p + 1,
	    " %*c %d %d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d "
	    "%*d %*d %*d %*d %*u %*u %llu", &ppid, &pgrp, &ut, &st, &rss) !=
	    5) {
		free(text);
		return -1;
	}
	free(text);
	memset(r, 0, sizeof(*r));
	r->p.pid = pid;
	r->p.ppid = (pid_t)ppid;
	r->pgrp = (pid_t)pgrp;
	r->p.cpu_ms = tck > 0 ? (ut + st) * 1000 / (unsigned long long)tck :
	    0;
	r->p.rss = rss * (unsigned long long)(pg > 0 ? pg : 4096);
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	if (stat(path, &sb) == 0)
		r->p.uid = sb.st_uid;
	return 0;
}

static char *
top_cmdline(pid_t pid)
{
	char	 path[64], *text;
	size_t	 len, i;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	if ((text = util_read_file(path, 4096, &len)) == NULL || len == 0) {
		free(text);
		return xstrdup("?");
	}
	for (i = 0; i + 1 < len; i++) {
		if (text[i] == '\0')
			text[i] = ' ';
		else if (!isprint((unsigned char)text[i]))
			text[i] = '?';
	}
	return text;
}

int
top_procs(pid_t leader, struct top_proc **out, size_t *n, char **cause)
{
	DIR		*d;
	struct dirent	*de;
	struct top_raw	*all = NULL;
	size_t		 nall = 0, cap = 0, i, j, m = 0;
	unsigned long	 pid;
	int		 grown, group = getpgid(leader) == leader;

	*out = NULL;
	*n = 0;
	if ((d = opendir("/proc")) == NULL)
		return cause_set(cause, "/proc: cannot read it");
	while ((de = readdir(d)) != NULL) {
		if (util_parse_uint(de->d_name, 0x7fffffff, &pid) == -1)
			continue;
		if (nall == cap) {
			cap = cap ? cap * 2 : 256;
			all = xreallocarray(all, cap, sizeof(*all));
		}
		if (top_read_stat((pid_t)pid, &all[nall]) == 0)
			nall++;
	}
	closedir(d);
	for (i = 0; i < nall; i++)
		all[i].in = all[i].p.pid == leader ||
		    (group && all[i].pgrp == leader);
	do {
		grown = 0;
		for (i = 0; i < nall; i++) {
			if (all[i].in)
				continue;
			for (j = 0; j < nall; j++) {
				if (all[j].in && all[j].p.pid ==
				    all[i].p.ppid) {
					all[i].in = grown = 1;
					break;
				}
			}
		}
	} while (grown);
	*out = xcalloc(nall + 1, sizeof(**out));
	for (i = 0; i < nall; i++) {
		if (!all[i].in)
			continue;
		(*out)[m] = all[i].p;
		(*out)[m++].cmd = top_cmdline(all[i].p.pid);
	}
	*n = m;
	free(all);
	return 0;
}

void
top_free(struct top_proc *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(p[i].cmd);
	free(p);
}
