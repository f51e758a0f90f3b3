/* SPDX-License-Identifier: ISC */
/*
 * host.h - host-wide settings shared by every berth-netd on the machine.
 */
#ifndef BERTH_HOST_H
#define BERTH_HOST_H

#include <stdint.h>

#include "addr.h"
#include "instance.h"

#define HOST_DIR	BERTH_RUN_DIR

struct host_self {
	const char	*prefix;
	struct cidr	 pool;
	uint32_t	 table;
	const char	*file;		/* NULL: HOST_DIR/host.json */
};

/*
 * Register this netd: refuse when a live instance uses the same table,
 * prefix or an overlapping pool; on the first one, record the original
 * value of each setting it changes (os_settings) and move the local
 * rule.
 */
int	 host_enter(const struct host_self *, char **cause);
/*
 * Unregister this netd and any dead instance of the same table; when no
 * live instance is left, restore the settings and the local rule.
 */
int	 host_leave(const struct host_self *, char **cause);

/* Another live instance's pool holds addr (1), or not (0); -1: unknown. */
int	 host_pool_user(const struct host_self *, uint32_t addr);

#endif
