/* SPDX-License-Identifier: ISC */
/*
 * launch_darwin.c - the launcher's macOS bits: group lists,
 * DYLD_INSERT_LIBRARIES and the .dylib name (process start times are
 * common/proc_darwin.c's, from sysctl KERN_PROC_PID). SIP strips DYLD_*
 * for protected binaries and their children (docs/runtime.md). Not
 * compiled on Linux.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "launch.h"
#include "util.h"


/* macOS declares getgrouplist() with int, gid_t is unsigned 32 bits */
int
launch_os_grouplist(const char *name, gid_t gid, gid_t *groups, int *n)
{
	return getgrouplist(name, (int)gid, (int *)groups, n);
}

const char *
launch_preload_var(void)
{
	return "DYLD_INSERT_LIBRARIES";
}

const char *
launch_shim_name(void)
{
	return "libberth-shim.dylib";
}

int
launch_os_isolate_ok(const struct launch_spec *ls, char **cause)
{
	return cause_set(cause, "--hostname and --volume need Linux "
	    "namespaces; macOS has none (copy files into the rootfs)");
}

int
launch_os_isolate(const struct launch_spec *ls)
{
	errno = ENOTSUP;
	return -1;
}

pid_t
launch_os_fork_into(int cgfd)
{
	(void)cgfd;
	errno = ENOSYS;		/* no cgroups */
	return -1;
}

int
launch_os_loopback(const char *addr, char *buf, size_t len)
{
	return -1;	/* 127.0.0.1 only, without lo0 aliases */
}
