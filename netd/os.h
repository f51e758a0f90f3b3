/* SPDX-License-Identifier: ISC */
/*
 * os.h - the few process and kernel-setting facts netd needs that each
 * OS spells differently (os_linux.c, os_darwin.c).
 */
#ifndef BERTH_OS_H
#define BERTH_OS_H

#include <stddef.h>
#include <sys/types.h>

#define OS_MAX_GROUPS	64

struct os_peer {
	uid_t		 uid;
	gid_t		 gid;
	pid_t		 pid;		/* 0 when the OS does not say */
	gid_t		 groups[OS_MAX_GROUPS];	/* supplementary */
	int		 ngroups;
};

/* Credentials of the process at the other end of a unix socket. */
int	 os_peer(int fd, struct os_peer *);
/* Kernel settings by dotted name ("net.ipv4.ip_forward"). */
int	 os_sysctl_get(const char *name, char *buf, size_t len);
int	 os_sysctl_set(const char *name, const char *value);

/*
 * Host-wide settings the datapath needs while any netd runs: want()
 * returns the value to set given the current one, or NULL to leave it.
 * Recorded before the first change and restored after the last netd
 * stops (host.c).
 */
struct os_setting {
	const char	*name;
	const char	*(*want)(const char *cur);
	const char	*why;
};
extern const struct os_setting	os_settings[];
extern const size_t		os_nsettings;

/*
 * Nonzero: every published port is served by netd's userspace proxy, as
 * if it were ",proxy" (docs/rules.md, "Published ports on macOS").
 */
extern const int		os_proxy_ports;

#endif
