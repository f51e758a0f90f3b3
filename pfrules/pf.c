/* SPDX-License-Identifier: ISC */
/*
 * pf.c - the pf renderer (macOS: OpenBSD 4.x syntax) and the pfctl
 * commands netd runs.
 *
 * DOC: anchors under com.apple
 * The stock /etc/pf.conf evaluates every anchor directly under
 * "com.apple" (its nat-anchor, rdr-anchor and anchor calls end in a
 * wildcard), so berth loads its rules there with `pfctl -a PATH -f -`
 * and never edits pf.conf or the main ruleset. A wildcard is not
 * recursive: the ruleset's own anchor holds the calls, relative to
 * itself, for its children, each restricted to the packets that child
 * can match, so pf does not walk berth's rules for other traffic:
 *
 *	com.apple/NAME           nat-anchor "nat" inet from POOL
 *	                         rdr-anchor "pub/" "*" on lo0 (tcp, udp)
 *	                         anchor "nat" out inet from POOL
 *	                         anchor "policy" out from POOL to ! POOL
 *	com.apple/NAME/nat       <nonat> and <inside> tables, egress NAT on
 *	                         each egress interface, the internal block
 *	com.apple/NAME/policy    the policy for what containers send out
 *	                         of the pool (the router decides the rest)
 *	com.apple/NAME/pub/CTR   one anchor per container with published
 *	                         ports: its rdr rules, all of them
 *
 * (the rdr call's anchor is "pub/" followed by "*": every child of pub).
 * Starting or removing a container loads or flushes only its own anchor
 * and adds or deletes its address in <nonat>; a container with 1000
 * ports is one pfctl run, not 1000. Internal containers (<nonat>) are
 * never translated and may send only to the pool (<inside>), out of
 * any interface: a second NIC, a VPN utun or bridge100 lets nothing of
 * theirs out either, and lo0 neither, so the host's addresses and
 * published ports are refused as nft's internal_output refuses them
 * (at once: a RST, or ICMP filter-prohib). Interface names are
 * printed quoted ("en0"): pfctl's lexer takes a quoted word as a string,
 * never as one of its keywords (an interface named "all" or "port").
 *
 * Syntax is pre-4.7 OpenBSD (`nat on IF ... -> (IF)`, `rdr on lo0 ...
 * -> ADDR port N`, ranges `port A:B -> ADDR port C:*`): macOS pf has no
 * nat-to/rdr-to. Published ports use `rdr on lo0` only, which catches
 * this host's clients; other hosts need netd's userspace proxy, because
 * macOS drops a packet rdr'ed from en0 to a utun address
 * (research/macos.md section 4). netd on macOS currently serves every
 * published port with the proxy (docs/rules.md), so these anchors are
 * rendered for `berth rules` and for the day a Mac proves the rdr path.
 *
 * Rendering is linear in containers and ports: ports are grouped by
 * container with one sort, never a scan per container.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "ir.h"
#include "pfrules.h"
#include "port.h"
#include "util.h"
#include "xmalloc.h"

#define PF_ROOT		"com.apple"
#define PF_NAT		"nat"
#define PF_PUB		"pub"
#define PF_POLICY	"policy"
#define PF_NONAT_TABLE	"nonat"
#define PF_INSIDE_TABLE	"inside"
#define PF_LOOPBACK	"lo0"

/* com.apple/NAME, or com.apple/NAME/CHILD. */
static char *
pf_path(const struct pfr_ruleset *rs, const char *child, const char *sub)
{
	char	*path;

	xasprintf(&path, "%s/%s%s%s%s%s", PF_ROOT, rs->name,
	    child != NULL ? "/" : "", child != NULL ? child : "",
	    sub != NULL ? "/" : "", sub != NULL ? sub : "");
	return path;
}

static void
pf_range(char *buf, size_t len, uint16_t lo, uint16_t hi, const char *sep)
{
	if (lo == hi)
		snprintf(buf, len, "%u", lo);
	else
		snprintf(buf, len, "%u%s%u", lo, sep, hi);
}

/* One published port: a comment and its rdr rule. */
static void
pf_rdr(struct pfr_buf *b, const struct pfr_port *p)
{
	char	 d[PFR_PORTDESC_LEN], ha[ADDR_STRLEN], ca[ADDR_STRLEN];
	char	 hr[16], cr[16];

	pf_range(hr, sizeof(hr), p->host_lo, p->host_hi, ":");
	/* "C:*": the range maps one to one, starting at C. */
	if (p->host_lo == p->host_hi)
		snprintf(cr, sizeof(cr), "%u", p->ctr_lo);
	else
		snprintf(cr, sizeof(cr), "%u:*", p->ctr_lo);
	pfr_buf_printf(b, "# %s -> port %u", pfr_port_desc(p, d),
	    p->ctr_lo);
	if (p->ctr_hi != p->ctr_lo)
		pfr_buf_printf(b, "-%u", p->ctr_hi);
	pfr_buf_printf(b, "\nrdr pass on %s inet proto %s from any to %s "
	    "port %s -> %s port %s\n", PF_LOOPBACK, pfr_proto_name(p->proto),
	    p->host_addr != 0 ? addr_fmt(p->host_addr, ha) : "any", hr,
	    addr_fmt(p->ctr_addr, ca), cr);
}

/* The anchor of container c: the rdr rules of ports[idx[0..n-1]]. */
static void
pf_ctr_anchor(const struct pfr_ruleset *rs, const struct pfr_container *c,
    const struct pfr_port *ports, const size_t *idx, size_t n,
    struct pfr_anchor *out)
{
	struct pfr_buf	 b = { NULL, 0, 0 };
	char		 a[ADDR_STRLEN];
	size_t		 i;

	out->path = pf_path(rs, PF_PUB, c->name);
	pfr_buf_printf(&b, "# %s (%s): published ports\n", c->name,
	    addr_fmt(c->addr, a));
	for (i = 0; i < n; i++)
		pf_rdr(&b, &ports[idx != NULL ? idx[i] : i]);
	out->text = pfr_buf_take(&b);
}

/*
 * One rule of verdict v for what MATCH ("from X to Y [port P]") says,
 * outbound, quick: the first that matches decides, as in netd. A reject
 * is a RST for TCP, ICMP administratively prohibited for the rest.
 */
static void
pf_rule(struct pfr_buf *b, enum pfr_verdict v, const char *proto,
    const char *match)
{
	const char	*p = proto != NULL ? proto : "";
	const char	*sp = proto != NULL ? " proto " : "";

	switch (v) {
	case PFR_ACCEPT:
		pfr_buf_printf(b, "pass out quick inet%s%s %s\n", sp, p, match);
		break;
	case PFR_DROP:
		pfr_buf_printf(b, "block drop out quick inet%s%s %s\n", sp, p,
		    match);
		break;
	case PFR_REJECT:
		if (proto == NULL || strcmp(proto, "tcp") == 0)
			pfr_buf_printf(b, "block return-rst out quick inet "
			    "proto tcp %s\n", match);
		if (proto == NULL || strcmp(proto, "tcp") != 0)
			pfr_buf_printf(b, "block return-icmp (filter-prohib) "
			    "out quick inet%s%s %s\n", sp, p, match);
		break;
	}
}

static char *
pf_root_text(const struct pfr_ruleset *rs)
{
	char	*s, pool[CIDR_STRLEN];

	cidr_fmt(&rs->pool, pool);
	xasprintf(&s, "# berth ruleset \"%s\", pool %s. Its children are "
	    "evaluated only\n# through these calls (relative to this anchor), "
	    "each for the packets\n# it can match.\n"
	    "nat-anchor \"%s\" inet from %s to any\n"
	    "rdr-anchor \"%s/*\" on %s inet proto { tcp, udp }\n"
	    "anchor \"%s\" out inet from %s to any\n"
	    "anchor \"%s\" out inet from %s to ! %s\n", rs->name, pool, PF_NAT,
	    pool, PF_PUB, PF_LOOPBACK, PF_NAT, pool, PF_POLICY, pool, pool);
	return s;
}

static char *
pf_nat_text(const struct pfr_ruleset *rs)
{
	struct pfr_buf	 b = { NULL, 0, 0 };
	char		 pool[CIDR_STRLEN], a[ADDR_STRLEN];
	size_t		 i;
	int		 any = 0;

	cidr_fmt(&rs->pool, pool);
	pfr_buf_printf(&b, "# Egress NAT of the pool %s. Containers on "
	    "internal networks\n# only (<%s>) are never translated and send "
	    "only to <%s> (the pool):\n# not the outside, not the host's "
	    "addresses or published ports, out of\n# any interface (lo0 "
	    "too). Refused at once: a RST, or ICMP prohibited.\n"
	    "table <%s> persist", pool, PF_NONAT_TABLE, PF_INSIDE_TABLE,
	    PF_NONAT_TABLE);
	for (i = 0; i < rs->nctrs; i++) {
		if (!rs->ctrs[i].nonat)
			continue;
		pfr_buf_printf(&b, "%s%s", any++ ? ", " : " { ",
		    addr_fmt(rs->ctrs[i].addr, a));
	}
	pfr_buf_printf(&b, "%s\n", any ? " }" : "");
	pfr_buf_printf(&b, "table <%s> const { %s }\n", PF_INSIDE_TABLE,
	    pool);
	pfr_buf_printf(&b, "no nat inet from <%s> to any\n", PF_NONAT_TABLE);
	for (i = 0; i < rs->negress; i++)
		pfr_buf_printf(&b, "nat on \"%s\" inet from %s to any -> "
		    "(\"%s\")\n", rs->egress[i], pool, rs->egress[i]);
	pf_rule(&b, PFR_REJECT, NULL, "from <" PF_NONAT_TABLE "> to ! <"
	    PF_INSIDE_TABLE ">");
	return pfr_buf_take(&b);
}

static void
pf_cidr(struct pfr_buf *b, const struct cidr *c)
{
	char	 cb[CIDR_STRLEN], a[ADDR_STRLEN];

	pfr_buf_printf(b, "%s", c->plen == 32 ? addr_fmt(c->net, a) :
	    cidr_fmt(c, cb));
}

/* "from { a, b } to X port P" of filter i; 0, or -1: no source. */
static int
pf_filter_match(struct pfr_buf *m, const struct pfr_ruleset *rs,
    const struct pfr_filter *f, size_t i)
{
	size_t	 j, n = 0;

	pfr_buf_printf(m, "from { ");
	for (j = 0; !f->allsrc && j < f->nsrc; j++) {
		pfr_buf_printf(m, "%s", n++ > 0 ? ", " : "");
		pf_cidr(m, &f->src[j]);
	}
	/* every container (internal ones never get here: the nat anchor) */
	for (j = 0; f->allsrc && j < rs->nctrs; j++) {
		if (rs->ctrs[j].nonat)
			continue;
		pfr_buf_printf(m, "%s", n++ > 0 ? ", " : "");
		pf_cidr(m, &(struct cidr){ rs->ctrs[j].addr, 32 });
	}
	if (n == 0)
		return -1;
	pfr_buf_printf(m, " } to ");
	if (f->nexcept > 0)
		pfr_buf_printf(m, "<e%zu>", i);
	else if (f->dst.plen > 0)
		pf_cidr(m, &f->dst);
	else
		pfr_buf_printf(m, "%s", f->dstkind == PFR_DST_HOST ? "self" :
		    f->dstkind == PFR_DST_OUTSIDE ? "! self" : "any");
	if ((f->proto == PORT_TCP || f->proto == PORT_UDP) &&
	    !(f->lo == 0 && f->hi == 65535)) {
		if (f->lo == f->hi)
			pfr_buf_printf(m, " port %u", f->lo);
		else
			pfr_buf_printf(m, " port %u:%u", f->lo, f->hi);
	}
	return 0;
}

/*
 * The policy anchor: the filters in order, each quick. A filter with
 * exceptions matches a table of its own, { DST, !EXCEPT... } (pf takes
 * the most specific entry), as a list { DST, !EXCEPT } would not: pf
 * expands a list into one rule per item. Outside destinations with a
 * network come only after the host's pass (NetworkPolicy), so the
 * network alone is exact there.
 */
static char *
pf_policy_text(const struct pfr_ruleset *rs)
{
	struct pfr_buf		 b = { NULL, 0, 0 }, m;
	const struct pfr_filter	*f;
	const char		*proto;
	char			*match;
	size_t			 i, j;

	pfr_buf_printf(&b, "# Policy where packets do not cross netd's "
	    "router: what containers send\n# out of the pool (the outside, "
	    "the host's addresses and published\n# ports). The rules, then "
	    "NetworkPolicy egress, in the model's order, each\n# quick: the "
	    "first that matches decides; pass keeps state, so replies\n# "
	    "pass. Internal containers never get here (the nat anchor).\n");
	for (i = 0; i < rs->nfilters; i++) {
		f = &rs->filters[i];
		if (f->nexcept == 0)
			continue;
		pfr_buf_printf(&b, "table <e%zu> const { ", i);
		pf_cidr(&b, &f->dst);
		for (j = 0; j < f->nexcept; j++) {
			pfr_buf_printf(&b, ", !");
			pf_cidr(&b, &f->except[j]);
		}
		pfr_buf_printf(&b, " }\n");
	}
	for (i = 0; i < rs->nfilters; i++) {
		f = &rs->filters[i];
		memset(&m, 0, sizeof(m));
		if (pf_filter_match(&m, rs, f, i) == -1) {
			free(pfr_buf_take(&m));
			continue;
		}
		match = pfr_buf_take(&m);
		proto = f->proto == PORT_TCP || f->proto == PORT_UDP ?
		    pfr_proto_name(f->proto) : f->proto != 0 ? "icmp" : NULL;
		pfr_buf_printf(&b, "# %s\n", f->what);
		pf_rule(&b, f->verdict, proto, match);
		free(match);
	}
	return pfr_buf_take(&b);
}

/* Ports ordered by container address, then by their own order. */
static const struct pfr_port *pf_sort_ports;

static int
pf_port_cmp(const void *va, const void *vb)
{
	size_t		 a = *(const size_t *)va, b = *(const size_t *)vb;
	uint32_t	 x = pf_sort_ports[a].ctr_addr;
	uint32_t	 y = pf_sort_ports[b].ctr_addr;

	if (x != y)
		return x < y ? -1 : 1;
	return a < b ? -1 : a > b;
}

/* Port indices sorted by container address (free the result). */
static size_t *
pf_ports_by_ctr(const struct pfr_ruleset *rs)
{
	size_t	*idx, i;

	idx = xcalloc(rs->nports + 1, sizeof(*idx));
	for (i = 0; i < rs->nports; i++)
		idx[i] = i;
	pf_sort_ports = rs->ports;
	qsort(idx, rs->nports, sizeof(*idx), pf_port_cmp);
	return idx;
}

/* The ports of c are idx[*lo .. *hi - 1]; returns how many. */
static size_t
pf_ctr_ports(const struct pfr_ruleset *rs, const size_t *idx,
    const struct pfr_container *c, size_t *lo, size_t *hi)
{
	size_t	 l = 0, h = rs->nports, mid;

	while (l < h) {
		mid = l + (h - l) / 2;
		if (rs->ports[idx[mid]].ctr_addr < c->addr)
			l = mid + 1;
		else
			h = mid;
	}
	for (h = l; h < rs->nports && rs->ports[idx[h]].ctr_addr == c->addr;
	    h++)
		;
	*lo = l;
	*hi = h;
	return h - l;
}

int
pfr_pf_render(const struct pfr_ruleset *rs, struct pfr_anchor **out,
    size_t *nout, char **cause)
{
	struct pfr_anchor	*a;
	size_t			*idx, i, n = 0, lo, hi;

	*out = NULL;
	*nout = 0;
	if (pfr_validate(rs, cause) == -1)
		return -1;
	if (rs->negress == 0)
		return cause_set(cause, "pf rules need at least one egress "
		    "interface");
	a = xcalloc(3 + rs->nctrs, sizeof(*a));
	a[n].path = pf_path(rs, NULL, NULL);
	a[n++].text = pf_root_text(rs);
	a[n].path = pf_path(rs, PF_NAT, NULL);
	a[n++].text = pf_nat_text(rs);
	a[n].path = pf_path(rs, PF_POLICY, NULL);
	a[n++].text = pf_policy_text(rs);

	idx = pf_ports_by_ctr(rs);
	for (i = 0; i < rs->nctrs; i++) {
		if (pf_ctr_ports(rs, idx, &rs->ctrs[i], &lo, &hi) > 0)
			pf_ctr_anchor(rs, &rs->ctrs[i], rs->ports, idx + lo,
			    hi - lo, &a[n++]);
	}
	free(idx);
	*out = a;
	*nout = n;
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

/* ------------------------------------------------------ pfctl runs */

static struct pfr_cmd *
pf_cmd(struct pfr_cmd **cmds, size_t *n, char *input, int token,
    const char *const *args)
{
	struct pfr_cmd	*c;
	size_t		 i, argc = 0;

	while (args[argc] != NULL)
		argc++;
	*cmds = xreallocarray(*cmds, *n + 1, sizeof(**cmds));
	c = &(*cmds)[(*n)++];
	c->argv = xcalloc(argc + 1, sizeof(*c->argv));
	for (i = 0; i < argc; i++)
		c->argv[i] = xstrdup(args[i]);
	c->input = input;
	c->token = token;
	return c;
}
#define PF_ARGS(...)	((const char *const[]){ __VA_ARGS__, NULL })

/* `pfctl -a PATH -f -` with text, or `-F all` when text is NULL. */
static void
pf_cmd_anchor(struct pfr_cmd **cmds, size_t *n, const char *path,
    char *text)
{
	if (text != NULL)
		pf_cmd(cmds, n, text, 0, PF_ARGS("-a", path, "-f", "-"));
	else
		pf_cmd(cmds, n, NULL, 0, PF_ARGS("-a", path, "-F", "all"));
}

int
pfr_pf_start(const struct pfr_ruleset *rs, int enable,
    struct pfr_cmd **cmds, size_t *ncmds, char **cause)
{
	struct pfr_anchor	*a;
	size_t			 n, i;

	*cmds = NULL;
	*ncmds = 0;
	if (pfr_pf_render(rs, &a, &n, cause) == -1)
		return -1;
	if (enable)
		pf_cmd(cmds, ncmds, NULL, 1, PF_ARGS("-E"));
	for (i = 0; i < n; i++) {
		pf_cmd_anchor(cmds, ncmds, a[i].path, a[i].text);
		a[i].text = NULL;	/* now the command's */
	}
	pfr_anchors_free(a, n);
	return 0;
}

int
pfr_pf_change(const struct pfr_ruleset *rs, const struct pfr_container *c,
    const struct pfr_port *ports, size_t nports, int add,
    struct pfr_cmd **cmds, size_t *ncmds, char **cause)
{
	struct pfr_anchor	 an;
	char			 a[ADDR_STRLEN], *nat;
	size_t			 i;

	*cmds = NULL;
	*ncmds = 0;
	if (pfr_check_change(rs, c, ports, nports, cause) == -1)
		return -1;
	for (i = 0; i < nports; i++) {
		if (ports[i].ctr_addr != c->addr)
			return cause_set(cause, "published port of \"%s\" "
			    "is not for %s", ports[i].ctr_name, c->name);
	}
	nat = pf_path(rs, PF_NAT, NULL);
	an.path = an.text = NULL;
	if (nports > 0)
		pf_ctr_anchor(rs, c, ports, NULL, nports, &an);
	/* Adding: the table first, so no port is reachable un-blocked. */
	if (add && c->nonat)
		pf_cmd(cmds, ncmds, NULL, 0, PF_ARGS("-a", nat, "-t",
		    PF_NONAT_TABLE, "-T", "add", addr_fmt(c->addr, a)));
	if (nports > 0) {
		pf_cmd_anchor(cmds, ncmds, an.path, add ? an.text : NULL);
		if (add)
			an.text = NULL;
	}
	if (!add && c->nonat)
		pf_cmd(cmds, ncmds, NULL, 0, PF_ARGS("-a", nat, "-t",
		    PF_NONAT_TABLE, "-T", "delete", addr_fmt(c->addr, a)));
	free(an.path);
	free(an.text);
	free(nat);
	return 0;
}

int
pfr_pf_stop(const struct pfr_ruleset *rs, const char *token,
    struct pfr_cmd **cmds, size_t *ncmds, char **cause)
{
	char	*path;
	size_t	*idx, i, lo, hi;

	*cmds = NULL;
	*ncmds = 0;
	/* Not the whole ruleset: a bad entry must not keep the rest. */
	if (pfr_check_head(rs, cause) == -1)
		return -1;
	for (i = 0; token != NULL && token[i] != '\0'; i++) {
		if (!isdigit((unsigned char)token[i]) || i >= 20)
			return cause_set(cause, "pf token is not a number");
	}
	/* Children first, the anchor that calls them last. */
	idx = pf_ports_by_ctr(rs);
	for (i = rs->nctrs; i-- > 0; ) {
		/* the anchors that were loaded: containers with ports */
		if (pfr_check_container(rs, &rs->ctrs[i], NULL) == -1 ||
		    pf_ctr_ports(rs, idx, &rs->ctrs[i], &lo, &hi) == 0)
			continue;
		path = pf_path(rs, PF_PUB, rs->ctrs[i].name);
		pf_cmd_anchor(cmds, ncmds, path, NULL);
		free(path);
	}
	free(idx);
	path = pf_path(rs, PF_POLICY, NULL);
	pf_cmd_anchor(cmds, ncmds, path, NULL);
	free(path);
	path = pf_path(rs, PF_NAT, NULL);
	pf_cmd_anchor(cmds, ncmds, path, NULL);
	free(path);
	path = pf_path(rs, NULL, NULL);
	pf_cmd_anchor(cmds, ncmds, path, NULL);
	free(path);
	if (token != NULL && *token != '\0')
		pf_cmd(cmds, ncmds, NULL, 0, PF_ARGS("-X", token));
	return 0;
}

void
pfr_cmds_free(struct pfr_cmd *cmds, size_t n)
{
	size_t	 i, j;

	if (cmds == NULL)
		return;
	for (i = 0; i < n; i++) {
		for (j = 0; cmds[i].argv[j] != NULL; j++)
			free(cmds[i].argv[j]);
		free(cmds[i].argv);
		free(cmds[i].input);
	}
	free(cmds);
}

char *
pfr_cmds_text(const struct pfr_cmd *cmds, size_t n)
{
	struct pfr_buf	 b = { NULL, 0, 0 };
	const char	*s, *e;
	size_t		 i, j;

	for (i = 0; i < n; i++) {
		pfr_buf_printf(&b, "pfctl");
		for (j = 0; cmds[i].argv[j] != NULL; j++)
			pfr_buf_printf(&b, " %s", cmds[i].argv[j]);
		pfr_buf_printf(&b, "%s\n", cmds[i].token ?
		    "    # keep the token it prints" : "");
		/* its standard input, indented */
		for (s = cmds[i].input; s != NULL && *s != '\0'; s = e) {
			if ((e = strchr(s, '\n')) == NULL)
				e = s + strlen(s);
			pfr_buf_printf(&b, "\t%.*s\n", (int)(e - s), s);
			if (*e == '\n')
				e++;
		}
	}
	return pfr_buf_take(&b);
}
