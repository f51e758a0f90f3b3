/* SPDX-License-Identifier: ISC */
/*
 * instance.c - checks of the settings that name an instance (instance.h).
 */
#include <ctype.h>
#include <string.h>

#include "addr.h"
#include "instance.h"
#include "util.h"

int
instance_prefix_check(const char *prefix, char **cause)
{
	size_t	 i, n = strlen(prefix);

	if (n == 0 || n > BERTH_PREFIX_MAX ||
	    !islower((unsigned char)prefix[0]))
		return cause_set(cause, "prefix \"%.32s\": 1 to %d characters, "
		    "starting with a lowercase letter", prefix,
		    BERTH_PREFIX_MAX);
	for (i = 0; i < n; i++)
		if (!islower((unsigned char)prefix[i]) &&
		    !isdigit((unsigned char)prefix[i]) && prefix[i] != '_')
			return cause_set(cause, "prefix \"%s\": only a-z, 0-9 "
			    "and _", prefix);
	return 0;
}

int
instance_table_check(uint32_t table, char **cause)
{
	if (table == 0 || (table >= 253 && table <= 255) ||
	    table > 0x7fffffff)
		return cause_set(cause, "table %u is reserved (use 1..252 or "
		    "256..2147483647)", table);
	return 0;
}

int
instance_table_parse(const char *s, const char *what, uint32_t *out,
    char **cause)
{
	unsigned long	 ul;

	if (util_parse_uint(s, 0x7fffffff, &ul) == -1)
		return cause_set(cause, "%s \"%.32s\": a number is wanted (a "
		    "routing table, 1..252 or 256..2147483647)", what, s);
	if (instance_table_check((uint32_t)ul, cause) == -1)
		return cause_prefix(cause, "%s", what);
	*out = (uint32_t)ul;
	return 0;
}

int
instance_pool_check(const struct cidr *pool, char **cause)
{
	char	 buf[CIDR_STRLEN];

	if (pool->plen < 8 || pool->plen > 29)
		return cause_set(cause, "pool %s: the prefix length must be "
		    "8..29", cidr_fmt(pool, buf));
	return 0;
}

int
instance_pool_parse(const char *s, const char *what, struct cidr *pool,
    char **cause)
{
	if (cidr_parse(s, pool, cause) == -1)
		return cause_prefix(cause, "%s", what);
	return instance_pool_check(pool, cause);
}
