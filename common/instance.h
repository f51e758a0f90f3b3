/* SPDX-License-Identifier: ISC */
/*
 * instance.h - what names one berth instance, and its defaults: the one
 * place the CLI, netd and the rules builder take them from.
 *
 * An instance is one berth-netd: a control socket, a state directory, an
 * address pool, a prefix (nft table, pf anchor, gateway tun PREFIX0) and
 * a routing table whose number is also the firewall mark. The CLI reads
 * them from BERTH_SOCKET, BERTH_STATE_DIR, BERTH_POOL, BERTH_PREFIX and
 * BERTH_TABLE and gives them to the netd it starts as options.
 */
#ifndef BERTH_INSTANCE_H
#define BERTH_INSTANCE_H

#include <stdint.h>

struct cidr;

/* netd's run-time files shared by every instance: host.json, locks */
#define BERTH_RUN_DIR		"/var/run/berth"
#define BERTH_DEFAULT_SOCKET	BERTH_RUN_DIR "/netd.sock"
#define BERTH_DEFAULT_STATE_DIR	"/var/lib/berth"
#define BERTH_DEFAULT_POOL	"10.213.0.0/16"
#define BERTH_DEFAULT_PREFIX	"berth"
#define BERTH_DEFAULT_TABLE	213	/* routing table and fwmark (0xd5) */
#define BERTH_CTR_IFPREFIX	"bt"	/* + 8 hex digits of the address */
#define BERTH_PREFIX_MAX	14

/* 1 to 14 of a-z, 0-9, _, starting with a letter. */
int	 instance_prefix_check(const char *, char **cause);
/* A pool: prefix length 8..29. */
int	 instance_pool_check(const struct cidr *, char **cause);
int	 instance_pool_parse(const char *, const char *what, struct cidr *,
	    char **cause);
/* A routing table number that is not the kernel's (0, 253..255). */
int	 instance_table_check(uint32_t, char **cause);
/* The same, from text (an option or BERTH_TABLE); what names it. */
int	 instance_table_parse(const char *, const char *what, uint32_t *,
	    char **cause);

#endif
