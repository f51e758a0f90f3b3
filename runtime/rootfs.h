/* SPDX-License-Identifier: ISC */
/*
 * rootfs.h - berth rootfs build: a minimal root filesystem for chroot.
 */
#ifndef BERTH_ROOTFS_H
#define BERTH_ROOTFS_H

#include <stddef.h>

/*
 * Copy the binaries (found through PATH), every library they load and
 * the loader into dir at their own paths; write a minimal /etc (passwd,
 * group, hosts, resolv.conf, nsswitch.conf); make /dev/null, /dev/zero,
 * /dev/urandom and /tmp. Re-running over an existing dir updates it.
 */
int	 rootfs_build(const char *dir, char **bins, size_t n, char **cause);

/* rootfs_linux.c / rootfs_darwin.c */
/* Absolute paths of what bin loads (libraries, the loader). */
int	 rootfs_deps(const char *bin, char ***paths, size_t *n, char **cause);
int	 rootfs_devices(const char *dir, char **cause);

#endif
