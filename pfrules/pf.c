/* SPDX-License-Identifier: ISC */
/*
 * pf.c - the pf renderer (macOS: OpenBSD 4.x syntax).
 *
 * DOC: anchors under com.apple
 * The stock /etc/pf.conf evaluates every anchor directly under
 * "com.apple" (its nat-anchor, rdr-anchor and anchor calls end in a
 * wildcard), so berth
 * loads its rules there with `pfctl -a PATH -f -` and never edits
 * pf.conf or the main ruleset. A wildcard is not recursive, so the
 * ruleset's own anchor holds only wildcard calls, relative to itself,
 * for its children:
 *
 *	com.apple/NAME              nat-anchor "*", rdr-anchor "*", anchor "*"
 *	com.apple/NAME/nat          egress NAT on each egress interface, the
 *	                            <nonat> table, no-NAT and block rules
 *	com.apple/NAME/pub.tcp.8080 one anchor per published port:
 *	                            rdr pass on lo0 ... -> ADDR port N
 *
 * so publishing or unpublishing a port loads or flushes only its own
 * anchor, and an internal container is one `pfctl -t nonat -T add`.
 * Syntax is pre-4.7 OpenBSD (`nat on IF ... -> (IF)`, `rdr on lo0 ...
 * -> ADDR port N`, ranges `port A:B -> ADDR port C:*`): macOS pf has no
 * nat-to/rdr-to. Published ports use `rdr on lo0` only, which catches
 * this host's clients (127.0.0.1 and its own addresses go over lo0);
 * other hosts need netd's userspace proxy, because macOS drops a packet
 * rdr'ed from en0 to a utun address (research/macos.md §4).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "ir.h"
#include "pfrules.h"
#include "util.h"
#include "xmalloc.h"

#define PF_ROOT		"com.apple"
#define PF_NAT		"nat"
#define PF_NONAT_TABLE	"nonat"
#define PF_LOOPBACK	"lo0"

static void
pf_range(char *buf, size_t len, uint16_t lo, uint16_t hi, const char *sep)
{
	if (lo == hi)
		snprintf(buf, len, "%u", lo);
	else
		snprintf(buf, len, "%u%s%u", lo, sep, hi);
}

static char *
pf_port_path(const struct pfr_ruleset *rs, const struct pfr_port *p)
{
	char	 a[ADDR_STRLEN], r[16], *path;

	pf_range(r, sizeof(r), p->host_lo, p->host_hi, "-");
	xasprintf(&path, "%s/%s/pub.%s.%s%s%s", PF_ROOT, rs->name,
	    pfr_proto_name(p->proto), p->host_addr != 0 ?
	    addr_fmt(p->host_addr, a) : "", p->host_addr != 0 ? "." : "", r);
	return path;
}

static char *
pf_port_text(const struct pfr_port *p)
{
	struct pfr_buf	 b = { NULL, 0, 0 };
	char		 d[PFR_PORTDESC_LEN], ha[ADDR_STRLEN], ca[ADDR_STRLEN];
	char		 hr[16], cr[16];

	pf_range(hr, sizeof(hr), p->host_lo, p->host_hi, ":");
	/* "C:*": the range maps one to one, starting at C. */
	if (p->host_lo == p->host_hi)
		snprintf(cr, sizeof(cr), "%u", p->ctr_lo);
	else
		snprintf(cr, sizeof(cr), "%u:*", p->ctr_lo);
	pfr_buf_printf(&b, "# %s: %s -> %s port %u", p->ctr_name,
	    pfr_port_desc(p, d), addr_fmt(p->ctr_addr, ca), p->ctr_lo);
	if (p->ctr_hi != p->ctr_lo)
		pfr_buf_printf(&b, "-%u", p->ctr_hi);
	pfr_buf_printf(&b, "\nrdr pass on %s inet proto %s from any to %s "
	    "port %s -> %s port %s\n", PF_LOOPBACK, pfr_proto_name(p->proto),
	    p->host_addr != 0 ? addr_fmt(p->host_addr, ha) : "any", hr, ca,
	    cr);
	return pfr_buf_take(&b);
}

static char *
pf_nat_text(const struct pfr_ruleset *rs)
{
	struct pfr_buf	 b = { NULL, 0, 0 };
	char		 pool[CIDR_STRLEN], a[ADDR_STRLEN];
	size_t		 i;
	int		 any = 0;

	cidr_fmt(&rs->pool, pool);
	pfr_buf_printf(&b, "# Egress NAT of the pool %s; containers on "
	    "internal networks only\n# (<%s>) are neither translated nor let "
	    "out.\ntable <%s> persist", pool, PF_NONAT_TABLE, PF_NONAT_TABLE);
	for (i = 0; i < rs->nctrs; i++) {
		if (!rs->ctrs[i].nonat)
			continue;
		pfr_buf_printf(&b, "%s%s", any++ ? ", " : " { ",
		    addr_fmt(rs->ctrs[i].addr, a));
	}
	pfr_buf_printf(&b, "%s\n", any ? " }" : "");
	for (i = 0; i < rs->negress; i++)
		pfr_buf_printf(&b, "no nat on %s inet from <%s> to any\n",
		    rs->egress[i], PF_NONAT_TABLE);
	for (i = 0; i < rs->negress; i++)
		pfr_buf_printf(&b, "nat on %s inet from %s to any -> (%s)\n",
		    rs->egress[i], pool, rs->egress[i]);
	for (i = 0; i < rs->negress; i++)
		pfr_buf_printf(&b, "block drop out quick on %s inet from <%s> "
		    "to any\n", rs->egress[i], PF_NONAT_TABLE);
	return pfr_buf_take(&b);
}

int
pfr_pf_render(const struct pfr_ruleset *rs, struct pfr_anchor **out,
    size_t *nout, char **cause)
{
	struct pfr_anchor	*a;
	char			 pool[CIDR_STRLEN];
	size_t			 i, n;

	*out = NULL;
	*nout = 0;
	if (pfr_validate(rs, cause) == -1)
		return -1;
	if (rs->negress == 0)
		return cause_set(cause, "pf rules need at least one egress "
		    "interface");
	n = 2 + rs->nports;
	a = xcalloc(n, sizeof(*a));
	xasprintf(&a[0].path, "%s/%s", PF_ROOT, rs->name);
	xasprintf(&a[0].text, "# berth ruleset \"%s\", pool %s: its children "
	    "(%s, pub.*) are evaluated\n# only through these calls, relative "
	    "to this anchor. Load it first.\nnat-anchor \"*\"\n"
	    "rdr-anchor \"*\"\nanchor \"*\"\n", rs->name,
	    cidr_fmt(&rs->pool, pool), PF_NAT);
	xasprintf(&a[1].path, "%s/%s/%s", PF_ROOT, rs->name, PF_NAT);
	a[1].text = pf_nat_text(rs);
	for (i = 0; i < rs->nports; i++) {
		a[2 + i].path = pf_port_path(rs, &rs->ports[i]);
		a[2 + i].text = pf_port_text(&rs->ports[i]);
	}
	*out = a;
	*nout = n;
	return 0;
}

int
pfr_pf_port(const struct pfr_ruleset *rs, const struct pfr_port *p,
    struct pfr_anchor *out, char **cause)
{
	out->path = out->text = NULL;
	if (pfr_check_head(rs, cause) == -1 ||
	    pfr_check_port(rs, p, cause) == -1)
		return -1;
	out->path = pf_port_path(rs, p);
	out->text = pf_port_text(p);
	return 0;
}

void
pfr_anchors_free(struct pfr_anchor *a, size_t n)
{
	size_t	 i;

	if (a == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(a[i].path);
		free(a[i].text);
	}
	free(a);
}

int
pfr_pf_container(const struct pfr_ruleset *rs,
    const struct pfr_container *c, int add, char ***argvp, char **cause)
{
	char	**argv, a[ADDR_STRLEN];

	*argvp = NULL;
	if (pfr_check_head(rs, cause) == -1 ||
	    pfr_check_container(rs, c, cause) == -1)
		return -1;
	if (!c->nonat)
		return 0;
	argv = xcalloc(8, sizeof(*argv));
	argv[0] = xstrdup("-a");
	xasprintf(&argv[1], "%s/%s/%s", PF_ROOT, rs->name, PF_NAT);
	argv[2] = xstrdup("-t");
	argv[3] = xstrdup(PF_NONAT_TABLE);
	argv[4] = xstrdup("-T");
	argv[5] = xstrdup(add ? "add" : "delete");
	argv[6] = xstrdup(addr_fmt(c->addr, a));
	*argvp = argv;
	return 0;
}

void
pfr_argv_free(char **argv)
{
	size_t	 i;

	if (argv == NULL)
		return;
	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}
