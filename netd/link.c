/* SPDX-License-Identifier: ISC */
/*
 * link.c - link emulation: the router hook that delays, drops, shapes,
 * duplicates and corrupts packets between containers.
 *
 * DOC: Theory of Operation
 * An entry (struct link) holds a profile (linkspec.h) for one of: a
 * direction between two containers (LINK_ONEWAY), both directions
 * (LINK_PAIR), or everything one container sends and receives
 * (LINK_CTR). Entries are found by (from, to) address in a hash of
 * bindings: a pair binds (a,b) and (b,a), a container (a,*) and (*,a).
 * A packet takes the most specific entry: one-way, pair, its sender's,
 * its receiver's -- one entry, never two in series. Only entries with
 * an effect (linkspec_active) are bound; the hook is registered only
 * while one exists, so without them the router pays nothing. With
 * them, a packet first tests its two addresses in a bitmap of the
 * addresses active entries name (LINK_FILTER_BITS, indexed by the low
 * bits, which are unique within a pool of that size); most packets
 * between containers without an entry stop there, at two bit tests,
 * the others pay up to four hash probes.
 *
 * link_judge() decides a packet's fate, in netem's order: down (drop,
 * or reject with ICMP admin-prohibited), mtu, loss (independent, or the
 * Gilbert model when loss_corr is set), duplicate, corrupt, then when
 * it leaves: the rate (a token bucket in virtual time: the line is busy
 * until tat, each packet adds its bits / rate), plus delay, plus jitter
 * uniform in [-jitter, +jitter]. Unless reorder is set, a packet never
 * leaves before the one ahead of it on the same entry. A packet that
 * can leave now (delay 0, nothing queued) takes the plain path; others
 * are copied into the entry's queue (at most p.queue packets; all
 * entries together at most mem_max bytes, the cost of a packet counted
 * with its header) and released by a timer on the loop through
 * router_resume(), so the hooks after this one (capture) still see them;
 * the loop's timers (ev.h) are a heap of microsecond deadlines, so a
 * held packet costs O(log n) to arm and to release.
 *
 * An oversized packet is dropped; with DF set, answered with ICMP
 * "fragmentation needed" and the entry's mtu, so path MTU discovery
 * works through it (nothing is fragmented here). TCP does not wait for
 * that: the MSS option of a SYN (or SYN-ACK) from x to y, which bounds
 * the segments y sends to x, is lowered to fit the smaller mtu of the
 * entries of y -> x and x -> y (mtu - 40), with the checksum fixed
 * incrementally (RFC 1624), as routers clamp at a tunnel; a partial
 * checksum (packet.h: the field holds only the pseudo-header sum) is
 * left as it is, since the option is summed when it is completed. On
 * Linux the ICMP alone does not help: the kernel keeps the path MTU on the
 * sender's own route, not on berth's re-routed one (docs/links.md).
 *
 * Randomness: each entry has its own generator (splitmix64) seeded
 * from --seed, or from a counter and the clock when none is given; the
 * seed in use is listed, so a run replays exactly when the same packets
 * cross the entry. Corruption flips one bit past the IP header (the
 * transport checksum is left wrong, so the receiving kernel drops it
 * like a NIC error); a packet without a payload gets a header bit. A
 * partial checksum is completed first, else the receiver would compute
 * it over the flipped bit and take the packet.
 */
#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>

#include "link.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

struct link_bind {
	uint32_t		 from, to;
	enum link_kind		 kind;
	struct link		*l;
	struct link_bind	*next;
};

static enum router_hook_ret link_packet(struct router_hook *,
		    struct router *, struct rport *, const uint8_t *, size_t,
		    struct router_verdict *);
static void	 link_port_gone(struct router_hook *, struct router *,
		    struct rport *);
static void	 link_release(void *);

static unsigned
link_hash(uint32_t from, uint32_t to, enum link_kind kind)
{
	uint32_t	 h = from * 2654435761u ^ (to + (uint32_t)kind) *
			    2246822519u;

	return (h ^ (h >> 16)) % LINK_NHASH;
}

static uint64_t
link_rand(struct link *l)
{
	uint64_t	 z = (l->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* One draw: true with the probability thr / 2^32. */
static int
link_chance(struct link *l, uint64_t thr)
{
	return (link_rand(l) >> 32) < thr;
}

static uint64_t
link_thr(double p)
{
	if (p <= 0)
		return 0;
	if (p >= 1)
		return 1ULL << 32;
	return (uint64_t)(p * 4294967296.0);
}

struct link_table *
link_table_new(struct router *r, struct ev *ev)
{
	struct link_table	*t;

	t = xcalloc(1, sizeof(*t));
	t->r = r;
	t->ev = ev;
	t->mem_max = LINK_MEM_MAX;
	t->hook.prio = ROUTER_PRIO_LINK;
	t->hook.packet = link_packet;
	t->hook.port_gone = link_port_gone;
	t->hook.arg = t;
	return t;
}

void
link_table_free(struct link_table *t)
{
	if (t == NULL)
		return;
	while (t->links != NULL)
		link_rm(t, t->links);
	free(t);
}

static void
link_bind(struct link_table *t, struct link *l, uint32_t from, uint32_t to)
{
	struct link_bind	*b;
	unsigned		 h = link_hash(from, to, l->kind);

	b = xcalloc(1, sizeof(*b));
	b->from = from;
	b->to = to;
	b->kind = l->kind;
	b->l = l;
	b->next = t->hash[h];
	t->hash[h] = b;
}

static void
link_filter_set(struct link_table *t, uint32_t addr)
{
	unsigned	 i = addr % LINK_FILTER_BITS;

	t->filter[i / 64] |= 1ULL << (i % 64);
}

int
link_touches(const struct link_table *t, uint32_t addr)
{
	const struct link	*l;

	for (l = t->links; l != NULL; l = l->next)
		if (linkspec_active(&l->p) && (l->a == addr ||
		    (l->kind != LINK_CTR && l->b == addr)))
			return 1;
	return 0;
}

static int
link_filter_has(const struct link_table *t, uint32_t addr)
{
	unsigned	 i = addr % LINK_FILTER_BITS;

	return (t->filter[i / 64] >> (i % 64)) & 1;
}

/*
 * Rebuild the bindings, the address filter and the hook from the list
 * of entries, binding only those with an effect. Control operations
 * only (O(entries)); the packet path reads what this builds.
 */
static void
link_rebind(struct link_table *t)
{
	struct link_bind	*b;
	struct link		*l;
	size_t			 i;

	for (i = 0; i < LINK_NHASH; i++) {
		while ((b = t->hash[i]) != NULL) {
			t->hash[i] = b->next;
			free(b);
		}
	}
	memset(t->nkind, 0, sizeof(t->nkind));
	memset(t->filter, 0, sizeof(t->filter));
	t->nactive = t->nmtu = 0;
	t->gen++;
	for (l = t->links; l != NULL; l = l->next) {
		if (!linkspec_active(&l->p))
			continue;
		t->nactive++;
		if (l->p.mtu != 0)
			t->nmtu++;
		t->nkind[l->kind]++;
		link_filter_set(t, l->a);
		switch (l->kind) {
		case LINK_ONEWAY:
			link_bind(t, l, l->a, l->b);
			link_filter_set(t, l->b);
			break;
		case LINK_PAIR:
			link_bind(t, l, l->a, l->b);
			link_bind(t, l, l->b, l->a);
			link_filter_set(t, l->b);
			break;
		case LINK_CTR:
		case LINK_NKIND:
			link_bind(t, l, l->a, 0);
			link_bind(t, l, 0, l->a);
			break;
		}
	}
	if (!t->hooked && t->nactive > 0) {
		router_hook_add(t->r, &t->hook);
		t->hooked = 1;
	} else if (t->hooked && t->nactive == 0) {
		router_hook_remove(t->r, &t->hook);
		t->hooked = 0;
	}
}

static struct link *
link_probe(const struct link_table *t, uint32_t from, uint32_t to,
    enum link_kind kind)
{
	struct link_bind	*b;

	for (b = t->hash[link_hash(from, to, kind)]; b != NULL; b = b->next)
		if (b->from == from && b->to == to && b->kind == kind)
			return b->l;
	return NULL;
}

struct link *
link_lookup(const struct link_table *t, uint32_t from, uint32_t to)
{
	struct link	*l;

	/* Most packets: neither end is named by an active entry. */
	if (!link_filter_has(t, from) && !link_filter_has(t, to))
		return NULL;
	if (t->nkind[LINK_ONEWAY] > 0 &&
	    (l = link_probe(t, from, to, LINK_ONEWAY)) != NULL)
		return l;
	if (t->nkind[LINK_PAIR] > 0 &&
	    (l = link_probe(t, from, to, LINK_PAIR)) != NULL)
		return l;
	if (t->nkind[LINK_CTR] > 0) {
		if ((l = link_probe(t, from, 0, LINK_CTR)) != NULL)
			return l;
		return link_probe(t, 0, to, LINK_CTR);
	}
	return NULL;
}

struct link *
link_find(struct link_table *t, enum link_kind kind, uint32_t a, uint32_t b)
{
	struct link	*l;

	for (l = t->links; l != NULL; l = l->next) {
		if (l->kind != kind)
			continue;
		if (l->a == a && l->b == b)
			return l;
		if (kind == LINK_PAIR && l->a == b && l->b == a)
			return l;
	}
	return NULL;
}

/* (Re)start the entry's randomness and derived state from its profile. */
static void
link_configure(struct link_table *t, struct link *l)
{
	const struct link_profile	*p = &l->p;
	double				 ge_p;

	if (p->seed_set)
		l->seed = p->seed;
	else
		l->seed = ((uint64_t)ev_now(t->ev) * 1000003ULL + ++t->seeds) &
		    INT64_MAX;
	l->rng = l->seed;
	l->bad = 0;
	l->thr_loss = link_thr(p->loss);
	l->thr_ge_p = l->thr_ge_r = 0;
	if (p->loss_corr > 0) {
		/* Stationary loss p/(p+r) = loss; P(loss | loss) = corr. */
		ge_p = p->loss * (1 - p->loss_corr) / (1 - p->loss);
		l->thr_ge_p = link_thr(ge_p);
		l->thr_ge_r = link_thr(1 - p->loss_corr);
	}
	l->thr_dup = link_thr(p->duplicate);
	l->thr_corrupt = link_thr(p->corrupt);
}

struct link *
link_set(struct link_table *t, enum link_kind kind, uint32_t a,
    const char *na, uint32_t b, const char *nb,
    const struct link_profile *p, char **cause)
{
	struct link	*l;

	if (linkspec_check(p, cause) == -1)
		return NULL;
	if (kind == LINK_CTR)
		b = 0;
	else if (a == b) {
		cause_set(cause, "a link joins two different containers");
		return NULL;
	}
	if ((l = link_find(t, kind, a, b)) == NULL) {
		l = xcalloc(1, sizeof(*l));
		l->kind = kind;
		l->a = a;
		l->b = b;
		snprintf(l->na, sizeof(l->na), "%s", na);
		snprintf(l->nb, sizeof(l->nb), "%s", nb != NULL ? nb : "");
		TAILQ_INIT(&l->q);
		l->next = t->links;
		t->links = l;
		t->nlinks++;
	}
	l->p = *p;
	link_configure(t, l);
	/* An entry that does nothing holds nothing (and is not bound). */
	while (!linkspec_active(p) && !TAILQ_EMPTY(&l->q))
		link_release(TAILQ_FIRST(&l->q));
	link_rebind(t);
	return l;
}

/* Take a held packet off its queue and the timers; the caller frees. */
static void
link_unhold(struct link_table *t, struct link_held *h)
{
	struct link	*l = h->l;

	ev_timer_del(t->ev, &h->tm);
	TAILQ_REMOVE(&l->q, h, entry);
	l->held--;
	l->held_bytes -= h->len;
	t->mem -= h->cost;
}

static void
link_release(void *arg)
{
	struct link_held	*h = arg;
	struct link_table	*t = h->t;

	link_unhold(t, h);
	router_resume(t->r, &t->hook, h->in, h->data, h->len, &h->v);
	free(h);
}

void
link_rm(struct link_table *t, struct link *l)
{
	struct link	**lp;

	/* Released in the order they would have left. */
	while (!TAILQ_EMPTY(&l->q))
		link_release(TAILQ_FIRST(&l->q));
	for (lp = &t->links; *lp != NULL; lp = &(*lp)->next) {
		if (*lp == l) {
			*lp = l->next;
			break;
		}
	}
	t->nlinks--;
	free(l);
	link_rebind(t);
}

void
link_forget(struct link_table *t, uint32_t addr)
{
	struct link	*l, *next;

	if (t == NULL)		/* no link table (tests, early failure) */
		return;
	for (l = t->links; l != NULL; l = next) {
		next = l->next;
		if (l->a == addr || (l->kind != LINK_CTR && l->b == addr))
			link_rm(t, l);
	}
}

static void
link_drop(struct link *l, uint64_t *why, struct link_fate *f)
{
	(*why)++;
	l->c.dropped++;
	f->what = LINK_DROP;
}

void
link_judge(struct link *l, const struct packet_ip *ip, long long now,
    struct link_fate *f)
{
	const struct link_profile	*p = &l->p;
	long long			 when, tat = l->tat_ns, j;
	size_t				 bits;

	memset(f, 0, sizeof(*f));
	f->corrupt_bit = -1;
	l->c.packets++;
	l->c.bytes += ip->len;
	if (p->down != LINKSPEC_UP) {
		link_drop(l, &l->c.drop_down, f);
		if (p->down == LINKSPEC_DOWN_REJECT)
			f->what = LINK_REJECT;
		return;
	}
	if (p->mtu != 0 && ip->len > p->mtu) {
		/* Don't fragment: "fragmentation needed", so the sender
		 * lowers its path MTU, as a router would answer. */
		link_drop(l, &l->c.drop_mtu, f);
		if (ip->frag & 0x4000) {
			f->what = LINK_REJECT;
			f->mtu = (uint16_t)p->mtu;
		}
		return;
	}
	if (l->thr_ge_p != 0) {
		if (!l->bad)
			l->bad = link_chance(l, l->thr_ge_p);
		else
			l->bad = !link_chance(l, l->thr_ge_r);
		if (l->bad) {
			link_drop(l, &l->c.drop_loss, f);
			return;
		}
	} else if (l->thr_loss != 0 && link_chance(l, l->thr_loss)) {
		link_drop(l, &l->c.drop_loss, f);
		return;
	}
	if (l->thr_dup != 0 && link_chance(l, l->thr_dup))
		f->dup = 1;
	if (l->thr_corrupt != 0 && link_chance(l, l->thr_corrupt)) {
		bits = ip->len > ip->hlen ? (size_t)(ip->len - ip->hlen) * 8 :
		    (size_t)ip->len * 8;
		f->corrupt_bit = (long)(link_rand(l) % bits) +
		    (ip->len > ip->hlen ? ip->hlen * 8 : 0);
	}

	when = now;
	if (p->rate != 0) {
		if (tat < now * 1000)
			tat = now * 1000;
		when = (tat + 999) / 1000;
		tat += (long long)((uint64_t)ip->len * 8 * 1000000000ULL /
		    p->rate);
	}
	when += (long long)p->delay_us;
	if (p->jitter_us != 0) {
		j = (long long)(link_rand(l) % (2 * p->jitter_us + 1));
		when += j - (long long)p->jitter_us;
	}
	if (when < now)
		when = now;
	if (!p->reorder && when < l->last)
		when = l->last;
	if (when <= now && (p->reorder || l->held == 0) && !f->dup &&
	    f->corrupt_bit == -1) {
		l->tat_ns = tat;
		f->what = LINK_PASS;
		return;
	}
	if (l->held >= p->queue) {
		link_drop(l, &l->c.drop_queue, f);
		f->dup = 0;
		f->corrupt_bit = -1;
		return;
	}
	l->tat_ns = tat;
	if (when > l->last)
		l->last = when;
	f->what = LINK_HOLD;
	f->when = when;
}

/* Copy a packet into l's queue, to leave at when; -1: over the cap. */
static int
link_hold(struct link_table *t, struct link *l, struct rport *in,
    const uint8_t *pkt, const struct router_verdict *v, long long when,
    long bit)
{
	struct link_held	*h;
	size_t			 cost = sizeof(*h) + v->ip.len;

	if (t->mem + cost > t->mem_max) {
		l->c.drop_mem++;
		l->c.dropped++;
		t->mem_drops++;
		return -1;
	}
	h = xmalloc(cost);
	ev_timer_init(&h->tm, link_release, h);
	h->t = t;
	h->l = l;
	h->in = in;
	h->v = *v;
	h->len = v->ip.len;
	h->cost = cost;
	memcpy(h->data, pkt, h->len);
	if (bit >= 0) {
		packet_csum_finish(h->data, &h->v.ip);
		h->data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		l->c.corrupted++;
	}
	TAILQ_INSERT_TAIL(&l->q, h, entry);
	l->held++;
	l->held_bytes += h->len;
	l->c.delayed++;
	t->mem += cost;
	ev_timer_at(t->ev, &h->tm, when);
	return 0;
}

/* The smallest mtu of the entries from -> to and to -> from, or 0. */
static struct link *
link_mtu_entry(const struct link_table *t, uint32_t from, uint32_t to)
{
	struct link	*l, *m = NULL;

	if ((l = link_lookup(t, from, to)) != NULL && l->p.mtu != 0)
		m = l;
	if ((l = link_lookup(t, to, from)) != NULL && l->p.mtu != 0 &&
	    (m == NULL || l->p.mtu < m->p.mtu))
		m = l;
	return m;
}

static uint16_t
link_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * If pkt is a TCP SYN whose MSS option is above mss, a copy with the
 * option lowered to mss and the TCP checksum fixed (RFC 1624: HC' =
 * ~(~HC + ~m + m')); else NULL. A 16-bit field at an odd offset from
 * the TCP header counts byte-swapped in the sum. A partial checksum
 * (ip->csum) is not the sum of the segment yet: it stays as it is.
 */
uint8_t *
link_clamp_mss(const uint8_t *pkt, const struct packet_ip *ip, uint16_t mss)
{
	const uint8_t	*tcp = pkt + ip->hlen;
	size_t		 tlen = (size_t)ip->len - ip->hlen, doff, i, olen;
	uint32_t	 sum;
	uint16_t	 old, o, n;
	uint8_t		*c;

	if (ip->proto != IPPROTO_TCP || (ip->frag & 0x1fff) != 0 ||
	    tlen < 20 || !(tcp[13] & 0x02))		/* SYN */
		return NULL;
	doff = (size_t)(tcp[12] >> 4) * 4;
	if (doff < 20 || doff > tlen)
		return NULL;
	for (i = 20; i < doff; i += olen) {
		if (tcp[i] == 0)			/* end */
			break;
		if (tcp[i] == 1) {			/* nop */
			olen = 1;
			continue;
		}
		if (i + 1 >= doff || (olen = tcp[i + 1]) < 2 ||
		    i + olen > doff)
			return NULL;
		if (tcp[i] != 2 || olen != 4)
			continue;
		if ((old = link_get16(tcp + i + 2)) <= mss)
			return NULL;
		c = xmalloc(ip->len);
		memcpy(c, pkt, ip->len);
		c[ip->hlen + i + 2] = (uint8_t)(mss >> 8);
		c[ip->hlen + i + 3] = (uint8_t)mss;
		if (ip->csum.start != 0)
			return c;
		o = old;
		n = mss;
		if ((i + 2) % 2 != 0) {
			o = (uint16_t)(o << 8 | o >> 8);
			n = (uint16_t)(n << 8 | n >> 8);
		}
		sum = (uint16_t)~link_get16(tcp + 16);
		sum += (uint16_t)~o;
		sum += n;
		sum = (sum & 0xffff) + (sum >> 16);
		sum = (sum & 0xffff) + (sum >> 16);
		c[ip->hlen + 16] = (uint8_t)(~sum >> 8);
		c[ip->hlen + 17] = (uint8_t)~sum;
		return c;
	}
	return NULL;
}

static enum router_hook_ret
link_packet(struct router_hook *hk, struct router *r, struct rport *in,
    const uint8_t *pkt, size_t len, struct router_verdict *v)
{
	struct link_table	*t = hk->arg;
	struct link		*l, *m;
	struct link_fate	 f;
	uint8_t			*clamped = NULL;
	enum router_hook_ret	 ret = ROUTER_HOOK_PASS;

	if (v->action != ROUTER_FORWARD)
		return ROUTER_HOOK_PASS;
	l = link_lookup(t, v->from->addr, v->to->addr);
	/* A SYN through an entry with an mtu, either way: a copy with a
	 * smaller MSS goes on instead (taken, and resumed at once). */
	if (t->nmtu > 0 && v->ip.proto == IPPROTO_TCP &&
	    (m = link_mtu_entry(t, v->from->addr, v->to->addr)) != NULL &&
	    (clamped = link_clamp_mss(pkt, &v->ip, (uint16_t)(m->p.mtu -
	    40))) != NULL) {
		m->c.mss_clamped++;
		pkt = clamped;
		ret = ROUTER_HOOK_TAKEN;
	}
	if (l == NULL)
		goto out;
	link_judge(l, &v->ip, ev_now(t->ev), &f);
	switch (f.what) {
	case LINK_PASS:
		break;
	case LINK_DROP:
	case LINK_REJECT:
		v->action = f.what == LINK_DROP ? ROUTER_DROP : ROUTER_REJECT;
		v->drop = ROUTER_DROP_LINK;
		v->mtu = f.mtu;
		break;
	case LINK_HOLD:
		if (link_hold(t, l, in, pkt, v, f.when, f.corrupt_bit) == -1) {
			v->action = ROUTER_DROP;
			v->drop = ROUTER_DROP_LINK;
			break;
		}
		if (f.dup && link_hold(t, l, in, pkt, v, f.when, -1) == 0)
			l->c.duplicated++;
		free(clamped);
		return ROUTER_HOOK_TAKEN;
	}
out:
	if (clamped != NULL)
		router_resume(r, hk, in, clamped, v->ip.len, v);
	free(clamped);
	return ret;
}

/* Held packets that came in, or would go out, through p are dropped. */
static void
link_port_gone(struct router_hook *hk, struct router *r, struct rport *p)
{
	struct link_table	*t = hk->arg;
	struct link		*l;
	struct link_held	*h, *next;

	(void)r;
	for (l = t->links; l != NULL; l = l->next) {
		for (h = TAILQ_FIRST(&l->q); h != NULL; h = next) {
			next = TAILQ_NEXT(h, entry);
			if (h->in != p && h->v.from != p && h->v.to != p)
				continue;
			link_unhold(t, h);
			free(h);
		}
	}
}

const char *
link_kind_name(enum link_kind k)
{
	switch (k) {
	case LINK_ONEWAY:
		return "oneway";
	case LINK_PAIR:
		return "pair";
	case LINK_CTR:
	case LINK_NKIND:
		break;
	}
	return "container";
}

json_t *
link_json(const struct link *l)
{
	const struct link_counters	*c = &l->c;
	json_t				*j;

	j = json_pack("{s:s, s:s, s:o, s:I, s:{s:I, s:I, s:I, s:I, s:I, "
	    "s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}}",
	    "kind", link_kind_name(l->kind), "a", l->na,
	    "profile", linkspec_json(&l->p), "seed", (json_int_t)l->seed,
	    "counters",
	    "packets", (json_int_t)c->packets, "bytes", (json_int_t)c->bytes,
	    "delayed", (json_int_t)c->delayed,
	    "dropped", (json_int_t)c->dropped,
	    "loss", (json_int_t)c->drop_loss,
	    "down", (json_int_t)c->drop_down,
	    "queue_full", (json_int_t)c->drop_queue,
	    "mtu", (json_int_t)c->drop_mtu,
	    "memory", (json_int_t)c->drop_mem,
	    "duplicated", (json_int_t)c->duplicated,
	    "corrupted", (json_int_t)c->corrupted,
	    "mss_clamped", (json_int_t)c->mss_clamped,
	    "queued", (json_int_t)l->held,
	    "queued_bytes", (json_int_t)l->held_bytes);
	if (l->kind != LINK_CTR)
		json_object_set_new(j, "b", json_string(l->nb));
	return j;
}

json_t *
link_table_json(const struct link_table *t)
{
	const struct link	*l;
	json_t			*a = json_array();

	for (l = t->links; l != NULL; l = l->next)
		json_array_append_new(a, link_json(l));
	return json_pack("{s:o, s:{s:I, s:I, s:I}}", "links", a, "memory",
	    "held_bytes", (json_int_t)t->mem, "max_bytes",
	    (json_int_t)t->mem_max, "drops", (json_int_t)t->mem_drops);
}
