/* SPDX-License-Identifier: ISC */
/*
 * launch_darwin.c - the launcher's macOS bits: process start times from
 * proc_pidinfo(PROC_PIDTBSDINFO), DYLD_INSERT_LIBRARIES, the .dylib name.
 * SIP strips DYLD_* for protected binaries (docs/runtime.md).
 */
#include <libproc.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/proc_info.h>

#include "launch.h"

unsigned long long
launch_pid_start(pid_t pid)
{
	struct proc_bsdinfo	 bi;

	if (proc_pidinfo(pid, PROC_PIDTBSDINFO, 0, &bi, sizeof(bi)) !=
	    (int)sizeof(bi))
		return 0;
	return (unsigned long long)bi.pbi_start_tvsec * 1000000ULL +
	    bi.pbi_start_tvusec;
}

const char *
launch_shim_path(const char *exe_dir)
{
	static char	 path[4096];
	const char	*env = getenv("BERTH_SHIM");

	if (env != NULL && *env != '\0')
		return env;
	snprintf(path, sizeof(path), "%s/../lib/libberth-shim.dylib",
	    exe_dir);
	return path;
}

const char *
launch_preload_var(void)
{
	return "DYLD_INSERT_LIBRARIES";
}
