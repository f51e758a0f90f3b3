/* SPDX-License-Identifier: ISC */
/*
 * launch_linux.c - the launcher's Linux bits: process start times from
 * /proc, group lists, LD_PRELOAD and the .so name.
 */
#include <sys/types.h>

#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "launch.h"
#include "util.h"

int	 launch_os_grouplist(const char *, gid_t, gid_t *, int *);

int
launch_os_grouplist(const char *name, gid_t gid, gid_t *groups, int *n)
{
	return getgrouplist(name, gid, groups, n);
}

const char *
launch_shim_path(const char *exe_dir)
{
	static char	 path[4096];
	const char	*env = getenv("BERTH_SHIM");

	if (env != NULL && *env != '\0')
		return env;
	/* build/bin -> build/lib; PREFIX/bin -> PREFIX/lib */
	snprintf(path, sizeof(path), "%s/../lib/libberth-shim.so", exe_dir);
	return path;
}

const char *
launch_preload_var(void)
{
	return "LD_PRELOAD";
}
