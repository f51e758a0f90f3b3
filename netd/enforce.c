/* SPDX-License-Identifier: ISC */
/*
 * enforce.c - network policy in netd's router: the hook, its flow
 * cache, the endpoints the model decides on, and the policy's life.
 *
 * DOC: Theory of Operation
 * The model and its evaluator are common/policy.c; this file feeds it
 * packets. The router hook (ROUTER_PRIO_POLICY) is registered only while
 * there is something to enforce: rules or NetworkPolicy objects, or
 * containers on two different networks or on an internal one. Without
 * it, the router pays one pointer test per packet.
 *
 * A flow is decided once. Its first packet scans only the rules whose
 * selectors match its two ends: that list is built once per pair of
 * addresses and kept until the next change (enforce_pair), so with
 * 1,000 rules a new flow between two containers looks at the handful
 * that name them, in order (first match wins, as over all of them).
 * The cache is direct mapped, keyed by source,
 * destination, protocol and ports (ICMP echo: the identifier); each
 * entry remembers which end opened the flow and the verdict. When a flow
 * is first allowed, its reverse entry is written too, so replies pass
 * without a decision. Every change (a rule, a container, a network)
 * bumps a generation: an entry of an older generation is decided again,
 * in the direction the flow was opened, on its next packet, so a change
 * applies to new flows at once and to established flows on their next
 * packet: a forbidden TCP connection gets a RST at both ends (router.c).
 * A packet with no entry (evicted, or its flow predates the hook) that
 * policy refuses is taken for a reply when it cannot open a flow (not a
 * TCP SYN, not an echo request), its source port is below its
 * destination port (servers listen low, clients bind ephemeral ports)
 * and the reverse flow is allowed.
 *
 * ICMP errors, TCP RSTs and non-first fragments pass: none opens
 * anything (a RST or an error only closes a flow between the same two
 * addresses; those nft's reject sends for internal containers come this
 * way), and a fragment is useless without its first, which was decided.
 *
 * Endpoints: a pool address owned by a container is that container
 * (its networks, stack, service and labels); the gateway and the host's
 * own addresses are "host"; anything else is "outside".
 *
 * The policy ops and the state file are enforce_ops.c; the filters the
 * same model compiles into the firewall are enforce_fw.c.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enforce.h"
#include "enforce_int.h"
#include "log.h"
#include "netd.h"
#include "util.h"
#include "xmalloc.h"

#define ENFORCE_HOSTADDRS_MAX	65536	/* a host with more is odd */

struct enforce_flow {
	uint32_t	 src, dst;
	uint16_t	 sport, dport;
	uint8_t		 proto;
	uint8_t		 used;
	uint8_t		 orig;		/* src opened the flow */
	uint8_t		 action;	/* enum policy_action */
	uint64_t	 gen;
};

struct enforce_pair {
	uint32_t		 src, dst;
	uint8_t			 skind, dkind;
	uint64_t		 gen;		/* 0: never built */
	struct policy_pair	 pp;
};

struct policy *
enforce_policy(struct enforce *e)
{
	return &e->pol;
}

int
enforce_has_rules(const struct enforce *e)
{
	return e != NULL && policy_has_rules(&e->pol);
}

int
enforce_touches(struct enforce *e, const struct ctr *c)
{
	struct enforce_ep	 x;

	if (!enforce_has_rules(e))
		return 0;
	enforce_ep_ctr(e, c, &x);
	return policy_touches(&e->pol, &x.ep);
}

int
enforce_active(const struct enforce *e)
{
	return e->active;
}

/* ----------------------------------------------------------- endpoints */

void
enforce_ep_ctr(struct enforce *e, const struct ctr *c, struct enforce_ep *x)
{
	const char	*k;
	json_t		*v;

	memset(x, 0, sizeof(*x));
	x->ep.kind = POLICY_EP_CTR;
	x->ep.addr = c->addr;
	x->ep.name = c->name;
	x->ep.stack = c->stack;
	x->ep.service = c->service;
	x->ep.nets = c->networks;
	x->ep.nnets = c->nnetworks;
	x->ep.internal = netd_ctr_nonat(e->d, c);
	x->ep.labels = x->labels;
	json_object_foreach(json_object_get(c->meta, "labels"), k, v) {
		if (x->ep.nlabels == ENFORCE_LABELS_MAX)
			break;
		if (!json_is_string(v))
			continue;
		x->labels[x->ep.nlabels].key = k;
		x->labels[x->ep.nlabels++].value = json_string_value(v);
	}
}

/* The host's addresses, read again at most once a second. */
static int
enforce_host_addr(struct enforce *e, uint32_t a)
{
	struct ifaddrs		*ifa, *i;
	struct sockaddr_in	*sin;
	long long		 now = util_now_ms();
	size_t			 k;

	if ((a >> 24) == 127)
		return 1;
	if (now - e->hostaddrs_ms >= 1000) {
		e->hostaddrs_ms = now;
		e->nhostaddrs = 0;
		if (getifaddrs(&ifa) == 0) {
			for (i = ifa; i != NULL; i = i->ifa_next) {
				if (i->ifa_addr == NULL ||
				    i->ifa_addr->sa_family != AF_INET ||
				    e->nhostaddrs == ENFORCE_HOSTADDRS_MAX)
					continue;
				if (e->nhostaddrs == e->hostaddrs_cap) {
					e->hostaddrs_cap = e->hostaddrs_cap ?
					    e->hostaddrs_cap * 2 : 64;
					e->hostaddrs = xreallocarray(
					    e->hostaddrs, e->hostaddrs_cap,
					    sizeof(*e->hostaddrs));
				}
				sin = (struct sockaddr_in *)(void *)i->ifa_addr;
				e->hostaddrs[e->nhostaddrs++] =
				    ntohl(sin->sin_addr.s_addr);
			}
			freeifaddrs(ifa);
		}
	}
	for (k = 0; k < e->nhostaddrs; k++)
		if (e->hostaddrs[k] == a)
			return 1;
	return 0;
}

/* What is at address a. */
void
enforce_ep_addr(struct enforce *e, uint32_t a, struct enforce_ep *x)
{
	struct rport	*p;
	struct ctr	*c = NULL;

	if (a != e->d->cfg.gateway) {
		if ((p = router_lookup(e->d->router, a)) != NULL &&
		    !p->gateway)
			c = p->owner;
		else if (cidr_contains(&e->d->cfg.pool, a))
			c = netd_ctr_by_addr(e->d, a);
	}
	if (c != NULL) {
		enforce_ep_ctr(e, c, x);
		return;
	}
	memset(x, 0, sizeof(*x));
	x->ep.addr = a;
	if (a == e->d->cfg.gateway) {
		x->ep.kind = POLICY_EP_HOST;
		x->ep.gateway = 1;
	} else if (!cidr_contains(&e->d->cfg.pool, a) &&
	    enforce_host_addr(e, a))
		x->ep.kind = POLICY_EP_HOST;
	else
		x->ep.kind = POLICY_EP_OUTSIDE;
}

static uint32_t
enforce_pair_hash(uint32_t src, uint32_t dst)
{
	uint64_t	 h = ((uint64_t)src << 32 | dst) * 0x9e3779b97f4a7c15ull;

	return (uint32_t)(h >> 40) & (ENFORCE_NPAIRS - 1);
}

/*
 * The rules that can decide flows between s and d (policy_pair_build),
 * kept per pair of addresses until the next change (gen): a first
 * packet then scans the few rules about its two ends, not all of them.
 * The kinds are part of the key: an address may become the host's.
 */
static const struct policy_pair *
enforce_pair(struct enforce *e, const struct policy_ep *s,
    const struct policy_ep *d)
{
	struct enforce_pair	*p;

	p = &e->pairs[enforce_pair_hash(s->addr, d->addr)];
	if (p->gen != e->gen || p->src != s->addr || p->dst != d->addr ||
	    p->skind != s->kind || p->dkind != d->kind) {
		policy_pair_build(&e->pol, s, d, &p->pp);
		p->src = s->addr;
		p->dst = d->addr;
		p->skind = (uint8_t)s->kind;
		p->dkind = (uint8_t)d->kind;
		p->gen = e->gen;
	}
	return &p->pp;
}

/* Why a flow is refused is worked out for refused flows only (logs). */
static enum policy_action
enforce_decide(struct enforce *e, uint32_t src, uint32_t dst, uint8_t proto,
    uint16_t port, int count, struct policy_verdict *v)
{
	struct enforce_ep		 s, d;
	const struct policy_pair	*pp;

	enforce_ep_addr(e, src, &s);
	enforce_ep_addr(e, dst, &d);
	pp = enforce_pair(e, &s.ep, &d.ep);
	policy_decide_pair(&e->pol, &s.ep, &d.ep, proto, port, count, v, pp,
	    0);
	if (v->action != POLICY_ALLOW)
		policy_decide_pair(&e->pol, &s.ep, &d.ep, proto, port, 0, v,
		    pp, 1);
	return v->action;
}

/* ------------------------------------------------------------ the hook */

static uint32_t
enforce_hash(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
    uint8_t proto)
{
	uint64_t	 h;

	h = ((uint64_t)src << 32 | dst) * 0x9e3779b97f4a7c15ull;
	h ^= ((uint64_t)sport << 24 | (uint64_t)dport << 8 | proto) *
	    0xc2b2ae3d27d4eb4full;
	h ^= h >> 29;
	return (uint32_t)h & (ENFORCE_NFLOWS - 1);
}

static struct enforce_flow *
enforce_slot(struct enforce *e, uint32_t src, uint32_t dst, uint16_t sport,
    uint16_t dport, uint8_t proto)
{
	return &e->flows[enforce_hash(src, dst, sport, dport, proto)];
}

static void
enforce_put(struct enforce *e, uint32_t src, uint32_t dst, uint16_t sport,
    uint16_t dport, uint8_t proto, int orig, enum policy_action a)
{
	struct enforce_flow	*f = enforce_slot(e, src, dst, sport, dport,
				    proto);

	f->src = src;
	f->dst = dst;
	f->sport = sport;
	f->dport = dport;
	f->proto = proto;
	f->used = 1;
	f->orig = (uint8_t)orig;
	f->action = (uint8_t)a;
	f->gen = e->gen;
}

/* The flow key of a packet; -1 for what passes undecided. */
static int
enforce_key(const uint8_t *pkt, const struct packet_ip *ip, uint16_t *sport,
    uint16_t *dport, int *opens)
{
	const uint8_t	*l4 = pkt + ip->hlen;
	uint8_t		 type;

	*opens = 1;
	if ((ip->frag & 0x1fff) != 0)
		return -1;
	switch (ip->proto) {
	case IPPROTO_TCP:
		if (packet_ports(pkt, ip, sport, dport) == -1)
			return -1;
		/* A RST only ever closes a connection between the same two
		 * addresses; the kernel's own (nft reject) must get through. */
		if (ip->len >= ip->hlen + 14u && (l4[13] & 0x04))
			return -1;
		/* SYN without ACK opens; anything else belongs to a flow. */
		*opens = ip->len >= ip->hlen + 14u &&
		    (l4[13] & 0x12) == 0x02;
		return 0;
	case IPPROTO_UDP:
		if (packet_ports(pkt, ip, sport, dport) == -1)
			return -1;
		return 0;
	case IPPROTO_ICMP:
		if (ip->len < ip->hlen + 8u)
			return -1;
		type = l4[0];
		/* Echo, timestamp, information, address mask: request and
		 * reply share the identifier. */
		if (type == 8 || type == 13 || type == 15 || type == 17) {
			*sport = (uint16_t)(l4[4] << 8 | l4[5]);
			*dport = 0;
			return 0;
		}
		if (type == 0 || type == 14 || type == 16 || type == 18) {
			*sport = 0;
			*dport = (uint16_t)(l4[4] << 8 | l4[5]);
			*opens = 0;
			return 0;
		}
		return -1;	/* errors: they open nothing */
	default:
		*sport = *dport = 0;
		return 0;
	}
}

static void
enforce_log(struct enforce *e, const struct packet_ip *ip, uint16_t sport,
    uint16_t dport, const struct policy_verdict *v)
{
	char	 s[ADDR_STRLEN], d[ADDR_STRLEN];

	log_debug("%s: %s proto %u %s:%u -> %s:%u: %s", __func__,
	    policy_action_name(v->action), ip->proto, addr_fmt(ip->src, s),
	    sport, addr_fmt(ip->dst, d), dport, v->why);
}

static enum router_hook_ret
enforce_packet(struct router_hook *h, struct router *r, struct rport *in,
    const uint8_t *pkt, size_t len, struct router_verdict *rv)
{
	struct enforce		*e = h->arg;
	struct enforce_flow	*f;
	struct policy_verdict	 v;
	enum policy_action	 a;
	uint16_t		 sport = 0, dport = 0, port;
	int			 opens;
	const struct packet_ip	*ip = &rv->ip;

	(void)r;
	(void)in;
	(void)len;
	if (rv->action != ROUTER_FORWARD ||
	    enforce_key(pkt, ip, &sport, &dport, &opens) == -1)
		return ROUTER_HOOK_PASS;
	port = ip->proto == IPPROTO_ICMP ? 0 : dport;
	f = enforce_slot(e, ip->src, ip->dst, sport, dport, ip->proto);
	if (f->used && f->src == ip->src && f->dst == ip->dst &&
	    f->sport == sport && f->dport == dport && f->proto == ip->proto) {
		if (f->gen == e->gen) {
			a = (enum policy_action)f->action;
			goto act;
		}
		/* Policy changed: decide again, as the flow was opened. */
		if (f->orig)
			a = enforce_decide(e, ip->src, ip->dst, ip->proto, port,
			    1, &v);
		else
			a = enforce_decide(e, ip->dst, ip->src, ip->proto,
			    ip->proto == IPPROTO_ICMP ? 0 : sport, 1, &v);
		f->action = (uint8_t)a;
		f->gen = e->gen;
		if (a != POLICY_ALLOW)
			enforce_log(e, ip, sport, dport, &v);
		goto act;
	}
	e->decided++;
	a = enforce_decide(e, ip->src, ip->dst, ip->proto, port, 1, &v);
	if (a == POLICY_ALLOW) {
		enforce_put(e, ip->src, ip->dst, sport, dport, ip->proto, 1, a);
		enforce_put(e, ip->dst, ip->src, dport, sport, ip->proto, 0, a);
		return ROUTER_HOOK_PASS;
	}
	if (!opens && (ip->proto == IPPROTO_ICMP || sport < dport) &&
	    enforce_decide(e, ip->dst, ip->src, ip->proto,
	    ip->proto == IPPROTO_ICMP ? 0 : sport, 0, &v) == POLICY_ALLOW) {
		/* A reply of a flow opened before we saw it. */
		enforce_put(e, ip->src, ip->dst, sport, dport, ip->proto, 0,
		    POLICY_ALLOW);
		enforce_put(e, ip->dst, ip->src, dport, sport, ip->proto, 1,
		    POLICY_ALLOW);
		return ROUTER_HOOK_PASS;
	}
	enforce_put(e, ip->src, ip->dst, sport, dport, ip->proto, 1, a);
	enforce_log(e, ip, sport, dport, &v);
act:
	switch (a) {
	case POLICY_ALLOW:
		return ROUTER_HOOK_PASS;
	case POLICY_REJECT:
		rv->action = ROUTER_REJECT;
		break;
	case POLICY_DROP:
		rv->action = ROUTER_DROP;
		break;
	}
	rv->drop = ROUTER_DROP_POLICY;
	return ROUTER_HOOK_PASS;
}

/* ------------------------------------------------------------- state */

/* Count container c in (dir 1) or out (dir -1): its networks in use. */
static void
enforce_count(struct enforce *e, const struct ctr *c, int dir)
{
	struct enforce_netuse	*u;
	size_t			 i, j;

	if (netd_ctr_nonat(e->d, c))
		e->nonat += (size_t)dir;
	for (j = 0; j < c->nnetworks; j++) {
		for (i = 0; i < e->nuses; i++)
			if (strcmp(e->uses[i].name, c->networks[j]) == 0)
				break;
		if (i == e->nuses) {
			if (dir < 0)
				continue;	/* never counted */
			e->uses = xreallocarray(e->uses, e->nuses + 1,
			    sizeof(*e->uses));
			u = &e->uses[e->nuses++];
			snprintf(u->name, sizeof(u->name), "%s",
			    c->networks[j]);
			u->n = 0;
		}
		u = &e->uses[i];
		u->n += (size_t)dir;
		if (u->n == 0)
			*u = e->uses[--e->nuses];
	}
}

/* Whether networks alone have something to refuse. */
static int
enforce_isolating(const struct enforce *e)
{
	return e->nonat > 0 || e->nuses > 1;
}

/* Count every container again (a change netd could say no more of). */
static void
enforce_count_all(struct enforce *e)
{
	size_t	 i;

	e->nonat = 0;
	e->nuses = 0;
	for (i = 0; i < e->d->nctrs; i++) {
		e->scanned++;
		enforce_count(e, e->d->ctrs[i], 1);
	}
	e->nctrs_seen = e->d->nctrs;
	e->full = 0;
}

/* Counts up to date; a change netd did not report (the count moved):
 * look at all. */
static void
enforce_recount(struct enforce *e)
{
	if (e->nctrs_seen != e->d->nctrs)
		e->dirty = e->full = 1;
	if (e->full)
		enforce_count_all(e);
}

int
enforce_isolates(struct enforce *e)
{
	if (e == NULL)
		return 0;
	enforce_recount(e);
	return enforce_isolating(e);
}

void
enforce_ctr_added(struct enforce *e, const struct ctr *c)
{
	if (e == NULL)
		return;
	e->dirty = 1;
	e->nctrs_seen++;
	if (!e->full)
		enforce_count(e, c, 1);
}

void
enforce_ctr_removed(struct enforce *e, const struct ctr *c)
{
	if (e == NULL)
		return;
	e->dirty = 1;
	e->nctrs_seen--;
	if (!e->full)
		enforce_count(e, c, -1);
}

void
enforce_world_changed(struct enforce *e)
{
	if (e == NULL)
		return;
	e->dirty = 1;
	e->full = 1;
}

uint64_t
enforce_scanned(const struct enforce *e)
{
	return e->scanned;
}

void
enforce_sync(struct enforce *e)
{
	int		 want;

	if (e == NULL)
		return;
	enforce_recount(e);
	if (e->dirty || e->pol.gen != e->polgen) {
		e->dirty = 0;
		e->polgen = e->pol.gen;
		e->gen++;
		enforce_fw_sync(e);
	}
	want = policy_has_rules(&e->pol) || enforce_isolating(e);
	if (want && !e->active) {
		/* Entries of an earlier period may be stale. */
		e->gen++;
		router_hook_add(e->d->router, &e->hook);
		log_info("%s: policy enforced in the router", __func__);
	} else if (!want && e->active) {
		router_hook_remove(e->d->router, &e->hook);
		log_info("%s: nothing to enforce: router hook removed",
		    __func__);
	}
	e->active = want;
}

struct enforce *
enforce_open(struct netd *d)
{
	struct enforce	*e;

	e = xcalloc(1, sizeof(*e));
	e->d = d;
	policy_init(&e->pol);
	e->flows = xcalloc(ENFORCE_NFLOWS, sizeof(*e->flows));
	e->pairs = xcalloc(ENFORCE_NPAIRS, sizeof(*e->pairs));
	e->hook.prio = ROUTER_PRIO_POLICY;
	e->hook.packet = enforce_packet;
	e->hook.arg = e;
	e->gen = 1;
	e->full = e->dirty = 1;
	enforce_load(e);
	return e;
}

struct enforce *
enforce_new(struct netd *d)
{
	struct enforce	*e = enforce_open(d);

	enforce_sync(e);
	return e;
}

void
enforce_free(struct enforce *e)
{
	size_t	 i;

	if (e == NULL)
		return;
	if (e->active)
		router_hook_remove(e->d->router, &e->hook);
	policy_clear(&e->pol);
	for (i = 0; i < ENFORCE_NPAIRS; i++)
		policy_pair_free(&e->pairs[i].pp);
	free(e->pairs);
	free(e->uses);
	free(e->hostaddrs);
	free(e->flows);
	free(e);
}
