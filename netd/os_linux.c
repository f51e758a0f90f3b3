/* SPDX-License-Identifier: ISC */
/*
 * os_linux.c - peer credentials, process start times and sysctls on
 * Linux.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
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
	struct ucred	 cred;
	socklen_t	 len = sizeof(cred);
	gid_t		 groups[OS_MAX_GROUPS];
	int		 n;

	memset(p, 0, sizeof(*p));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
		return -1;
	p->uid = cred.uid;
	p->gid = cred.gid;
	p->pid = cred.pid;
	/* SO_PEERGROUPS (Linux 4.13): the supplementary groups at
	 * connect(); more than OS_MAX_GROUPS (ERANGE) are not needed. */
	len = sizeof(groups);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == 0) {
		n = (int)(len / sizeof(gid_t));
		memcpy(p->groups, groups, (size_t)n * sizeof(gid_t));
		p->ngroups = n;
	}
	return 0;
}

static void
os_sysctl_path(const char *name, char *path, size_t len)
{
	char	*p;

	snprintf(path, len, "/proc/sys/%s", name);
	for (p = path + strlen("/proc/sys/"); *p != '\0'; p++)
		if (*p == '.')
			*p = '/';
}

int
os_sysctl_get(const char *name, char *buf, size_t len)
{
	char	 path[256], *s;
	size_t	 n;

	os_sysctl_path(name, path, sizeof(path));
	if ((s = util_read_file(path, 4096, &n)) == NULL)
		return -1;
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
	snprintf(buf, len, "%s", s);
	free(s);
	return 0;
}

int
os_sysctl_set(const char *name, const char *value)
{
	char	 path[256];
	int	 fd, ret = -1, saved;
	size_t	 n = strlen(value);

	os_sysctl_path(name, path, sizeof(path));
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) == -1)
		return -1;
	if (write(fd, value, n) == (ssize_t)n)
		ret = 0;
	saved = errno;
	close(fd);
	errno = saved;
	return ret;
}

static const char *
os_want_1(const char *cur)
{
	return strcmp(cur, "1") == 0 ? NULL : "1";
}

static const char *
os_want_0(const char *cur)
{
	return strcmp(cur, "0") == 0 ? NULL : "0";
}

/* Strict reverse-path filtering drops what netd writes into a tun
 * (the source is local, and its route is another interface); the
 * effective value is max(all, dev), so "all" must not be 1. */
static const char *
os_want_loose(const char *cur)
{
	return strcmp(cur, "1") == 0 ? "2" : NULL;
}

const struct os_setting os_settings[] = {
	{ "net.ipv4.ip_forward", os_want_1,
	    "packets from other hosts to published ports are forwarded "
	    "into the gateway tun" },
	{ "net.ipv4.tcp_early_demux", os_want_0,
	    "early demux attaches a socket to forwarded packets, which "
	    "ip_forward then drops" },
	{ "net.ipv4.tcp_tw_reuse", os_want_1,
	    "the default (2) reuses TIME_WAIT ports for 127/8 only" },
	{ "net.ipv4.conf.all.rp_filter", os_want_loose,
	    "strict reverse-path filtering drops injected packets" },
};
const size_t os_nsettings = nitems(os_settings);

/* The firewall this OS has. */
const struct fw_backend *const fw_os = &fw_nft;
