/* SPDX-License-Identifier: ISC */
/*
 * enforce_fw.c - network policy in the firewall, for what does not
 * cross the router.
 *
 * DOC: Theory of Operation
 * Where packets do not cross the router (a container's traffic out of
 * the pool, on Linux), the same model is compiled into the firewall's
 * policy filters (pfrules/build.c, pfr_add_policy) over every
 * container: enforce_ruleset adds them to netd's ruleset, and
 * enforce_sync loads the firewall again, synchronously, whenever a
 * change (a rule, a container, a label, a network) changes them.
 * A hash of what the filters render into rule text tells whether a
 * change needs a load at all.
 */
#include <stdlib.h>
#include <string.h>

#include "enforce.h"
#include "enforce_int.h"
#include "fw.h"
#include "log.h"
#include "netd.h"
#include "xmalloc.h"

/*
 * FNV-1a over what reaches rule text: the filters, and the containers
 * when a filter is from every one (pf lists them; nft's @ctrs follows
 * by itself, but one rule for both is simpler).
 */
static uint64_t
enforce_fw_hash(struct enforce *e, const struct pfr_ruleset *rs)
{
	const struct pfr_filter	*f;
	uint64_t		 h = 1469598103934665603ull;
	size_t			 i;
	int			 all = 0, nonat;

#define MIXB(p, n) do {							\
	const unsigned char *b_ = (const unsigned char *)(p);		\
	size_t n_;							\
	for (n_ = 0; n_ < (n); n_++)					\
		h = (h ^ b_[n_]) * 1099511628211ull;			\
} while (0)
	for (i = 0; i < rs->nfilters; i++) {
		f = &rs->filters[i];
		MIXB(&f->allsrc, sizeof(f->allsrc));
		MIXB(f->src, f->nsrc * sizeof(*f->src));
		MIXB(&f->nsrc, sizeof(f->nsrc));
		MIXB(&f->dstkind, sizeof(f->dstkind));
		MIXB(&f->dst, sizeof(f->dst));
		MIXB(f->except, f->nexcept * sizeof(*f->except));
		MIXB(&f->nexcept, sizeof(f->nexcept));
		MIXB(&f->proto, sizeof(f->proto));
		MIXB(&f->lo, sizeof(f->lo));
		MIXB(&f->hi, sizeof(f->hi));
		MIXB(&f->verdict, sizeof(f->verdict));
		MIXB(f->what, strlen(f->what) + 1);
		all |= f->allsrc;
	}
	for (i = 0; all && i < e->d->nctrs; i++) {
		nonat = netd_ctr_nonat(e->d, e->d->ctrs[i]);
		MIXB(&e->d->ctrs[i]->addr, sizeof(e->d->ctrs[i]->addr));
		MIXB(&nonat, sizeof(nonat));
	}
#undef MIXB
	return h;
}

/* Policy filters for what does not cross the router, over every
 * container: pfrules' one compiler, as for a dry run. */
static void
enforce_filters(struct enforce *e, struct pfr_ruleset *rs)
{
	struct netd		*d = e->d;
	struct enforce_ep	*x;
	struct policy_ep	*eps;
	size_t			 i;

	/* No rules: no filters (and no look at every container). */
	if (!policy_has_rules(&e->pol))
		return;
	x = xcalloc(d->nctrs + 1, sizeof(*x));
	eps = xcalloc(d->nctrs + 1, sizeof(*eps));
	for (i = 0; i < d->nctrs; i++) {
		enforce_ep_ctr(e, d->ctrs[i], &x[i]);
		eps[i] = x[i].ep;
		eps[i].labels = x[i].labels;
	}
	pfr_add_policy(rs, &e->pol, eps, d->nctrs);
	free(eps);
	free(x);
}

void
enforce_ruleset(struct enforce *e, struct pfr_ruleset *rs)
{
	if (e == NULL)
		return;
	enforce_filters(e, rs);
	e->fwhash = enforce_fw_hash(e, rs);
}

/*
 * Load the firewall again when what the policy renders into it changed,
 * at once (synchronously): when `berth policy add` returns, its rule
 * holds on the kernel's paths too.
 */
void
enforce_fw_sync(struct enforce *e)
{
	struct pfr_ruleset	 rs, *full;
	char			*cause = NULL;
	uint64_t		 h;

	if (!e->fwloaded || e->d->fw == NULL)
		return;
	netd_ruleset_head(&e->d->cfg, &rs);
	enforce_filters(e, &rs);
	h = enforce_fw_hash(e, &rs);
	pfr_ruleset_clear(&rs);
	if (h == e->fwhash)
		return;
	full = netd_ruleset(e->d);
	if (fw_load(e->d->fw, full, &cause) == -1) {
		log_warnx("%s: loading the policy's rules: %s", __func__,
		    cause);
		free(cause);
	} else
		log_debug("%s: %zu policy filter(s) loaded", __func__,
		    full->nfilters);
	pfr_ruleset_free(full);
}

void
enforce_fw_loaded(struct enforce *e)
{
	if (e != NULL)
		e->fwloaded = 1;
}
