/* SPDX-License-Identifier: ISC */
/*
 * launch_linux.c - the launcher's Linux bits: group lists, LD_PRELOAD
 * and the .so name (process start times are common/proc_linux.c's).
 */
#include <sys/types.h>

#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "launch.h"
#include "util.h"


int
launch_os_grouplist(const char *name, gid_t gid, gid_t *groups, int *n)
{
	return getgrouplist(name, gid, groups, n);
}

const char *
launch_preload_var(void)
{
	return "LD_PRELOAD";
}

const char *
launch_shim_name(void)
{
	return "libberth-shim.so";
}
