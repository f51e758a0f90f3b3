/* SPDX-License-Identifier: ISC */
/*
 * rootfs.h - berth rootfs build: a minimal root filesystem for chroot.
 */
#ifndef BERTH_ROOTFS_H
#define BERTH_ROOTFS_H

#include <stddef.h>

/*
 * Copy the binaries (found through PATH unless they hold a slash),
 * every library they load and the loader into dir at their own paths;
 * write a minimal /etc (passwd, group, hosts, resolv.conf,
 * nsswitch.conf); make /dev/null, /dev/zero, /dev/urandom (root) and
 * /tmp (1777). Re-running over an existing dir updates it.
 */
int	 rootfs_build(const char *dir, char **bins, size_t n, char **cause);

/*
 * Run argv (no shell), return its standard output, NUL-terminated, in
 * *out; *status is its wait status. -1 with *cause if it cannot run.
 */
int	 rootfs_run(char *const argv[], char **out, int *status,
	    char **cause);

/* Append a copy of p to the list *paths of *n. */
void	 rootfs_add(char ***paths, size_t *n, const char *p);

/* rootfs_linux.c / rootfs_darwin.c */
/* Absolute paths of what bin loads (libraries, the loader). */
int	 rootfs_deps(const char *bin, char ***paths, size_t *n, char **cause);

#endif
