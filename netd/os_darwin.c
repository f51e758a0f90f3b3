/* SPDX-License-Identifier: ISC */
/*
 * os_darwin.c - peer credentials, process start times and sysctls on
 * macOS.
 */
#include <sys/types.h>
#include <sys/proc.h>
#include <sys/socket.h>
#include <sys/sysctl.h>
#include <sys/ucred.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fw.h"
#include "os.h"
#include "util.h"

int
os_peer(int fd, struct os_peer *p)
{
	struct xucred	 xu;
	socklen_t	 len = sizeof(xu);
	pid_t		 pid;
	int		 i;

	memset(p, 0, sizeof(*p));
	if (getpeereid(fd, &p->uid, &p->gid) == -1)
		return -1;
	if (getsockopt(fd, SOL_LOCAL, LOCAL_PEERCRED, &xu, &len) == 0 &&
	    xu.cr_version == XUCRED_VERSION) {
		for (i = 0; i < xu.cr_ngroups && i < OS_MAX_GROUPS; i++)
			p->groups[i] = xu.cr_groups[i];
		p->ngroups = i;
	}
	len = sizeof(pid);
	if (getsockopt(fd, SOL_LOCAL, LOCAL_PEERPID, &pid, &len) == 0)
		p->pid = pid;
	return 0;
}

int
os_sysctl_get(const char *name, char *buf, size_t len)
{
	int	 v;
	size_t	 n = sizeof(v);

	if (sysctlbyname(name, &v, &n, NULL, 0) == -1)
		return -1;
	snprintf(buf, len, "%d", v);
	return 0;
}

int
os_sysctl_set(const char *name, const char *value)
{
	int	 v = atoi(value);

	return sysctlbyname(name, NULL, NULL, &v, sizeof(v));
}

/*
 * netd writes every packet into the utun that owns its destination, so
 * the strong end-system check (macos.md §2.4) never drops it; nothing
 * host-wide needs changing yet.
 */
const struct os_setting os_settings[] = {
	{ NULL, NULL, NULL },
};
const size_t os_nsettings = 0;

/* The firewall this OS has. */
const struct fw_backend *const fw_os = &fw_pf;
