/* SPDX-License-Identifier: ISC */
/*
 * route.h - addresses, routes and policy rules of netd's interfaces.
 *
 * Linux (route_linux.c) speaks rtnetlink: a container's setup is a
 * handful of messages, well under a millisecond, where `ip` would cost
 * several milliseconds per exec. macOS (route_darwin.c) uses SIOCAIFADDR
 * and the routing socket; it has no policy rules (routing is scoped by
 * source address there, research/macos.md §2.3), so those are no-ops.
 *
 * Every object is found again by what names it: interfaces by name, the
 * routes and rules by netd's routing table id, so cleanup removes
 * exactly this instance's objects.
 */
#ifndef BERTH_ROUTE_H
#define BERTH_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/* Where the host's "lookup local" rule moves to, and netd's rules. */
#define ROUTE_PREF_MARK		50	/* fwmark M lookup T */
#define ROUTE_PREF_LOCAL	100	/* lookup local (moved from 0) */
#define ROUTE_PREF_POOL		101	/* to POOL lookup T */
/*
 * The gateway tun's queue, packets (Linux): every pool-bound packet the
 * host sends waits there for netd's router. The tun default, 500, was
 * overrun by one `berth matrix` burst (256 SYNs and their SYN-ACKs):
 * dropped SYNs read as "drop" (docs/netd.md).
 */
#define ROUTE_GW_TXQLEN		4096

int	 route_open(char **cause);
void	 route_close(void);

/*
 * Bring up an interface holding addr/32: MTU, IPv6 off, the sysctls that
 * let injected packets with local sources in (accept_local, rp_filter);
 * gw: it is the gateway tun (route_localnet, ROUTE_GW_TXQLEN on Linux).
 * src != 0: the address's local route prefers src, so host clients talk
 * to a container from the gateway address and not from the container's
 * own address. The local route also gets the tun's MTU. label (or NULL): a label on the link
 * that names its container (Linux: the ifalias), so that a netd without
 * its state file tells whose a tun is (reconcile.c); macOS has none
 * (its utuns do not outlive netd anyway).
 * Idempotent (reconcile runs it on interfaces that already exist).
 */
int	 route_iface_setup(const char *ifname, uint32_t addr, uint32_t src,
	    int mtu, int gw, const char *label, char **cause);
/* Delete a link by name; a missing one is not an error. */
int	 route_iface_delete(const char *ifname);
/* Call cb with the name of every link; stops when cb returns -1. */
int	 route_iface_list(int (*cb)(const char *ifname, void *arg),
	    void *arg);

/* The label route_iface_setup gave; -1 with ENOTSUP on macOS. */
int	 route_iface_get_label(const char *ifname, char *buf, size_t len);

/* route POOL dev gw_ifname src gw table T (replacing). */
int	 route_pool_add(const struct cidr *pool, const char *gw_ifname,
	    uint32_t gw, uint32_t table, char **cause);
/* The two rules: fwmark mark lookup T; to POOL lookup T. */
int	 route_rules_add(const struct cidr *pool, uint32_t mark,
	    uint32_t table, char **cause);
/* Remove every rule, and every route, that names table T. */
int	 route_table_remove(uint32_t table);
/*
 * Move the "lookup local" rule from preference 0 to ROUTE_PREF_LOCAL:
 * the new rule is added first, so the host is never without one.
 * route_local_restore() does the reverse. Both are idempotent.
 */
int	 route_local_move(char **cause);
int	 route_local_restore(char **cause);

#endif
