/* SPDX-License-Identifier: ISC */
/*
 * ipam.h - container addresses out of the pool.
 */
#ifndef BERTH_IPAM_H
#define BERTH_IPAM_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"

#define IPAM_MIN_PLEN	8
#define IPAM_MAX_PLEN	29

struct ipam;

/* NULL with *cause when the pool is not /8../29. */
struct ipam	*ipam_new(const struct cidr *pool, char **cause);
void		 ipam_free(struct ipam *);
/* Take a requested address: in the pool, usable, free. */
int		 ipam_reserve(struct ipam *, uint32_t a, char **cause);
/* Take the next free address after the last one handed out. */
int		 ipam_alloc(struct ipam *, uint32_t *out, char **cause);
void		 ipam_release(struct ipam *, uint32_t a);
bool		 ipam_used(const struct ipam *, uint32_t a);
uint32_t	 ipam_count(const struct ipam *);

#endif
