/* SPDX-License-Identifier: ISC */
/*
 * addr.c - IPv4 address and CIDR parsing and arithmetic.
 *
 * The parser is deliberately stricter than inet_aton(3): "10.1" or
 * "010.0.0.1" are accepted by libc but are almost always typos in a
 * stack file, and every value here may end up in firewall rule text.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "name.h"
#include "util.h"

int
addr_parse(const char *s, uint32_t *out)
{
	uint32_t	 a = 0;
	unsigned	 octet, digits;
	int		 i;

	if (s == NULL)
		goto bad;
	for (i = 0; i < 4; i++) {
		octet = 0;
		digits = 0;
		if (*s == '0' && s[1] >= '0' && s[1] <= '9')
			goto bad;
		while (*s >= '0' && *s <= '9') {
			octet = octet * 10 + (unsigned)(*s - '0');
			if (++digits > 3 || octet > 255)
				goto bad;
			s++;
		}
		if (digits == 0)
			goto bad;
		a = a << 8 | octet;
		if (i < 3) {
			if (*s != '.')
				goto bad;
			s++;
		}
	}
	if (*s != '\0')
		goto bad;
	*out = a;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

int
cidr_parse(const char *s, struct cidr *out, char **cause)
{
	char		 buf[CIDR_STRLEN + 1], q[48], *slash;
	unsigned long	 plen;
	uint32_t	 a;

	/* s comes from a file or a peer: quoted, never echoed raw. */
	name_quote(s != NULL ? s : "", q, sizeof(q));
	if (s == NULL || strlen(s) >= sizeof(buf))
		return cause_set(cause, "bad CIDR \"%s\": expected "
		    "A.B.C.D/N", q);
	memcpy(buf, s, strlen(s) + 1);
	if ((slash = strchr(buf, '/')) == NULL)
		return cause_set(cause, "bad CIDR \"%s\": expected A.B.C.D/N",
		    q);
	*slash = '\0';
	if (addr_parse(buf, &a) == -1)
		return cause_set(cause, "bad CIDR \"%s\": bad address", q);
	if (util_parse_uint(slash + 1, 32, &plen) == -1)
		return cause_set(cause, "bad CIDR \"%s\": prefix length must "
		    "be 0..32", q);
	if ((a & ~cidr_mask((uint8_t)plen)) != 0)
		return cause_set(cause, "bad CIDR \"%s\": host bits are set",
		    q);
	out->net = a;
	out->plen = (uint8_t)plen;
	return 0;
}

const char *
addr_fmt(uint32_t a, char buf[ADDR_STRLEN])
{
	snprintf(buf, ADDR_STRLEN, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff,
	    (a >> 8) & 0xff, a & 0xff);
	return buf;
}

const char *
cidr_fmt(const struct cidr *c, char buf[CIDR_STRLEN])
{
	char	 a[ADDR_STRLEN];

	snprintf(buf, CIDR_STRLEN, "%s/%u", addr_fmt(c->net, a), c->plen);
	return buf;
}

uint32_t
cidr_mask(uint8_t plen)
{
	if (plen == 0)
		return 0;
	if (plen >= 32)
		return 0xffffffffu;
	return ~((1u << (32 - plen)) - 1);
}

bool
cidr_contains(const struct cidr *c, uint32_t a)
{
	return (a & cidr_mask(c->plen)) == c->net;
}

uint32_t
cidr_first(const struct cidr *c)
{
	return c->net;
}

uint32_t
cidr_last(const struct cidr *c)
{
	return c->net | ~cidr_mask(c->plen);
}

uint32_t
cidr_size(const struct cidr *c)
{
	if (c->plen == 0)
		return 0;
	return 1u << (32 - c->plen);
}

uint32_t
cidr_gateway(const struct cidr *c)
{
	return c->net + 1;
}

bool
cidr_host_usable(const struct cidr *c, uint32_t a)
{
	if (!cidr_contains(c, a))
		return false;
	if (c->plen >= 31)
		return false;	/* no room for a gateway and containers */
	return a != cidr_first(c) && a != cidr_last(c) &&
	    a != cidr_gateway(c);
}

bool
cidr_overlap(const struct cidr *a, const struct cidr *b)
{
	uint8_t	 p = a->plen < b->plen ? a->plen : b->plen;

	return (a->net & cidr_mask(p)) == (b->net & cidr_mask(p));
}
