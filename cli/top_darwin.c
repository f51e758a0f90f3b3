/* SPDX-License-Identifier: ISC */
/*
 * top_darwin.c - berth top and stats are Linux-only for now (macOS would
 * use proc_listpids and proc_pidinfo). Not compiled on Linux.
 */
#include <stdlib.h>

#include "top.h"
#include "util.h"

int
top_procs(pid_t leader, struct top_proc **out, size_t *n, char **cause)
{
	*out = NULL;
	*n = 0;
	return cause_set(cause, "not implemented on macOS yet");
}

void
top_free(struct top_proc *p, size_t n)
{
	free(p);
}
