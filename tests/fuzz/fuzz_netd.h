/* SPDX-License-Identifier: ISC */
/*
 * fuzz_netd.h - the netd the state fuzzers parse into: pool
 * 10.240.0.0/16, prefix "berth", nothing started.
 */
#ifndef BERTH_FUZZ_NETD_H
#define BERTH_FUZZ_NETD_H

#include <stdio.h>
#include <string.h>

#include "netd.h"

static inline struct netd *
fuzz_netd(void)
{
	struct netd_config	 cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.pool.net = 0x0af00000u;
	cfg.pool.plen = 16;
	cfg.gateway = 0x0af00001u;
	snprintf(cfg.prefix, sizeof(cfg.prefix), "berth");
	return netd_new(&cfg);
}

#endif
