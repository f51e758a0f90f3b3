/* SPDX-License-Identifier: ISC */
/*
 * proc_darwin.c - process start times from sysctl(KERN_PROC_PID).
 * Not compiled on Linux.
 */
#include <sys/types.h>
#include <sys/sysctl.h>

#include <mach-o/dyld.h>
#include <limits.h>
#include <stdlib.h>

#include "proc.h"

const char *
proc_self_exe(void)
{
	static char	 path[PATH_MAX];
	char		 raw[PATH_MAX];
	uint32_t	 size = sizeof(raw);

	if (_NSGetExecutablePath(raw, &size) != 0 ||
	    realpath(raw, path) == NULL)
		return NULL;
	return path;
}

unsigned long long
proc_start(pid_t pid)
{
	struct kinfo_proc	 kp;
	size_t			 len = sizeof(kp);
	int			 mib[4] = { CTL_KERN, KERN_PROC, KERN_PROC_PID,
				    (int)pid };

	if (sysctl(mib, 4, &kp, &len, NULL, 0) == -1 || len == 0)
		return 0;
	return (unsigned long long)kp.kp_proc.p_starttime.tv_sec * 1000000ULL
	    + (unsigned long long)kp.kp_proc.p_starttime.tv_usec;
}

int
proc_uid(pid_t pid, uid_t *uid)
{
	struct kinfo_proc	 kp;
	size_t			 len = sizeof(kp);
	int			 mib[4] = { CTL_KERN, KERN_PROC, KERN_PROC_PID,
				    (int)pid };

	if (sysctl(mib, 4, &kp, &len, NULL, 0) == -1 || len == 0)
		return -1;
	*uid = kp.kp_eproc.e_pcred.p_ruid;
	return 0;
}

int
proc_running(pid_t pid, unsigned long long start)
{
	struct kinfo_proc	 kp;
	size_t			 len = sizeof(kp);
	int			 mib[4] = { CTL_KERN, KERN_PROC, KERN_PROC_PID,
				    (int)pid };

	if (pid <= 0 || start == 0 || proc_start(pid) != start)
		return 0;
	if (sysctl(mib, 4, &kp, &len, NULL, 0) == -1 || len == 0)
		return 0;
	return kp.kp_proc.p_stat != SZOMB;
}
