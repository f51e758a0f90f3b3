/* SPDX-License-Identifier: ISC */
/*
 * addr.h - IPv4 addresses and CIDR prefixes.
 *
 * Inside berth an IPv4 address is a uint32_t in host byte order; it is
 * converted to network order only at the system call boundary.
 */
#ifndef BERTH_ADDR_H
#define BERTH_ADDR_H

#include <stdbool.h>
#include <stdint.h>

#define ADDR_STRLEN	16	/* "255.255.255.255" + NUL */
#define CIDR_STRLEN	20	/* "255.255.255.255/32" + NUL, rounded */

struct cidr {
	uint32_t	 net;	/* host order, host bits zero */
	uint8_t		 plen;	/* 0..32 */
};

/* Strict dotted quad: four decimal octets, no leading zeros, no spaces. */
int	 addr_parse(const char *s, uint32_t *out);
/* "A.B.C.D/N"; refuses host bits set and prefixes outside min..max. */
int	 cidr_parse(const char *s, struct cidr *out, char **cause);
const char *addr_fmt(uint32_t a, char buf[ADDR_STRLEN]);
const char *cidr_fmt(const struct cidr *c, char buf[CIDR_STRLEN]);
uint32_t cidr_mask(uint8_t plen);
bool	 cidr_contains(const struct cidr *c, uint32_t a);
uint32_t cidr_first(const struct cidr *c);	/* network address */
uint32_t cidr_last(const struct cidr *c);	/* broadcast address */
uint32_t cidr_size(const struct cidr *c);	/* 2^(32-plen), 0 for /0 */
/* The gateway: the first host address of the pool. */
uint32_t cidr_gateway(const struct cidr *c);
/* true when a is usable by a container of pool c: inside, not the
 * network, broadcast or gateway address. */
bool	 cidr_host_usable(const struct cidr *c, uint32_t a);
bool	 cidr_overlap(const struct cidr *a, const struct cidr *b);

#endif
