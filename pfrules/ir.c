/* SPDX-License-Identifier: ISC */
/*
 * ir.c - the rule IR: validation of every value that reaches rule text.
 *
 * DOC: what is checked, and why here
 * netd and the CLI check their input, but rule text is a language: a
 * name with a quote, a brace or a newline would let a stack file write
 * its own firewall rules. So the renderers never print a value that
 * ir.c has not checked against a closed character set:
 * - names (containers, port owners): DNS labels (common/name.c), so they
 *   can be printed inside "..." comments as they are;
 * - interface names: [A-Za-z][A-Za-z0-9_.-]{0,14}, printed quoted in nft
 *   and bare in pf (pfctl's lexer takes such a word as one string);
 * - the table name: [a-z][a-z0-9_]{0,30} and not an nft keyword (nft
 *   1.0.6 cannot quote a table name, and a keyword there is a syntax
 *   error), also used as the pf anchor com.apple/<name>;
 * - numbers (addresses, ports, marks) are printed from integers;
 * - a policy filter's comment ("rule 3 of stack shop"): a-z, 0-9, space
 *   and ./:_- only.
 * Structural checks ride along: addresses inside the pool and not the
 * gateway, tcp/udp only, port ranges 1..65535, not reversed, of equal
 * length, no two containers with one name or address, no host port
 * published twice.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "ir.h"
#include "log.h"
#include "name.h"
#include "port.h"
#include "util.h"
#include "xmalloc.h"

/*
 * Words nft 1.0.6 refuses as a table name (found by feeding every word
 * of nft(8) to `nft -c`), plus a few later nft versions added.
 */
static const char *const pfr_nft_keywords[] = {
	"accept", "add", "ah", "all", "and", "arp", "bridge", "cgroup",
	"chain", "comment", "comp", "constant", "continue", "counter", "cpu",
	"create", "ct", "day", "dccp", "define", "delete", "describe",
	"destroy", "device", "devices", "dnat", "drop", "dst", "dup",
	"dynamic", "ecn", "element", "elements", "esp", "ether", "exists",
	"expires", "exthdr", "fib", "flags", "flow", "flowtable", "flush",
	"frag", "fwd", "get", "goto", "handle", "hbh", "hook", "hour",
	"ibrname", "icmp", "icmpv6", "igmp", "iif", "iifgroup", "iifname",
	"iiftype", "include", "index", "inet", "insert", "interval", "ip",
	"ip6", "ipsec", "jhash", "jump", "last", "limit", "list", "log", "lt",
	"map", "mark", "masquerade", "meta", "mh", "missing", "monitor",
	"netdev", "nftrace", "not", "notrack", "numgen", "obrname", "offload",
	"oif", "oifgroup", "oifname", "oiftype", "or", "osf", "pkttype",
	"policy", "position", "priority", "queue", "quota", "random",
	"redefine", "redirect", "reject", "rename", "replace", "reset",
	"return", "rt", "rt0", "rt2", "rt4", "rtclassid", "rule", "ruleset",
	"sctp", "secmark", "set", "size", "skgid", "skuid", "snat", "socket",
	"srh", "symhash", "synproxy", "table", "tcp", "th", "time", "timeout",
	"tproxy", "tunnel", "type", "typeof", "udp", "udplite", "undefine",
	"update", "vlan", "vmap", "xt",
};

void
pfr_buf_printf(struct pfr_buf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s != NULL ? b->s + b->len : NULL,
		    b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			fatalx("%s: bad format", __func__);
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		b->cap = b->cap == 0 ? 4096 : b->cap;
		while (b->cap - b->len <= (size_t)n)
			b->cap *= 2;
		b->s = xreallocarray(b->s, 1, b->cap);
	}
}

char *
pfr_buf_take(struct pfr_buf *b)
{
	char	*s = b->s != NULL ? b->s : xstrdup("");

	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

const char *
pfr_proto_name(uint8_t proto)
{
	return proto == PORT_TCP ? "tcp" : proto == PORT_UDP ? "udp" : "?";
}

const char *
pfr_port_desc(const struct pfr_port *p, char buf[PFR_PORTDESC_LEN])
{
	char	 a[ADDR_STRLEN], r[16];

	if (p->host_lo == p->host_hi)
		snprintf(r, sizeof(r), "%u", p->host_lo);
	else
		snprintf(r, sizeof(r), "%u-%u", p->host_lo, p->host_hi);
	snprintf(buf, PFR_PORTDESC_LEN, "%s%s%s/%s",
	    p->host_addr != 0 ? addr_fmt(p->host_addr, a) : "",
	    p->host_addr != 0 ? ":" : "", r, pfr_proto_name(p->proto));
	return buf;
}

/* A fixed-size name field must hold its NUL (netd fills them). */
static int
pfr_terminated(const char *s, size_t size, const char *what, char **cause)
{
	if (memchr(s, '\0', size) == NULL)
		return cause_set(cause, "%s is not terminated", what);
	return 0;
}

int
pfr_check_table(const char *name, char **cause)
{
	char	 q[64];
	size_t	 i, len = strlen(name);

	if (len == 0)
		return cause_set(cause, "ruleset name is empty");
	if (len > PFR_TABLE_MAX || name[0] < 'a' || name[0] > 'z')
		goto bad;
	for (i = 0; i < len; i++) {
		if ((name[i] < 'a' || name[i] > 'z') &&
		    (name[i] < '0' || name[i] > '9') && name[i] != '_')
			goto bad;
	}
	for (i = 0; i < nitems(pfr_nft_keywords); i++) {
		if (strcmp(name, pfr_nft_keywords[i]) == 0)
			return cause_set(cause, "ruleset name \"%s\" is an "
			    "nft keyword; choose another", name);
	}
	return 0;
bad:
	return cause_set(cause, "ruleset name \"%s\" is not allowed (1-%d "
	    "characters of a-z, 0-9 and '_', starting with a letter)",
	    name_quote(name, q, sizeof(q)), PFR_TABLE_MAX);
}

int
pfr_check_ifname(const char *name, const char *what, char **cause)
{
	char	 q[64];
	size_t	 i, len = strlen(name);

	if (len == 0)
		return cause_set(cause, "%s is empty", what);
	if (len > PFR_IFNAME_MAX)
		return cause_set(cause, "%s \"%s\" is longer than %d "
		    "characters", what, name_quote(name, q, sizeof(q)),
		    PFR_IFNAME_MAX);
	if (!((name[0] >= 'a' && name[0] <= 'z') ||
	    (name[0] >= 'A' && name[0] <= 'Z')))
		goto bad;
	for (i = 0; i < len; i++) {
		char	 c = name[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		    c == '-')
			continue;
		goto bad;
	}
	return 0;
bad:
	return cause_set(cause, "%s \"%s\" is not an interface name (a "
	    "letter, then letters, digits, '_', '.' or '-')", what,
	    name_quote(name, q, sizeof(q)));
}

int
pfr_check_name(const struct pfr_ruleset *rs, char **cause)
{
	if (pfr_terminated(rs->name, sizeof(rs->name), "ruleset name",
	    cause) == -1)
		return -1;
	return pfr_check_table(rs->name, cause);
}

int
pfr_check_head(const struct pfr_ruleset *rs, char **cause)
{
	char	 ab[ADDR_STRLEN], pb[CIDR_STRLEN];
	size_t	 i, plen;

	if (pfr_check_name(rs, cause) == -1)
		return -1;
	if (rs->pool.plen < 8 || rs->pool.plen > 30)
		return cause_set(cause, "pool: prefix length /%u not in "
		    "/8../30", rs->pool.plen);
	if ((rs->pool.net & ~cidr_mask(rs->pool.plen)) != 0)
		return cause_set(cause, "pool: %s/%u has host bits set",
		    addr_fmt(rs->pool.net, ab), rs->pool.plen);
	if (!cidr_contains(&rs->pool, rs->gateway) ||
	    rs->gateway == cidr_first(&rs->pool) ||
	    rs->gateway == cidr_last(&rs->pool))
		return cause_set(cause, "gateway %s is not a host address of "
		    "the pool %s", addr_fmt(rs->gateway, ab),
		    cidr_fmt(&rs->pool, pb));
	if (pfr_terminated(rs->gw_ifname, sizeof(rs->gw_ifname),
	    "gateway interface", cause) == -1 ||
	    pfr_check_ifname(rs->gw_ifname, "gateway interface",
	    cause) == -1)
		return -1;
	if (pfr_terminated(rs->ctr_ifprefix, sizeof(rs->ctr_ifprefix),
	    "container interface prefix", cause) == -1 ||
	    pfr_check_ifname(rs->ctr_ifprefix, "container interface prefix",
	    cause) == -1)
		return -1;
	if (rs->fwmark == 0)
		return cause_set(cause, "fwmark must not be 0");
	if (rs->negress > 0 && rs->egress == NULL)
		return cause_set(cause, "egress interfaces missing");
	plen = strlen(rs->ctr_ifprefix);
	for (i = 0; i < rs->negress; i++) {
		const char	*e = rs->egress[i];
		size_t		 j;

		if (e == NULL)
			return cause_set(cause, "egress interface %zu is "
			    "missing", i);
		if (pfr_check_ifname(e, "egress interface", cause) == -1)
			return -1;
		if (strcmp(e, rs->gw_ifname) == 0 ||
		    strncmp(e, rs->ctr_ifprefix, plen) == 0)
			return cause_set(cause, "egress interface \"%s\" is "
			    "one of berth's own interfaces (\"%s\", \"%s*\")",
			    e, rs->gw_ifname, rs->ctr_ifprefix);
		for (j = 0; j < i; j++) {
			if (strcmp(rs->egress[j], e) == 0)
				return cause_set(cause, "egress interface "
				    "\"%s\" is given twice", e);
		}
	}
	return 0;
}

static int
pfr_check_addr(const struct pfr_ruleset *rs, uint32_t a, const char *what,
    const char *owner, char **cause)
{
	char	 ab[ADDR_STRLEN], pb[CIDR_STRLEN];

	if (!cidr_contains(&rs->pool, a))
		return cause_set(cause, "%s of \"%s\": %s is not in the pool "
		    "%s", what, owner, addr_fmt(a, ab),
		    cidr_fmt(&rs->pool, pb));
	if (a == rs->gateway)
		return cause_set(cause, "%s of \"%s\": %s is the gateway "
		    "address", what, owner, addr_fmt(a, ab));
	if (a == cidr_first(&rs->pool) || a == cidr_last(&rs->pool))
		return cause_set(cause, "%s of \"%s\": %s is the network or "
		    "broadcast address of the pool", what, owner,
		    addr_fmt(a, ab));
	return 0;
}

int
pfr_check_container(const struct pfr_ruleset *rs,
    const struct pfr_container *c, char **cause)
{
	if (pfr_terminated(c->name, sizeof(c->name), "container name",
	    cause) == -1 || name_check(c->name, "container name", cause) == -1)
		return -1;
	return pfr_check_addr(rs, c->addr, "address", c->name, cause);
}

int
pfr_check_change(const struct pfr_ruleset *rs, const struct pfr_container *c,
    const struct pfr_port *ports, size_t nports, char **cause)
{
	size_t	 i;

	if (pfr_check_head(rs, cause) == -1 ||
	    pfr_check_container(rs, c, cause) == -1)
		return -1;
	for (i = 0; i < nports; i++) {
		if (pfr_check_port(rs, &ports[i], cause) == -1)
			return -1;
	}
	return 0;
}

static int
pfr_check_range(uint16_t lo, uint16_t hi, const char *what,
    const char *desc, char **cause)
{
	if (lo == 0 || hi == 0)
		return cause_set(cause, "published port %s: %s port 0 is not "
		    "in 1..65535", desc, what);
	if (lo > hi)
		return cause_set(cause, "published port %s: %s port range "
		    "%u-%u is reversed", desc, what, lo, hi);
	return 0;
}

int
pfr_check_port(const struct pfr_ruleset *rs, const struct pfr_port *p,
    char **cause)
{
	char	 d[PFR_PORTDESC_LEN], ab[ADDR_STRLEN], pb[CIDR_STRLEN];

	if (pfr_terminated(p->ctr_name, sizeof(p->ctr_name),
	    "published port owner", cause) == -1 ||
	    name_check(p->ctr_name, "published port owner", cause) == -1)
		return -1;
	if (p->proto != PORT_TCP && p->proto != PORT_UDP)
		return cause_set(cause, "published port of \"%s\": protocol "
		    "%u is not tcp or udp", p->ctr_name, p->proto);
	pfr_port_desc(p, d);
	if (pfr_check_range(p->host_lo, p->host_hi, "host", d, cause) == -1 ||
	    pfr_check_range(p->ctr_lo, p->ctr_hi, "container", d,
	    cause) == -1)
		return -1;
	if (p->host_hi - p->host_lo != p->ctr_hi - p->ctr_lo)
		return cause_set(cause, "published port %s: host range %u-%u "
		    "and container range %u-%u have different lengths", d,
		    p->host_lo, p->host_hi, p->ctr_lo, p->ctr_hi);
	if (p->host_addr != 0 && cidr_contains(&rs->pool, p->host_addr))
		return cause_set(cause, "published port %s: host address %s "
		    "is inside the pool %s", d, addr_fmt(p->host_addr, ab),
		    cidr_fmt(&rs->pool, pb));
	if (p->host_addr >= 0xe0000000u)
		return cause_set(cause, "published port %s: host address %s "
		    "is not a unicast address", d, addr_fmt(p->host_addr, ab));
	return pfr_check_addr(rs, p->ctr_addr, "container address of port",
	    p->ctr_name, cause);
}

static int
pfr_check_cidr(const struct cidr *c, const char *what, size_t i,
    char **cause)
{
	char	 ab[ADDR_STRLEN];

	if (c->plen > 32 || (c->net & ~cidr_mask(c->plen)) != 0)
		return cause_set(cause, "policy filter %zu: %s %s/%u is not a "
		    "network", i, what, addr_fmt(c->net, ab), c->plen);
	return 0;
}

/* "rule 3 of stack shop": printed in comments, so a closed set. */
static int
pfr_check_what(const char *s, size_t i, char **cause)
{
	char	 q[64];

	if (memchr(s, '\0', PFR_WHAT_MAX + 1) == NULL)
		return cause_set(cause, "policy filter %zu: comment is not "
		    "terminated", i);
	if (strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789 ./:_-") !=
	    strlen(s))
		return cause_set(cause, "policy filter %zu: comment \"%s\" "
		    "has characters other than a-z, 0-9, space and ./:_-", i,
		    name_quote(s, q, sizeof(q)));
	return 0;
}

int
pfr_check_filter(const struct pfr_ruleset *rs, const struct pfr_filter *f,
    size_t i, char **cause)
{
	size_t	 j;

	(void)rs;
	if (pfr_check_what(f->what, i, cause) == -1)
		return -1;
	if (!f->allsrc && (f->nsrc == 0 || f->src == NULL))
		return cause_set(cause, "policy filter %zu (%s): no source", i,
		    f->what);
	for (j = 0; !f->allsrc && j < f->nsrc; j++)
		if (pfr_check_cidr(&f->src[j], "source", i, cause) == -1)
			return -1;
	if (f->dstkind != PFR_DST_ANY && f->dstkind != PFR_DST_OUTSIDE &&
	    f->dstkind != PFR_DST_HOST)
		return cause_set(cause, "policy filter %zu (%s): bad "
		    "destination kind", i, f->what);
	if (pfr_check_cidr(&f->dst, "destination", i, cause) == -1)
		return -1;
	if (f->dstkind == PFR_DST_HOST && (f->dst.plen > 0 || f->nexcept > 0))
		return cause_set(cause, "policy filter %zu (%s): the host "
		    "takes no network", i, f->what);
	if (f->nexcept > 0 && f->except == NULL)
		return cause_set(cause, "policy filter %zu: exceptions "
		    "missing", i);
	for (j = 0; j < f->nexcept; j++)
		if (pfr_check_cidr(&f->except[j], "exception", i, cause) == -1)
			return -1;
	if (f->proto != 0 && f->proto != PORT_TCP && f->proto != PORT_UDP &&
	    f->proto != 1)
		return cause_set(cause, "policy filter %zu (%s): protocol %u "
		    "is not tcp, udp or icmp", i, f->what, f->proto);
	if (f->lo > f->hi || ((f->proto != PORT_TCP && f->proto != PORT_UDP) &&
	    (f->lo != 0 || f->hi != 65535)))
		return cause_set(cause, "policy filter %zu (%s): port range "
		    "%u-%u", i, f->what, f->lo, f->hi);
	if (f->verdict != PFR_ACCEPT && f->verdict != PFR_REJECT &&
	    f->verdict != PFR_DROP)
		return cause_set(cause, "policy filter %zu (%s): bad verdict",
		    i, f->what);
	return 0;
}

/*
 * Validation is n log n in containers and ports (one sort per check, then
 * neighbours), not a comparison of every pair: a ruleset may publish all
 * 65535 ports.
 */
static const struct pfr_ruleset *pfr_sort_rs;

static int
pfr_idx_cmp(size_t a, size_t b)
{
	return a < b ? -1 : a > b;
}

static int
pfr_ctr_name_cmp(const void *va, const void *vb)
{
	size_t	 a = *(const size_t *)va, b = *(const size_t *)vb;
	int	 c = strcmp(pfr_sort_rs->ctrs[a].name, pfr_sort_rs->ctrs[b].name);

	return c != 0 ? c : pfr_idx_cmp(a, b);
}

static int
pfr_ctr_addr_cmp(const void *va, const void *vb)
{
	size_t		 a = *(const size_t *)va, b = *(const size_t *)vb;
	uint32_t	 x = pfr_sort_rs->ctrs[a].addr;
	uint32_t	 y = pfr_sort_rs->ctrs[b].addr;

	return x != y ? (x < y ? -1 : 1) : pfr_idx_cmp(a, b);
}

/* By protocol, [host address (0 = every address first),] first port. */
static int
pfr_port_order(const void *va, const void *vb, int by_addr)
{
	size_t			 a = *(const size_t *)va;
	size_t			 b = *(const size_t *)vb;
	const struct pfr_port	*x = &pfr_sort_rs->ports[a];
	const struct pfr_port	*y = &pfr_sort_rs->ports[b];

	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (by_addr && x->host_addr != y->host_addr)
		return x->host_addr < y->host_addr ? -1 : 1;
	if (x->host_lo != y->host_lo)
		return x->host_lo < y->host_lo ? -1 : 1;
	return pfr_idx_cmp(a, b);
}

static int
pfr_port_addr_cmp(const void *va, const void *vb)
{
	return pfr_port_order(va, vb, 1);
}

static int
pfr_port_lo_cmp(const void *va, const void *vb)
{
	return pfr_port_order(va, vb, 0);
}

static size_t *
pfr_sorted(const struct pfr_ruleset *rs, size_t n,
    int (*cmp)(const void *, const void *))
{
	size_t	*idx = xcalloc(n + 1, sizeof(*idx)), i;

	for (i = 0; i < n; i++)
		idx[i] = i;
	pfr_sort_rs = rs;
	qsort(idx, n, sizeof(*idx), cmp);
	return idx;
}

/* Keep the clash whose later port comes first in the ruleset. */
static void
pfr_clash(size_t a, size_t b, size_t *first, size_t *second)
{
	size_t	 lo = a < b ? a : b, hi = a < b ? b : a;

	if (*second == SIZE_MAX || hi < *second ||
	    (hi == *second && lo < *first)) {
		*first = lo;
		*second = hi;
	}
}

/*
 * Two published ports that take the same host port (common/port.c's
 * rule): same protocol, overlapping ranges, and the same host address or
 * "every address" on either side. One sweep finds clashes within one
 * address (or between two "every address" ports), a second between an
 * "every address" port and a specific one. Sets *first < *second, or
 * *second = SIZE_MAX when there is none.
 */
static void
pfr_port_clashes(const struct pfr_ruleset *rs, size_t *first,
    size_t *second)
{
	const struct pfr_port	*p, *q;
	size_t			*idx, i, at[2] = { 0, 0 };
	uint32_t		 max[2] = { 0, 0 };
	int			 have[2], w;

	*first = *second = SIZE_MAX;
	idx = pfr_sorted(rs, rs->nports, pfr_port_addr_cmp);
	for (i = 0; i < rs->nports; i++) {
		p = &rs->ports[idx[i]];
		q = i > 0 ? &rs->ports[idx[i - 1]] : NULL;
		if (q == NULL || q->proto != p->proto ||
		    q->host_addr != p->host_addr) {
			max[0] = p->host_hi;	/* a new group */
			at[0] = idx[i];
			continue;
		}
		if (p->host_lo <= max[0])
			pfr_clash(at[0], idx[i], first, second);
		if (p->host_hi > max[0]) {
			max[0] = p->host_hi;
			at[0] = idx[i];
		}
	}
	free(idx);
	/* [0]: the "every address" ports so far, [1]: the specific ones */
	idx = pfr_sorted(rs, rs->nports, pfr_port_lo_cmp);
	have[0] = have[1] = 0;
	for (i = 0; i < rs->nports; i++) {
		p = &rs->ports[idx[i]];
		if (i > 0 && rs->ports[idx[i - 1]].proto != p->proto)
			have[0] = have[1] = 0;
		w = p->host_addr != 0;
		if (have[!w] && p->host_lo <= max[!w])
			pfr_clash(at[!w], idx[i], first, second);
		if (!have[w] || p->host_hi > max[w]) {
			have[w] = 1;
			max[w] = p->host_hi;
			at[w] = idx[i];
		}
	}
	free(idx);
}

int
pfr_validate(const struct pfr_ruleset *rs, char **cause)
{
	char			 ab[ADDR_STRLEN], d[PFR_PORTDESC_LEN];
	const struct pfr_port	*p;
	size_t			*byname = NULL, *byaddr = NULL, i, lo, hi, mid;
	size_t			 first, second;
	int			 rc = -1;

	if (pfr_check_head(rs, cause) == -1)
		return -1;
	if ((rs->nctrs > 0 && rs->ctrs == NULL) ||
	    (rs->nports > 0 && rs->ports == NULL))
		return cause_set(cause, "containers or ports missing");
	for (i = 0; i < rs->nctrs; i++) {
		if (pfr_check_container(rs, &rs->ctrs[i], cause) == -1)
			return -1;
	}
	byname = pfr_sorted(rs, rs->nctrs, pfr_ctr_name_cmp);
	byaddr = pfr_sorted(rs, rs->nctrs, pfr_ctr_addr_cmp);
	for (i = 1; i < rs->nctrs; i++) {
		const struct pfr_container *a = &rs->ctrs[byname[i - 1]];
		const struct pfr_container *b = &rs->ctrs[byname[i]];

		if (strcmp(a->name, b->name) == 0) {
			cause_set(cause, "container name \"%s\" is used twice",
			    b->name);
			goto out;
		}
		a = &rs->ctrs[byaddr[i - 1]];
		b = &rs->ctrs[byaddr[i]];
		if (a->addr == b->addr) {
			cause_set(cause, "address %s of \"%s\" is taken by "
			    "\"%s\"", addr_fmt(b->addr, ab), b->name, a->name);
			goto out;
		}
	}
	for (i = 0; i < rs->nports; i++) {
		p = &rs->ports[i];
		if (pfr_check_port(rs, p, cause) == -1)
			goto out;
		lo = 0;
		hi = rs->nctrs;
		while (lo < hi) {
			mid = lo + (hi - lo) / 2;
			if (rs->ctrs[byaddr[mid]].addr < p->ctr_addr)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == rs->nctrs || rs->ctrs[byaddr[lo]].addr != p->ctr_addr) {
			cause_set(cause, "published port %s of \"%s\": no "
			    "container has the address %s",
			    pfr_port_desc(p, d), p->ctr_name,
			    addr_fmt(p->ctr_addr, ab));
			goto out;
		}
	}
	if (rs->nfilters > 0 && rs->filters == NULL) {
		cause_set(cause, "policy filters missing");
		goto out;
	}
	for (i = 0; i < rs->nfilters; i++)
		if (pfr_check_filter(rs, &rs->filters[i], i, cause) == -1)
			goto out;
	pfr_port_clashes(rs, &first, &second);
	if (second != SIZE_MAX) {
		p = &rs->ports[second];
		cause_set(cause, "host port %s of \"%s\" is already published "
		    "by \"%s\"", pfr_port_desc(p, d), p->ctr_name,
		    rs->ports[first].ctr_name);
		goto out;
	}
	rc = 0;
out:
	free(byname);
	free(byaddr);
	return rc;
}
