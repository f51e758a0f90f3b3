/* SPDX-License-Identifier: ISC */
/*
 * dns.c - DNS answers for the berth zone; no sockets. The wire format
 * is dns_wire.c's.
 *
 * DOC: Theory of Operation
 * A query is parsed with every length checked against the message: the
 * header, exactly one question, and the additional records (for an
 * EDNS OPT). Names are read label by label; a compression pointer must
 * point strictly before the label that holds it, so a chain of them
 * always ends (and is cut after DNS_PTR_HOPS hops anyway), and a name
 * is at most 255 bytes. A message too short for a header, or that is a
 * response, is dropped; any other bad query is answered FORMERR (bad
 * shape), NOTIMP (not a QUERY) or BADVERS (EDNS version not 0).
 *
 * What is ours (answered authoritatively, TTL DNS_TTL):
 *   host.berth              the gateway, where the host's services are
 *   NAME.berth              the container NAME; failing that, the
 *                           service NAME of the client's own stack
 *   SERVICE.STACK.berth     the service of a stack, from anywhere
 *   NAME (one label)        the service NAME of the client's stack, or
 *                           the container NAME; forwarded when neither
 *   D.C.B.A.in-addr.arpa    for every address of the pool, and for
 *                           127/8: a container's own loopback
 *                           127.B.C.D names it, the rest NXDOMAIN
 * A (and ANY) get the address; any other type of a known name is
 * NOERROR with no data, so resolvers asking A and AAAA together do not
 * fail. An unknown name under berth is NXDOMAIN with the zone's SOA.
 * Everything else is DNS_FORWARD: the server passes the query on to
 * the host's resolvers.
 *
 * The zone keeps its records in three small hash tables: by name, by
 * address (PTR, and the client's stack for bare names) and by
 * (stack, service).
 *
 * For the host's /etc/hosts block (hostdns_linux.c) each record's line
 * is rendered once, when it is added, and the records are kept in an
 * array sorted by (address, name): an add or delete renders its own
 * line only and moves pointers (a binary search, one memmove of at
 * most count pointers); dns_hosts_edit() copies the kept lines out. At
 * 1,000 containers, rendering every name on every change was 18 % of
 * netd's samples under churn.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "dns.h"
#include "dns_wire.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

#define DNS_NHASH	1024
#define DNS_LABEL_MAX	63

struct dns_rec {
	char		 name[DNS_LABEL_MAX + 1];
	char		 stack[DNS_LABEL_MAX + 1];
	char		 service[DNS_LABEL_MAX + 1];
	uint32_t	 addr;
	char		*line;		/* its hosts line, rendered once */
	size_t		 linelen;
	struct dns_rec	*next_name;
	struct dns_rec	*next_addr;
	struct dns_rec	*next_svc;
};

struct dns_zone {
	struct cidr	 pool;
	uint32_t	 gateway;
	size_t		 count;
	struct dns_rec	*by_name[DNS_NHASH];
	struct dns_rec	*by_addr[DNS_NHASH];
	struct dns_rec	*by_svc[DNS_NHASH];
	/* the hosts block: every record in (address, name) order */
	struct dns_rec	**sorted;
	size_t		  sortcap;
	unsigned long	  rendered;	/* hosts lines rendered so far */
};

/* ---------------------------------------------------------------- zone */

static unsigned
dns_hash_str(const char *a, const char *b)
{
	uint32_t	 h = util_hash_str(UTIL_HASH_INIT, a);

	if (b != NULL)
		h = util_hash_str(util_hash_str(h, "."), b);
	return h % DNS_NHASH;
}

static unsigned
dns_hash_addr(uint32_t a)
{
	return (a * 2654435761u) >> 22;		/* top 10 bits: 1024 */
}

struct dns_zone *
dns_zone_new(const struct cidr *pool, uint32_t gateway)
{
	struct dns_zone	*z = xcalloc(1, sizeof(*z));

	z->pool = *pool;
	z->gateway = gateway;
	return z;
}

void
dns_zone_free(struct dns_zone *z)
{
	struct dns_rec	*r, *next;
	size_t		 i;

	if (z == NULL)
		return;
	for (i = 0; i < DNS_NHASH; i++)
		for (r = z->by_name[i]; r != NULL; r = next) {
			next = r->next_name;
			free(r->line);
			free(r);
		}
	free(z->sorted);
	free(z);
}

static struct dns_rec *
dns_zone_find(const struct dns_zone *z, const char *name)
{
	struct dns_rec	*r;

	for (r = z->by_name[dns_hash_str(name, NULL)]; r != NULL;
	    r = r->next_name)
		if (strcmp(r->name, name) == 0)
			return r;
	return NULL;
}

static struct dns_rec *
dns_zone_find_addr(const struct dns_zone *z, uint32_t a)
{
	struct dns_rec	*r;

	for (r = z->by_addr[dns_hash_addr(a)]; r != NULL; r = r->next_addr)
		if (r->addr == a)
			return r;
	return NULL;
}

static struct dns_rec *
dns_zone_find_svc(const struct dns_zone *z, const char *stack,
    const char *service)
{
	struct dns_rec	*r;

	if (*stack == '\0')
		return NULL;
	for (r = z->by_svc[dns_hash_str(service, stack)]; r != NULL;
	    r = r->next_svc)
		if (strcmp(r->service, service) == 0 &&
		    strcmp(r->stack, stack) == 0)
			return r;
	return NULL;
}

/* The hosts block's order: by address, then by name. */
static int
dns_rec_cmp(const struct dns_rec *x, const struct dns_rec *y)
{
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Where r is, or goes, in z->sorted. */
static size_t
dns_sorted_find(const struct dns_zone *z, const struct dns_rec *r)
{
	size_t	 lo = 0, hi = z->count, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (dns_rec_cmp(z->sorted[mid], r) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* r's line in the hosts block, with its end of line. */
static void
dns_rec_render(struct dns_zone *z, struct dns_rec *r)
{
	char	 ab[ADDR_STRLEN];
	int	 n;

	if (r->service[0] != '\0')
		n = xasprintf(&r->line, "%s\t%s.%s %s.%s.%s\n",
		    addr_fmt(r->addr, ab), r->name, DNS_DOMAIN, r->service,
		    r->stack, DNS_DOMAIN);
	else
		n = xasprintf(&r->line, "%s\t%s.%s\n", addr_fmt(r->addr, ab),
		    r->name, DNS_DOMAIN);
	r->linelen = (size_t)n;
	z->rendered++;
}

/* Unlink r from the chain at head, linked through r->field. */
#define DNS_UNLINK(head, r, field) do {				\
	struct dns_rec **pp_;					\
	for (pp_ = (head); *pp_ != NULL; pp_ = &(*pp_)->field)	\
		if (*pp_ == (r)) {				\
			*pp_ = (r)->field;			\
			break;					\
		}						\
} while (0)

void
dns_zone_del(struct dns_zone *z, const char *name)
{
	struct dns_rec	*r;
	size_t		 i;

	if ((r = dns_zone_find(z, name)) == NULL)
		return;
	i = dns_sorted_find(z, r);
	if (i >= z->count || z->sorted[i] != r)
		fatalx("%s: %s not in the hosts order", __func__, name);
	memmove(&z->sorted[i], &z->sorted[i + 1],
	    (z->count - i - 1) * sizeof(*z->sorted));
	DNS_UNLINK(&z->by_name[dns_hash_str(r->name, NULL)], r, next_name);
	DNS_UNLINK(&z->by_addr[dns_hash_addr(r->addr)], r, next_addr);
	if (r->service[0] != '\0')
		DNS_UNLINK(&z->by_svc[dns_hash_str(r->service, r->stack)], r,
		    next_svc);
	free(r->line);
	free(r);
	z->count--;
}

static void
dns_copy(char *dst, const char *src)
{
	snprintf(dst, DNS_LABEL_MAX + 1, "%s", src != NULL ? src : "");
}

void
dns_zone_add(struct dns_zone *z, const char *name, uint32_t addr,
    const char *stack, const char *service)
{
	struct dns_rec	*r;
	size_t		 i;
	unsigned	 h;

	dns_zone_del(z, name);
	r = xcalloc(1, sizeof(*r));
	dns_copy(r->name, name);
	dns_copy(r->stack, stack);
	dns_copy(r->service, service);
	if (r->stack[0] == '\0')
		r->service[0] = '\0';	/* a service needs its stack */
	r->addr = addr;
	h = dns_hash_str(r->name, NULL);
	r->next_name = z->by_name[h];
	z->by_name[h] = r;
	h = dns_hash_addr(addr);
	r->next_addr = z->by_addr[h];
	z->by_addr[h] = r;
	if (r->service[0] != '\0') {
		h = dns_hash_str(r->service, r->stack);
		r->next_svc = z->by_svc[h];
		z->by_svc[h] = r;
	}
	dns_rec_render(z, r);
	if (z->count == z->sortcap) {
		z->sortcap = z->sortcap == 0 ? 64 : z->sortcap * 2;
		z->sorted = xreallocarray(z->sorted, z->sortcap,
		    sizeof(*z->sorted));
	}
	i = dns_sorted_find(z, r);
	memmove(&z->sorted[i + 1], &z->sorted[i],
	    (z->count - i) * sizeof(*z->sorted));
	z->sorted[i] = r;
	z->count++;
}

size_t
dns_zone_count(const struct dns_zone *z)
{
	return z->count;
}

unsigned long
dns_zone_rendered(const struct dns_zone *z)
{
	return z->rendered;
}

uint32_t
dns_zone_addr(const struct dns_zone *z, const char *name)
{
	struct dns_rec	*r = dns_zone_find(z, name);

	return r != NULL ? r->addr : 0;
}

/* ---------------------------------------------------------------- answers */

#define DNS_MAX_LABELS	128

/* The labels of a lowercased wire name, as C strings. */
struct dns_labels {
	char	 s[DNS_MAX_LABELS][DNS_LABEL_MAX + 1];
	size_t	 off[DNS_MAX_LABELS];	/* offset of each in the name */
	size_t	 n;
	int	 odd;	/* a label holds a byte a berth name never has */
};

static void
dns_split(const uint8_t *name, size_t namelen, struct dns_labels *l)
{
	size_t	 p = 0, i, c;

	l->n = 0;
	l->odd = 0;
	while (p < namelen && name[p] != 0 && l->n < DNS_MAX_LABELS) {
		c = name[p];
		l->off[l->n] = p;
		for (i = 0; i < c; i++) {
			uint8_t	 ch = name[p + 1 + i];

			if (!((ch >= 'a' && ch <= 'z') ||
			    (ch >= '0' && ch <= '9') || ch == '-'))
				l->odd = 1;
		}
		memcpy(l->s[l->n], name + p + 1, c);
		l->s[l->n][c] = '\0';
		l->n++;
		p += 1 + c;
	}
}

/* A decimal octet, strictly: "0".."255", no leading zeros. */
static int
dns_octet(const char *s, uint32_t *v)
{
	size_t	 n = strlen(s), i;

	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return -1;
	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (uint32_t)(s[i] - '0');
	}
	return *v > 255 ? -1 : 0;
}

enum dns_kind {
	DNS_K_FORWARD,
	DNS_K_ADDR,	/* name found: addr */
	DNS_K_PTR,	/* reverse name found: ptrname */
	DNS_K_APEX,	/* "berth" itself */
	DNS_K_NXDOMAIN,	/* under berth, or a pool address nobody has */
};

struct dns_lookup {
	enum dns_kind	 kind;
	uint32_t	 addr;
	const char	*ptrname;	/* a container name or "host" */
	int		 zone_ptr;	/* offset of "berth" in the packet, 0 */
};

/* The stack of the container that sent the query, "" for none. */
static const char *
dns_client_stack(const struct dns_zone *z, uint32_t client)
{
	struct dns_rec	*r = dns_zone_find_addr(z, client);

	return r != NULL ? r->stack : "";
}

/* A one-label name: container NAME, or a service of the client's stack. */
static struct dns_rec *
dns_find_one(const struct dns_zone *z, uint32_t client, const char *name,
    int service_first)
{
	struct dns_rec	*r;
	const char	*stack = dns_client_stack(z, client);

	if (service_first && (r = dns_zone_find_svc(z, stack, name)) != NULL)
		return r;
	if ((r = dns_zone_find(z, name)) != NULL)
		return r;
	return dns_zone_find_svc(z, stack, name);
}

static void
dns_classify_reverse(const struct dns_zone *z, const struct dns_labels *l,
    struct dns_lookup *lk)
{
	uint32_t	 a = 0, v;
	size_t		 i;
	struct dns_rec	*r;

	for (i = 0; i < 4; i++) {
		if (dns_octet(l->s[3 - i], &v) == -1)
			return;
		a = a << 8 | v;
	}
	if (a >> 24 == 127) {
		/*
		 * 127/8 is loopback (RFC 6761): never forwarded. A
		 * container's own loopback 127.B.C.D (launch.h) names the
		 * container A.B.C.D of the pool; the rest is NXDOMAIN at
		 * once, so a server's reverse lookup of its listening
		 * address (python's getfqdn) does not wait on the host's
		 * resolvers.
		 */
		lk->kind = DNS_K_NXDOMAIN;
		a = (z->pool.net & 0xff000000) | (a & 0x00ffffff);
		if ((a & 0x00ffffff) > 0xff && cidr_contains(&z->pool, a) &&
		    a != z->gateway && (r = dns_zone_find_addr(z, a)) != NULL) {
			lk->kind = DNS_K_PTR;
			lk->ptrname = r->name;
		}
		return;
	}
	if (!cidr_contains(&z->pool, a))
		return;
	lk->kind = DNS_K_NXDOMAIN;
	if (a == z->gateway) {
		lk->kind = DNS_K_PTR;
		lk->ptrname = "host";
	} else if ((r = dns_zone_find_addr(z, a)) != NULL) {
		lk->kind = DNS_K_PTR;
		lk->ptrname = r->name;
	}
}

static void
dns_classify(const struct dns_zone *z, uint32_t client,
    const struct dns_question *q, struct dns_lookup *lk)
{
	struct dns_labels	 l;
	struct dns_rec		*r = NULL;

	memset(lk, 0, sizeof(*lk));
	lk->kind = DNS_K_FORWARD;
	dns_split(q->lower, q->namelen, &l);
	if (l.n == 0)
		return;
	if (strcmp(l.s[l.n - 1], DNS_DOMAIN) == 0) {
		lk->kind = DNS_K_NXDOMAIN;
		lk->zone_ptr = DNS_HDR_LEN + (int)l.off[l.n - 1];
		if (l.n == 1)
			lk->kind = DNS_K_APEX;
		else if (l.odd)
			return;
		else if (l.n == 2 && strcmp(l.s[0], "host") == 0) {
			lk->kind = DNS_K_ADDR;
			lk->addr = z->gateway;
			return;
		} else if (l.n == 2)
			r = dns_find_one(z, client, l.s[0], 0);
		else if (l.n == 3)
			r = dns_zone_find_svc(z, l.s[1], l.s[0]);
		if (r != NULL) {
			lk->kind = DNS_K_ADDR;
			lk->addr = r->addr;
		}
		return;
	}
	if (l.n == 6 && strcmp(l.s[4], "in-addr") == 0 &&
	    strcmp(l.s[5], "arpa") == 0) {
		dns_classify_reverse(z, &l, lk);
		return;
	}
	/* A bare name: the client's own stack first, like compose. */
	if (l.n == 1 && !l.odd &&
	    (r = dns_find_one(z, client, l.s[0], 1)) != NULL) {
		lk->kind = DNS_K_ADDR;
		lk->addr = r->addr;
	}
}

/* The SOA of the berth zone, its owner a pointer to "berth". */
static void
dns_put_soa(struct dns_out *o, int zone_ptr)
{
	size_t	 start;

	dns_put_rr(o, (uint16_t)zone_ptr, DNS_T_SOA);
	dns_put16(o, 0);		/* rdlength, set below */
	start = o->len;
	dns_put_label(o, "host");
	dns_put16(o, 0xc000 | (uint16_t)zone_ptr);
	dns_put_label(o, "hostmaster");
	dns_put16(o, 0xc000 | (uint16_t)zone_ptr);
	dns_put32(o, 1);		/* serial */
	dns_put32(o, 3600);		/* refresh */
	dns_put32(o, 600);		/* retry */
	dns_put32(o, 86400);		/* expire */
	dns_put32(o, DNS_TTL);		/* negative TTL (RFC 2308) */
	dns_set16(o, start - 2, (uint16_t)(o->len - start));
}

/* Build the answer for an authoritative lookup into o. */
static void
dns_build(struct dns_out *o, const struct dns_question *q,
    const struct dns_lookup *lk)
{
	uint16_t	 an = 0, ns = 0;
	int		 rcode = DNS_R_NOERROR, want;
	size_t		 start;

	want = q->qtype == DNS_T_ANY;
	if (lk->kind == DNS_K_NXDOMAIN)
		rcode = DNS_R_NXDOMAIN;
	dns_put_head(o, q, rcode, DNS_F_AA);
	switch (lk->kind) {
	case DNS_K_ADDR:
		if (want || q->qtype == DNS_T_A) {
			dns_put_rr(o, DNS_HDR_LEN, DNS_T_A);
			dns_put16(o, 4);
			dns_put32(o, lk->addr);
			an++;
		}
		break;
	case DNS_K_PTR:
		if (want || q->qtype == DNS_T_PTR) {
			dns_put_rr(o, DNS_HDR_LEN, DNS_T_PTR);
			dns_put16(o, 0);
			start = o->len;
			dns_put_label(o, lk->ptrname);
			dns_put_label(o, DNS_DOMAIN);
			dns_put(o, "", 1);
			dns_set16(o, start - 2, (uint16_t)(o->len - start));
			an++;
		}
		break;
	case DNS_K_APEX:
		if (want || q->qtype == DNS_T_SOA) {
			dns_put_soa(o, lk->zone_ptr);
			an++;
		}
		break;
	default:
		break;
	}
	/* Negative answers carry the SOA for caching (RFC 2308). */
	if (an == 0 && lk->zone_ptr != 0) {
		dns_put_soa(o, lk->zone_ptr);
		ns++;
	}
	dns_set16(o, 6, an);
	dns_set16(o, 8, ns);
	dns_put_opt(o, q, rcode);
}

enum dns_verdict
dns_answer(const struct dns_zone *z, uint32_t client, const uint8_t *msg,
    size_t len, int tcp, uint8_t *out, size_t outsz, size_t *outlen)
{
	struct dns_question	 q;
	struct dns_lookup	 lk;
	struct dns_out		 o;
	size_t			 limit;
	int			 rcode;

	*outlen = 0;
	if (dns_parse_query(msg, len, &q, &rcode) == -1) {
		if (rcode == -1)
			return DNS_DROP;
		*outlen = dns_error(&q, rcode, out, outsz);
		return *outlen != 0 ? DNS_REPLY : DNS_DROP;
	}
	dns_classify(z, client, &q, &lk);
	if (lk.kind == DNS_K_FORWARD)
		return DNS_FORWARD;
	if (q.qclass != DNS_C_IN && q.qclass != DNS_C_ANY) {
		*outlen = dns_error(&q, DNS_R_REFUSED, out, outsz);
		return *outlen != 0 ? DNS_REPLY : DNS_DROP;
	}
	limit = DNS_UDP_MAX;
	if (tcp)
		limit = DNS_MSG_MAX;
	else if (q.edns && q.edns_size > DNS_UDP_MAX)
		limit = q.edns_size < DNS_EDNS_MAX ? q.edns_size :
		    DNS_EDNS_MAX;
	if (limit > outsz)
		limit = outsz;
	o = (struct dns_out){ out, limit, 0, 0 };
	dns_build(&o, &q, &lk);
	if (o.full) {
		/* Too big for the transport: header, question, TC. */
		o = (struct dns_out){ out, limit, 0, 0 };
		dns_put_head(&o, &q, DNS_R_NOERROR, DNS_F_AA | DNS_F_TC);
		dns_put_opt(&o, &q, DNS_R_NOERROR);
		if (o.full)
			return DNS_DROP;
	}
	*outlen = o.len;
	return DNS_REPLY;
}

/* ---------------------------------------------------------------- hosts */

struct dns_text {
	char	*s;
	size_t	 len;
	size_t	 cap;
};

static void
dns_text_add(struct dns_text *t, const char *p, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		t->cap = t->cap * 2 > t->len + n + 1 ? t->cap * 2 :
		    t->len + n + 1;
		t->s = xreallocarray(t->s, 1, t->cap);
	}
	memcpy(t->s + t->len, p, n);
	t->len += n;
	t->s[t->len] = '\0';
}

static void
dns_text_printf(struct dns_text *t, const char *fmt, ...)
    __attribute__((__format__(printf, 2, 3)));

static void
dns_text_printf(struct dns_text *t, const char *fmt, ...)
{
	va_list	 ap;
	char	*line;
	int	 n;

	va_start(ap, fmt);
	n = xvasprintf(&line, fmt, ap);
	va_end(ap);
	dns_text_add(t, line, (size_t)n);
	free(line);
}

/* The block of the zone, sorted by address: the kept lines copied. */
static void
dns_hosts_block(struct dns_text *t, const char *prefix,
    const struct dns_zone *z)
{
	char		 ab[ADDR_STRLEN];
	size_t		 i;

	dns_text_printf(t, "# BEGIN berth %s\n%s\thost.%s\n", prefix,
	    addr_fmt(z->gateway, ab), DNS_DOMAIN);
	for (i = 0; i < z->count; i++)
		dns_text_add(t, z->sorted[i]->line, z->sorted[i]->linelen);
	dns_text_printf(t, "# END berth %s\n", prefix);
}

/* Whether the line at p is exactly mark (before its end of line). */
static int
dns_is_line(const char *p, const char *mark)
{
	size_t	 n = strlen(mark);

	return strncmp(p, mark, n) == 0 &&
	    (p[n] == '\n' || p[n] == '\0' ||
	    (p[n] == '\r' && (p[n + 1] == '\n' || p[n + 1] == '\0')));
}

/* The line after the one at p, or NULL at the end. */
static const char *
dns_next_line(const char *p)
{
	const char	*nl = strchr(p, '\n');

	return nl != NULL && nl[1] != '\0' ? nl + 1 : NULL;
}

/* Append the lines from p up to (not including) stop, each ended. */
static void
dns_text_lines(struct dns_text *t, const char *p, const char *stop)
{
	const char	*q;
	size_t		 n;

	for (; p != NULL && p != stop; p = q) {
		q = dns_next_line(p);
		n = q != NULL ? (size_t)(q - p) : strlen(p);
		dns_text_add(t, p, n);
		if (p[n - 1] != '\n')
			dns_text_add(t, "\n", 1);
	}
}

/*
 * A block runs from a BEGIN line to the next END line (a BEGIN inside
 * is part of it). A BEGIN with no END after it is not ours: it is kept,
 * and a new block goes before it, so that adding and then removing a
 * block always gives the text that removing it would have given.
 */
char *
dns_hosts_edit(const char *old, const char *prefix,
    const struct dns_zone *z)
{
	struct dns_text	 t = { xstrdup(""), 0, 1 };
	const char	*p = old != NULL && *old != '\0' ? old : NULL, *q;
	const char	*open = NULL;
	char		*begin, *end;
	int		 placed = 0;

	xasprintf(&begin, "# BEGIN berth %s", prefix);
	xasprintf(&end, "# END berth %s", prefix);
	for (; p != NULL; p = q) {
		q = dns_next_line(p);
		if (open == NULL && dns_is_line(p, begin))
			open = p;
		else if (open == NULL)
			dns_text_lines(&t, p, q);
		else if (dns_is_line(p, end)) {
			if (z != NULL && !placed)
				dns_hosts_block(&t, prefix, z);
			placed = 1;
			open = NULL;
		}
	}
	if (z != NULL && !placed)
		dns_hosts_block(&t, prefix, z);
	dns_text_lines(&t, open, NULL);
	free(begin);
	free(end);
	return t.s;
}
