/* SPDX-License-Identifier: ISC */
/*
 * bounds.c - the state file is bounded by construction.
 *
 * DOC: caps that hold for the file as a whole
 * netd must always be able to read back what it wrote, so the limits
 * are on the whole: at most NETD_MAX_CTRS containers, each at most
 * NETD_CTR_JSON_MAX bytes without its meta (names are DNS labels, at
 * most CTR_MAX_PORTS ports and CTR_MAX_NETS networks), meta at most
 * NETD_META_MAX each and NETD_META_TOTAL all together, and at most
 * NETD_MAX_NETWORKS networks. The sum is below NETD_STATE_MAX, the
 * size state_load() accepts, which a static assertion checks. A create
 * past a cap is refused with what the cap is; a state file past them
 * (made by hand) loses the entries past them, with a warning. The meta
 * of all containers is a running total (d->meta_total, kept by
 * netd_ctr_append and netd_ctr_unlink), so a create reads no other
 * container.
 */
#include <stdlib.h>
#include <string.h>

#include "netd.h"
#include "util.h"

_Static_assert((long long)NETD_MAX_CTRS * NETD_CTR_JSON_MAX +
    NETD_META_TOTAL + (long long)NETD_MAX_NETWORKS * NETD_NET_JSON_MAX +
    4096 <= NETD_STATE_MAX, "the state file's caps exceed what is read");

/* The encoded size of a meta object, as the state file holds it. */
size_t
bounds_meta_len(json_t *meta)
{
	char	*enc;
	size_t	 len;

	if (meta == NULL)
		return 2;
	enc = json_dumps(meta, JSON_COMPACT | JSON_PRESERVE_ORDER);
	len = enc != NULL ? strlen(enc) : 0;
	free(enc);
	return len;
}

/* May one more container with meta_len bytes of meta be stored? */
int
bounds_ctr_admit(const struct netd *d, size_t meta_len, char **cause)
{
	if (d->nctrs >= NETD_MAX_CTRS)
		return cause_set(cause, "there are %d containers, the most "
		    "netd keeps", NETD_MAX_CTRS);
	if (meta_len > NETD_META_MAX)
		return cause_set(cause, "meta is too large (%zu bytes, at "
		    "most %d)", meta_len, NETD_META_MAX);
	/* a running total: a create looks at no other container */
	if (d->meta_total + meta_len > NETD_META_TOTAL)
		return cause_set(cause, "meta is too large: the containers' "
		    "meta takes %zu bytes, at most %d together",
		    d->meta_total, NETD_META_TOTAL);
	return 0;
}

/* May one more network be stored? */
int
bounds_net_admit(const struct netd *d, char **cause)
{
	if (d->nnets >= NETD_MAX_NETWORKS)
		return cause_set(cause, "there are %d networks, the most "
		    "netd keeps", NETD_MAX_NETWORKS);
	return 0;
}
