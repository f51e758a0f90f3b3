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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "instance.h"
#include "pfrules.h"
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
