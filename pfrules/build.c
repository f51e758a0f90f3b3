/* SPDX-License-Identifier: ISC */
/*
 * build.c - the one rules builder and printer: netd's live ruleset,
 * `berth rules --dry-run` and `berth-netd -n` all come from here.
 *
 * DOC: one path, like pfctl -n
 * A ruleset has a head, what the instance's settings give (pfr_head:
 * the prefix names the nft table, the pf anchor and the gateway tun
 * PREFIX0; the routing table number is the mark), and a body, one call
 * of pfr_add per container with the ports it publishes. netd adds its
 * container table, the dry run the containers a stack file would make;
 * pfr_sort then orders both the same way (containers by address, ports
 * by protocol and host port), so one instance prints one text however
 * its containers came to be. pfr_print renders it the way it is loaded:
 * nft as one script, pf as anchors, each under the pfctl command that
 * loads it. Whether the text is then loaded (netd) or printed (dry
 * runs) is the caller's only difference.
 */
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "instance.h"
#include "pfrules.h"
#include "policy.h"
#include "port.h"
#include "util.h"
#include "xmalloc.h"

void
pfr_head(struct pfr_ruleset *rs, const char *prefix, const struct cidr *pool,
    uint32_t table, char *const *egress, size_t negress)
{
	size_t	 i;

	memset(rs, 0, sizeof(*rs));
	snprintf(rs->name, sizeof(rs->name), "%s", prefix);
	rs->pool = *pool;
	rs->gateway = cidr_gateway(pool);
	snprintf(rs->gw_ifname, sizeof(rs->gw_ifname), "%s0", prefix);
	snprintf(rs->ctr_ifprefix, sizeof(rs->ctr_ifprefix), "%s",
	    BERTH_CTR_IFPREFIX);
	rs->fwmark = table;
	rs->egress = xcalloc(negress + 1, sizeof(*rs->egress));
	for (i = 0; i < negress; i++)
		rs->egress[rs->negress++] = xstrdup(egress[i]);
}

static void *
pfr_grow(void *p, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return p;
	*cap = *cap == 0 ? 16 : *cap * 2;
	return xreallocarray(p, *cap, size);
}

void
pfr_add(struct pfr_ruleset *rs, const char *name, uint32_t addr, int nonat,
    const struct portspec *ports, size_t nports)
{
	struct pfr_container	*c;
	struct pfr_port		*p;
	size_t			 i;

	rs->ctrs = pfr_grow(rs->ctrs, rs->nctrs, &rs->ctrs_cap,
	    sizeof(*rs->ctrs));
	c = &rs->ctrs[rs->nctrs++];
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->addr = addr;
	c->nonat = nonat;
	for (i = 0; i < nports; i++) {
		/* ",proxy" ports are the userspace proxy's. */
		if (ports[i].flags & PORTSPEC_PROXY)
			continue;
		rs->ports = pfr_grow(rs->ports, rs->nports, &rs->ports_cap,
		    sizeof(*rs->ports));
		p = &rs->ports[rs->nports++];
		memset(p, 0, sizeof(*p));
		p->proto = ports[i].proto;
		p->host_addr = ports[i].host_addr;
		p->host_lo = ports[i].host_lo;
		p->host_hi = ports[i].host_hi;
		p->ctr_addr = addr;
		p->ctr_lo = ports[i].ctr_lo;
		p->ctr_hi = ports[i].ctr_hi;
		snprintf(p->ctr_name, sizeof(p->ctr_name), "%s", name);
	}
}

/* ------------------------------------------------------------ policy */

/* A filter at the end of the list, sources and what copied in. */
static struct pfr_filter *
pfr_filter_add(struct pfr_ruleset *rs, const struct pfr_filter *f)
{
	struct pfr_filter	*n;

	rs->filters = pfr_grow(rs->filters, rs->nfilters, &rs->filters_cap,
	    sizeof(*rs->filters));
	n = &rs->filters[rs->nfilters++];
	*n = *f;
	n->src = xreallocarray(NULL, f->nsrc + 1, sizeof(*n->src));
	if (f->nsrc > 0)
		memcpy(n->src, f->src, f->nsrc * sizeof(*n->src));
	n->except = xreallocarray(NULL, f->nexcept + 1, sizeof(*n->except));
	if (f->nexcept > 0)
		memcpy(n->except, f->except, f->nexcept * sizeof(*n->except));
	return n;
}

/* One filter per port entry of ports[0..n-1] (none: every packet). */
static void
pfr_filter_ports(struct pfr_ruleset *rs, struct pfr_filter *f,
    const struct policy_port *ports, size_t n)
{
	size_t	 i;

	if (n == 0) {
		f->proto = 0;
		f->lo = 0;
		f->hi = 65535;
		pfr_filter_add(rs, f);
		return;
	}
	for (i = 0; i < n; i++) {
		f->proto = ports[i].proto;
		f->lo = ports[i].proto == IPPROTO_ICMP ? 0 : ports[i].lo;
		f->hi = ports[i].proto == IPPROTO_ICMP ? 65535 : ports[i].hi;
		pfr_filter_add(rs, f);
	}
}

static int
pfr_addr_cmp(const void *a, const void *b)
{
	uint32_t	 x = ((const struct cidr *)a)->net;
	uint32_t	 y = ((const struct cidr *)b)->net;

	return x < y ? -1 : x > y;
}

/* Does some NetworkPolicy of p isolate e for egress? */
static int
pfr_egress_isolated(const struct policy *p, const struct policy_ep *e)
{
	size_t	 i;

	for (i = 0; i < p->nknps; i++)
		if (p->knps[i].egress && policy_knp_selects(&p->knps[i], e))
			return 1;
	return 0;
}

/*
 * The sources of a filter: those eps (not internal) that rule r's
 * source matches, or NetworkPolicy k selects, or (neither) some
 * NetworkPolicy of p isolates for egress; each a /32, in address order
 * so that netd and a dry run print one text.
 */
static size_t
pfr_filter_srcs(struct pfr_filter *f, const struct policy_ep *eps,
    size_t n, const struct policy *p, const struct policy_rule *r,
    const struct policy_knp *k)
{
	size_t	 i;

	f->nsrc = 0;
	for (i = 0; i < n; i++) {
		if (eps[i].kind != POLICY_EP_CTR || eps[i].internal)
			continue;
		if (r != NULL ? !policy_sel_match(r, &r->from, &eps[i]) :
		    k != NULL ? !policy_knp_selects(k, &eps[i]) :
		    !pfr_egress_isolated(p, &eps[i]))
			continue;
		f->src[f->nsrc].net = eps[i].addr;
		f->src[f->nsrc++].plen = 32;
	}
	qsort(f->src, f->nsrc, sizeof(*f->src), pfr_addr_cmp);
	return f->nsrc;
}

/* A rule's destination outside the pool, or -1: it has none. */
static int
pfr_rule_dst(const struct pfr_ruleset *rs, const struct policy_sel *to,
    struct pfr_filter *f)
{
	f->dst.net = 0;
	f->dst.plen = 0;
	switch (to->kind) {
	case POLICY_SEL_ANY:
		f->dstkind = PFR_DST_ANY;
		return 0;
	case POLICY_SEL_OUTSIDE:
		f->dstkind = PFR_DST_OUTSIDE;
		return 0;
	case POLICY_SEL_HOST:
		f->dstkind = PFR_DST_HOST;
		return 0;
	case POLICY_SEL_CIDR:
		/* all of it in the pool: netd's router decides */
		if (to->cidr.plen >= rs->pool.plen &&
		    cidr_contains(&rs->pool, to->cidr.net))
			return -1;
		f->dstkind = PFR_DST_ANY;
		f->dst = to->cidr;
		return 0;
	default:
		return -1;	/* containers: inside the pool */
	}
}

static enum pfr_verdict
pfr_verdict(enum policy_action a)
{
	return a == POLICY_ALLOW ? PFR_ACCEPT : a == POLICY_DROP ? PFR_DROP :
	    PFR_REJECT;
}

static void
pfr_policy_rules(struct pfr_ruleset *rs, const struct policy *p,
    const struct policy_ep *eps, size_t n, struct pfr_filter *f)
{
	const struct policy_rule	*r;
	size_t				 i;

	for (i = 0; i < p->nrules; i++) {
		r = &p->rules[i];
		if (pfr_rule_dst(rs, &r->to, f) == -1)
			continue;
		f->allsrc = r->from.kind == POLICY_SEL_ANY;
		if (r->from.kind == POLICY_SEL_CIDR) {
			f->src[0] = r->from.cidr;
			f->nsrc = 1;
		} else if (!f->allsrc && pfr_filter_srcs(f, eps, n, p,
		    r, NULL) == 0)
			continue;
		f->verdict = pfr_verdict(r->action);
		snprintf(f->what, sizeof(f->what), "rule %u%s%s", r->id,
		    r->stack != NULL ? " of stack " : "",
		    r->stack != NULL ? r->stack : "");
		f->nexcept = 0;
		pfr_filter_ports(rs, f, r->ports, r->nports);
	}
}

/* What one NetworkPolicy's egress rules admit outside, from f's srcs. */
static void
pfr_policy_knp(struct pfr_ruleset *rs, const struct policy_knp *k,
    struct pfr_filter *f)
{
	const struct policy_krule	*kr;
	const struct policy_kpeer	*pe;
	size_t				 i, j;

	f->verdict = PFR_ACCEPT;
	f->dstkind = PFR_DST_OUTSIDE;
	snprintf(f->what, sizeof(f->what), "networkpolicy %s/%s", k->ns,
	    k->name);
	for (i = 0; i < k->nout; i++) {
		kr = &k->out[i];
		/* no peers: every peer; else the ipBlocks (pod and namespace
		 * peers are containers, inside the pool) */
		for (j = 0; j < (kr->npeers > 0 ? kr->npeers : 1); j++) {
			pe = kr->npeers > 0 ? &kr->peers[j] : NULL;
			if (pe != NULL && !pe->has_ip)
				continue;
			f->dst.net = pe != NULL ? pe->cidr.net : 0;
			f->dst.plen = pe != NULL ? pe->cidr.plen : 0;
			f->except = pe != NULL ? pe->except : NULL;
			f->nexcept = pe != NULL ? pe->nexcept : 0;
			pfr_filter_ports(rs, f, kr->ports, kr->nports);
		}
	}
	f->except = NULL;
	f->nexcept = 0;
}

/* A filter for every protocol and port, added. */
static void
pfr_filter_all(struct pfr_ruleset *rs, struct pfr_filter *f,
    enum pfr_dst dstkind, enum pfr_verdict verdict, const char *what)
{
	f->dstkind = dstkind;
	f->proto = 0;
	f->lo = 0;
	f->hi = 65535;
	f->verdict = verdict;
	snprintf(f->what, sizeof(f->what), "%s", what);
	pfr_filter_add(rs, f);
}

void
pfr_add_policy(struct pfr_ruleset *rs, const struct policy *p,
    const struct policy_ep *eps, size_t n)
{
	struct pfr_filter	 f, iso;
	size_t			 i, niso = 0;

	memset(&f, 0, sizeof(f));
	f.src = xcalloc(n + 1, sizeof(*f.src));
	pfr_policy_rules(rs, p, eps, n, &f);

	/* Kubernetes: those isolated for egress, and what admits them. */
	memset(&iso, 0, sizeof(iso));
	iso.src = xcalloc(n + 1, sizeof(*iso.src));
	for (i = 0; i < p->nknps; i++) {
		if (!p->knps[i].egress ||
		    pfr_filter_srcs(&f, eps, n, p, NULL, &p->knps[i]) == 0)
			continue;
		if (niso++ == 0) {
			/* as in a cluster: the node (host) is not policed */
			iso.allsrc = 1;
			pfr_filter_all(rs, &iso, PFR_DST_HOST, PFR_ACCEPT,
			    "the host: networkpolicy does not apply");
			iso.allsrc = 0;
		}
		f.allsrc = 0;
		pfr_policy_knp(rs, &p->knps[i], &f);
	}
	/* every container some policy isolates, once */
	if (niso > 0 && pfr_filter_srcs(&iso, eps, n, p, NULL, NULL) > 0)
		pfr_filter_all(rs, &iso, PFR_DST_OUTSIDE, PFR_REJECT,
		    "networkpolicy egress isolation");
	free(iso.src);
	free(f.src);
}

static int
pfr_cmp_u32(uint32_t a, uint32_t b)
{
	return a < b ? -1 : a > b;
}

static int
pfr_ctr_cmp(const void *a, const void *b)
{
	return pfr_cmp_u32(((const struct pfr_container *)a)->addr,
	    ((const struct pfr_container *)b)->addr);
}

static int
pfr_port_cmp(const void *a, const void *b)
{
	const struct pfr_port	*p = a, *q = b;
	int			 r;

	if ((r = pfr_cmp_u32(p->proto, q->proto)) != 0 ||
	    (r = pfr_cmp_u32(p->host_lo, q->host_lo)) != 0)
		return r;
	return pfr_cmp_u32(p->host_addr, q->host_addr);
}

void
pfr_sort(struct pfr_ruleset *rs)
{
	if (rs->nctrs > 1)
		qsort(rs->ctrs, rs->nctrs, sizeof(*rs->ctrs), pfr_ctr_cmp);
	if (rs->nports > 1)
		qsort(rs->ports, rs->nports, sizeof(*rs->ports),
		    pfr_port_cmp);
}

char *
pfr_print(const struct pfr_ruleset *rs, const char *format, char **cause)
{
	struct pfr_anchor	*a;
	size_t			 n, i, len = 0;
	char			*s, *text = NULL;

	if (format == NULL || strcmp(format, "nft") == 0)
		return pfr_nft_render(rs, cause);
	if (strcmp(format, "pf") != 0) {
		cause_set(cause, "unknown rule format \"%.16s\" (nft or pf)",
		    format);
		return NULL;
	}
	if (pfr_pf_render(rs, &a, &n, cause) == -1)
		return NULL;
	for (i = 0; i < n; i++) {
		xasprintf(&s, "%s# pfctl -a %s -f -\n%s", i > 0 ? "\n" : "",
		    a[i].path, a[i].text);
		text = xreallocarray(text, 1, len + strlen(s) + 1);
		memcpy(text + len, s, strlen(s) + 1);
		len += strlen(s);
		free(s);
	}
	pfr_anchors_free(a, n);
	return text != NULL ? text : xstrdup("");
}

void
pfr_ruleset_clear(struct pfr_ruleset *rs)
{
	size_t	 i;

	for (i = 0; i < rs->negress; i++)
		free(rs->egress[i]);
	free(rs->egress);
	free(rs->ctrs);
	free(rs->ports);
	for (i = 0; i < rs->nfilters; i++) {
		free(rs->filters[i].src);
		free(rs->filters[i].except);
	}
	free(rs->filters);
	memset(rs, 0, sizeof(*rs));
}

void
pfr_ruleset_free(struct pfr_ruleset *rs)
{
	if (rs == NULL)
		return;
	pfr_ruleset_clear(rs);
	free(rs);
}
