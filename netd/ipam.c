/* SPDX-License-Identifier: ISC */
/*
 * ipam.c - address allocation: one bit per address of the pool.
 *
 * DOC: allocation order
 * Addresses are handed out round-robin: the search starts after the last
 * address given, so a just-released address is not reused at once
 * (sockets in TIME_WAIT and clients that cached it would otherwise meet
 * a new container). The network, broadcast and gateway addresses are
 * never handed out. A /16 pool is an 8 KiB bitmap.
 */
#include <stdlib.h>
#include <string.h>

#include "ipam.h"
#include "util.h"
#include "xmalloc.h"

struct ipam {
	struct cidr	 pool;
	uint32_t	 size;		/* addresses in the pool */
	uint32_t	 next;		/* offset to try first */
	uint32_t	 used;
	uint8_t		*bits;
};

struct ipam *
ipam_new(const struct cidr *pool, char **cause)
{
	struct ipam	*ip;
	char		 buf[CIDR_STRLEN];

	if (pool->plen < IPAM_MIN_PLEN || pool->plen > IPAM_MAX_PLEN) {
		cause_set(cause, "pool %s: the prefix length must be %d..%d",
		    cidr_fmt(pool, buf), IPAM_MIN_PLEN, IPAM_MAX_PLEN);
		return NULL;
	}
	ip = xcalloc(1, sizeof(*ip));
	ip->pool = *pool;
	ip->size = cidr_size(pool);
	ip->bits = xcalloc(ip->size / 8, 1);
	ip->next = 0;
	return ip;
}

void
ipam_free(struct ipam *ip)
{
	if (ip == NULL)
		return;
	free(ip->bits);
	free(ip);
}

static bool
ipam_bit(const struct ipam *ip, uint32_t off)
{
	return (ip->bits[off / 8] >> (off % 8)) & 1;
}

bool
ipam_used(const struct ipam *ip, uint32_t a)
{
	if (!cidr_contains(&ip->pool, a))
		return false;
	return ipam_bit(ip, a - ip->pool.net);
}

uint32_t
ipam_count(const struct ipam *ip)
{
	return ip->used;
}

static void
ipam_take(struct ipam *ip, uint32_t off)
{
	ip->bits[off / 8] |= (uint8_t)(1u << (off % 8));
	ip->used++;
}

int
ipam_reserve(struct ipam *ip, uint32_t a, char **cause)
{
	char	 abuf[ADDR_STRLEN], pbuf[CIDR_STRLEN];

	if (!cidr_contains(&ip->pool, a))
		return cause_set(cause, "address %s is not in the pool %s",
		    addr_fmt(a, abuf), cidr_fmt(&ip->pool, pbuf));
	if (a == cidr_gateway(&ip->pool))
		return cause_set(cause, "address %s is the gateway of the "
		    "pool %s", addr_fmt(a, abuf), cidr_fmt(&ip->pool, pbuf));
	if (!cidr_host_usable(&ip->pool, a))
		return cause_set(cause, "address %s is not usable in the "
		    "pool %s", addr_fmt(a, abuf), cidr_fmt(&ip->pool, pbuf));
	if (ipam_bit(ip, a - ip->pool.net))
		return cause_set(cause, "address %s is taken",
		    addr_fmt(a, abuf));
	ipam_take(ip, a - ip->pool.net);
	return 0;
}

int
ipam_alloc(struct ipam *ip, uint32_t *out, char **cause)
{
	char		 pbuf[CIDR_STRLEN];
	uint32_t	 i, off, a;

	for (i = 0; i < ip->size; i++) {
		off = (ip->next + i) % ip->size;
		a = ip->pool.net + off;
		if (ipam_bit(ip, off) || !cidr_host_usable(&ip->pool, a))
			continue;
		ipam_take(ip, off);
		ip->next = (off + 1) % ip->size;
		*out = a;
		return 0;
	}
	return cause_set(cause, "the pool %s is full",
	    cidr_fmt(&ip->pool, pbuf));
}

void
ipam_release(struct ipam *ip, uint32_t a)
{
	uint32_t	 off;

	if (!cidr_contains(&ip->pool, a))
		return;
	off = a - ip->pool.net;
	if (!ipam_bit(ip, off))
		return;
	ip->bits[off / 8] &= (uint8_t)~(1u << (off % 8));
	ip->used--;
}
