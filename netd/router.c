/* SPDX-License-Identifier: ISC */
/*
 * router.c - netd's userspace router: a packet read from one tun is
 * written into the tun that owns its destination address.
 *
 * DOC: Theory of Operation
 * Ports are the tuns: the gateway tun (holding the gateway address) and
 * one per container. On Linux every pool-bound packet that a host
 * process or a container sends is steered into the gateway tun (nft
 * fwmark + policy rule, route_linux.c), so that is where netd reads
 * nearly everything; a container tun only ever receives: whatever netd
 * writes into it is taken by the kernel as inbound and delivered to the
 * socket bound to that address. On macOS a packet to a utun's address
 * enters that very utun, and is written back into it.
 *
 * For each packet: validate the header (packet.c); if the destination
 * is the gateway, write it into the gateway tun; if a container owns it,
 * into the container's tun; if it is another address of the pool,
 * answer with an ICMP host unreachable written back into the tun it
 * came from, so that the client fails at once instead of retransmitting
 * SYNs for a minute; if it is outside the pool, drop it (the kernel
 * routes such traffic itself on Linux; macOS egress is a later issue).
 * The TTL is not decremented: netd stands for a wire, not a hop.
 *
 * Anti-spoofing: where the ingress tun identifies the sender (a
 * container's tun that the packet did not enter for the tun's own
 * address: macOS egress, routed by source), a source that is not the
 * tun's owner is dropped ("spoof"). On Linux everything a container
 * sends enters the gateway tun, which identifies nobody; there the
 * kernel's cgroup egress program (bpf/berth.bpf.c) drops forged
 * sources before they reach netd.
 *
 * Counting: a packet is the "rx" of the container whose address is its
 * source (on Linux all arrive on the gateway tun), else of the port it
 * was read from; "tx" is what netd wrote into a container's tun. Drops
 * are counted to the sender, except "full" (the destination tun would
 * not take the packet), counted to the destination. Malformed packets
 * are also counted by reason, router-wide.
 *
 * Checksums: on Linux the tuns offload them (tun_linux.c), so a packet
 * may come with its transport checksum still to be computed; the
 * verdict records it (v->ip.csum) and the forward writes it on as such.
 * The ICMP errors and RSTs netd makes are complete, and quote at most
 * the first 8 bytes of the transport header, partial checksum or not.
 *
 * Hooks (policy, link emulation, capture) run between the decision and
 * the act, in priority order; each may change the verdict or take the
 * packet to resume it later (a delayed packet). Without hooks the path
 * is the plain one above. A REJECT verdict is answered at once: by
 * policy, TCP with a RST (and a RST to the receiver too when the
 * segment belongs to an established connection, which cuts it);
 * anything else with an ICMP administratively prohibited. Either way
 * the client fails at once.
 *
 * Batching: at most ROUTER_BATCH packets per fd per wakeup, so one busy
 * tun cannot starve the others or the control socket; the event loop is
 * level-triggered and calls again.
 */
#include <netinet/in.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "router.h"
#include "tun.h"
#include "util.h"
#include "xmalloc.h"

static unsigned
router_hash(uint32_t a)
{
	return (unsigned)((a * 2654435761u) >> 22) % ROUTER_NHASH;
}

struct router *
router_new(const struct cidr *pool, uint32_t gateway)
{
	struct router	*r;

	r = xcalloc(1, sizeof(*r));
	r->pool = *pool;
	r->gateway = gateway;
	r->read = tun_read;
	r->write = tun_write;
	r->buf = xmalloc(PACKET_MAX);
	return r;
}

void
router_free(struct router *r)
{
	if (r == NULL)
		return;
	free(r->buf);
	free(r);
}

void
router_add(struct router *r, struct rport *p)
{
	unsigned	 h;

	p->router = r;
	if (p->gateway) {
		r->gw = p;
		return;
	}
	h = router_hash(p->addr);
	p->hnext = r->hash[h];
	r->hash[h] = p;
	r->nports++;
}

void
router_remove(struct router *r, struct rport *p)
{
	struct rport		**pp;
	struct router_hook	 *h;

	for (h = r->hooks; h != NULL; h = h->next)
		if (h->port_gone != NULL)
			h->port_gone(h, r, p);
	if (p->gateway) {
		if (r->gw == p)
			r->gw = NULL;
		return;
	}
	for (pp = &r->hash[router_hash(p->addr)]; *pp != NULL;
	    pp = &(*pp)->hnext) {
		if (*pp == p) {
			*pp = p->hnext;
			p->hnext = NULL;
			r->nports--;
			return;
		}
	}
}

struct rport *
router_lookup(const struct router *r, uint32_t a)
{
	struct rport	*p;

	if (a == r->gateway)
		return r->gw;
	for (p = r->hash[router_hash(a)]; p != NULL; p = p->hnext)
		if (p->addr == a)
			return p;
	return NULL;
}

void
router_decide(const struct router *r, struct rport *in, const uint8_t *pkt,
    size_t len, const struct packet_csum *csum, struct router_verdict *v)
{
	struct rport	*src;

	memset(v, 0, sizeof(*v));
	v->from = in;
	v->action = ROUTER_DROP;
	if ((v->err = packet_parse(pkt, len, &v->ip)) != PACKET_OK ||
	    (v->err = packet_set_csum(&v->ip, csum)) != PACKET_OK) {
		v->drop = ROUTER_DROP_MALFORMED;
		return;
	}
	/*
	 * A container's tun that a packet did not enter for the tun's own
	 * address was picked for its source (macOS routes egress by
	 * source): the source must be the tun's owner.
	 */
	if (!in->gateway && v->ip.dst != in->addr && v->ip.src != in->addr) {
		v->drop = ROUTER_DROP_SPOOF;
		return;
	}
	if (in->gateway && (src = router_lookup(r, v->ip.src)) != NULL &&
	    !src->gateway)
		v->from = src;
	if (!cidr_contains(&r->pool, v->ip.dst)) {
		v->drop = ROUTER_DROP_NOROUTE;
		return;
	}
	if ((v->to = router_lookup(r, v->ip.dst)) != NULL) {
		v->action = ROUTER_FORWARD;
		return;
	}
	v->drop = ROUTER_DROP_NOROUTE;
	if (cidr_host_usable(&r->pool, v->ip.dst) &&
	    packet_may_answer(pkt, &v->ip))
		v->action = ROUTER_UNREACH;
}

/* At most ROUTER_ICMP_PER_SEC errors a second, whoever asks. */
static int
router_icmp_ok(struct router *r)
{
	long long	 sec = util_now_ms() / 1000;

	if (sec != r->icmp_second) {
		r->icmp_second = sec;
		r->icmp_count = 0;
	}
	if (r->icmp_count >= ROUTER_ICMP_PER_SEC) {
		r->icmp_limited++;
		return 0;
	}
	r->icmp_count++;
	return 1;
}

static void
router_unreach(struct router *r, struct rport *in, const uint8_t *pkt,
    const struct packet_ip *ip, uint8_t code, uint16_t mtu)
{
	uint8_t	 icmp[PACKET_ICMP_MAX];
	size_t	 n;

	if (!router_icmp_ok(r))
		return;
	n = packet_icmp_unreach(pkt, ip, r->gateway, code, icmp,
	    sizeof(icmp));
	if (n == 0)
		return;
	if (mtu != 0)
		packet_icmp_set_mtu(icmp, n, mtu);
	if (r->write(in->fd, icmp, n, NULL) == -1) {
		in->c.drop_full++;
		return;
	}
	r->icmp_sent++;
}

/*
 * Refuse a TCP segment: a RST to the sender, and one to the receiver
 * when the segment belongs to an established connection, so that both
 * ends of a connection that policy now forbids learn it at once.
 */
static void
router_rst(struct router *r, struct rport *in, const uint8_t *pkt,
    const struct router_verdict *v)
{
	uint8_t	 rst[PACKET_RST_LEN];

	/* Not rate limited: one RST per refused segment, at most one to
	 * each end, is what forwarding it would have cost. */
	if (packet_tcp_rst(pkt, &v->ip, 1, rst, sizeof(rst)) != 0) {
		if (r->write(in->fd, rst, sizeof(rst), NULL) == -1)
			in->c.drop_full++;
		else
			r->icmp_sent++;
	}
	if (v->to != NULL && packet_tcp_rst(pkt, &v->ip, 0, rst,
	    sizeof(rst)) != 0) {
		if (r->write(v->to->fd, rst, sizeof(rst), NULL) == -1)
			v->to->c.drop_full++;
		else
			r->icmp_sent++;
	}
}

static void
router_count_drop(struct router *r, const struct router_verdict *v)
{
	struct router_counters	*c = &v->from->c;

	r->drops[v->drop]++;
	switch (v->drop) {
	case ROUTER_DROP_MALFORMED:
		c->drop_malformed++;
		r->malformed[v->err]++;
		break;
	case ROUTER_DROP_NOROUTE:
		c->drop_noroute++;
		break;
	case ROUTER_DROP_POLICY:
		c->drop_policy++;
		break;
	case ROUTER_DROP_LINK:
		c->drop_link++;
		break;
	case ROUTER_DROP_SPOOF:
		c->drop_spoof++;
		break;
	case ROUTER_DROP_FULL:
	case ROUTER_DROP_NONE:
	case ROUTER_NDROP:
		break;
	}
}

/* Act on a verdict: the packet has been counted as received. */
static void
router_act(struct router *r, struct rport *in, const uint8_t *pkt,
    struct router_verdict *v)
{
	switch (v->action) {
	case ROUTER_FORWARD:
		if (v->to == r->gw && r->local != NULL &&
		    r->local(r->local_arg, r, pkt, v))
			return;
		if (r->write(v->to->fd, pkt, v->ip.len, &v->ip.csum) == -1) {
			if (errno != EAGAIN && errno != ENOBUFS)
				log_debug("%s: write: %s", __func__,
				    strerror(errno));
			v->to->c.drop_full++;
			r->drops[ROUTER_DROP_FULL]++;
			return;
		}
		v->to->c.tx_packets++;
		v->to->c.tx_bytes += v->ip.len;
		return;
	case ROUTER_UNREACH:
		v->drop = ROUTER_DROP_NOROUTE;
		router_count_drop(r, v);
		router_unreach(r, in, pkt, &v->ip, 1, 0);
		return;
	case ROUTER_REJECT:
		/* Counted as the hook said (link), else as policy. */
		if (v->drop == ROUTER_DROP_NONE)
			v->drop = ROUTER_DROP_POLICY;
		router_count_drop(r, v);
		if (!packet_may_answer(pkt, &v->ip))
			return;
		/* Policy refuses TCP with a RST; a link that is down
		 * (link.c) says unreachable, like a router would, and a
		 * link's mtu says fragmentation needed (code 4). */
		if (v->ip.proto == IPPROTO_TCP && v->drop == ROUTER_DROP_POLICY)
			router_rst(r, in, pkt, v);
		else	/* Administratively prohibited (RFC 1812 5.2.7.1). */
			router_unreach(r, in, pkt, &v->ip, v->mtu != 0 ? 4 :
			    13, v->mtu);
		return;
	case ROUTER_DROP:
		router_count_drop(r, v);
		return;
	}
}

/* Run the hooks from h on; 0 when one of them took the packet. */
static int
router_hooks_run(struct router *r, struct router_hook *h, struct rport *in,
    const uint8_t *pkt, size_t len, struct router_verdict *v)
{
	for (; h != NULL; h = h->next)
		if (h->packet(h, r, in, pkt, len, v) == ROUTER_HOOK_TAKEN)
			return 0;
	return 1;
}

void
router_packet(struct router *r, struct rport *in, const uint8_t *pkt,
    size_t len, const struct packet_csum *csum)
{
	struct router_verdict	 v;

	r->packets++;
	router_decide(r, in, pkt, len, csum, &v);
	v.from->c.rx_packets++;
	v.from->c.rx_bytes += len;
	if (r->hooks != NULL && !router_hooks_run(r, r->hooks, in, pkt, len,
	    &v))
		return;
	router_act(r, in, pkt, &v);
}

void
router_resume(struct router *r, struct router_hook *h, struct rport *in,
    const uint8_t *pkt, size_t len, struct router_verdict *v)
{
	if (!router_hooks_run(r, h->next, in, pkt, len, v))
		return;
	router_act(r, in, pkt, v);
}

void
router_hook_add(struct router *r, struct router_hook *h)
{
	struct router_hook	**hp;

	for (hp = &r->hooks; *hp != NULL && (*hp)->prio <= h->prio;
	    hp = &(*hp)->next)
		;
	h->next = *hp;
	*hp = h;
}

void
router_hook_remove(struct router *r, struct router_hook *h)
{
	struct router_hook	**hp;

	for (hp = &r->hooks; *hp != NULL; hp = &(*hp)->next) {
		if (*hp == h) {
			*hp = h->next;
			h->next = NULL;
			return;
		}
	}
}

const char *
router_drop_name(enum router_drop d)
{
	static const char *const names[ROUTER_NDROP] = {
		[ROUTER_DROP_NONE] = "none",
		[ROUTER_DROP_MALFORMED] = "malformed",
		[ROUTER_DROP_NOROUTE] = "noroute",
		[ROUTER_DROP_FULL] = "full",
		[ROUTER_DROP_POLICY] = "policy",
		[ROUTER_DROP_LINK] = "link",
		[ROUTER_DROP_SPOOF] = "spoof",
	};

	return (unsigned)d < ROUTER_NDROP ? names[d] : "?";
}

void
router_input(struct router *r, struct rport *in)
{
	struct packet_csum	 csum;
	ssize_t			 n;
	int			 i;

	for (i = 0; i < ROUTER_BATCH; i++) {
		n = r->read(in->fd, r->buf, PACKET_MAX, &csum);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			log_warn("%s: read", __func__);
			if (r->broken != NULL)
				r->broken(r->arg, in);
			return;
		}
		if (n == 0)
			return;
		router_packet(r, in, r->buf, (size_t)n, &csum);
	}
}
