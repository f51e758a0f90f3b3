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

unsigned long long
launch_pid_start(pid_t pid)
{
	char			 path[64], *text, *p;
	unsigned long long	 start = 0;
	int			 field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((text = util_read_file(path, 4096, NULL)) == NULL)
		return 0;
	/* comm may hold spaces and ')': fields start after the last ')' */
	if ((p = strrchr(text, ')')) != NULL) {
		/* field 3 (state) follows; starttime is field 22 */
		for (field = 2; field < 22 && p != NULL; field++)
			p = strchr(p + 1, ' ');
		if (p != NULL)
			start = strtoull(p + 1, NULL, 10);
	}
	free(text);
	return start;
}

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
