/* SPDX-License-Identifier: ISC */
/*
 * test_router.c - routing decisions, counting and I/O of netd's router,
 * with the tun reads and writes replaced by a recorder.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <cmocka.h>

#include "addr.h"
#include "packet.h"
#include "pkt.h"
#include "router.h"

#define GW	0x0af00001	/* 10.240.0.1 */
#define CA	0x0af00002
#define CB	0x0af00003
#define NOBODY	0x0af00063	/* 10.240.0.99 */

/* What the router wrote, and what the fake tuns hold for reading. */
static struct {
	int	 fd[8];
	size_t	 len[8];
	uint8_t	 data[8][256];
	int	 n;
	int	 fail;		/* errno for the next write, 0: none */
	struct packet_csum csum[8];	/* as written; zero: complete */
	uint8_t	 rq[80][128];	/* read queue */
	size_t	 rqlen[80];
	struct packet_csum rqcsum[80];
	int	 rqn, rqpos, rqerr;
	int	 broken;
} io;

static ssize_t
fake_write(int fd, const void *p, size_t len,
    const struct packet_csum *csum)
{
	if (io.fail != 0) {
		errno = io.fail;
		return -1;
	}
	if (io.n < 8) {
		io.fd[io.n] = fd;
		io.len[io.n] = len;
		if (csum != NULL)
			io.csum[io.n] = *csum;
		memcpy(io.data[io.n], p, len < 256 ? len : 256);
		io.n++;
	}
	return (ssize_t)len;
}

static ssize_t
fake_read(int fd, void *buf, size_t len, struct packet_csum *csum)
{
	(void)fd;
	if (io.rqpos == io.rqn) {
		errno = io.rqerr != 0 ? io.rqerr : EAGAIN;
		return -1;
	}
	*csum = io.rqcsum[io.rqpos];
	memcpy(buf, io.rq[io.rqpos], io.rqlen[io.rqpos] < len ?
	    io.rqlen[io.rqpos] : len);
	return (ssize_t)io.rqlen[io.rqpos++];
}

static void
fake_broken(void *arg, struct rport *p)
{
	(void)arg;
	(void)p;
	io.broken++;
}

struct world {
	struct router	*r;
	struct rport	 gw, a, b;
};

static int
setup(void **state)
{
	struct world	*w = calloc(1, sizeof(*w));
	struct cidr	 pool;

	memset(&io, 0, sizeof(io));
	assert_int_equal(cidr_parse("10.240.0.0/16", &pool, NULL), 0);
	w->r = router_new(&pool, GW);
	w->r->write = fake_write;
	w->r->read = fake_read;
	w->r->broken = fake_broken;
	w->gw.fd = 100;
	w->gw.addr = GW;
	w->gw.gateway = 1;
	w->a.fd = 101;
	w->a.addr = CA;
	w->b.fd = 102;
	w->b.addr = CB;
	router_add(w->r, &w->gw);
	router_add(w->r, &w->a);
	router_add(w->r, &w->b);
	*state = w;
	return 0;
}

static int
teardown(void **state)
{
	struct world	*w = *state;

	router_free(w->r);
	free(w);
	return 0;
}

static void
test_lookup(void **state)
{
	struct world	*w = *state;

	assert_ptr_equal(router_lookup(w->r, GW), &w->gw);
	assert_ptr_equal(router_lookup(w->r, CA), &w->a);
	assert_ptr_equal(router_lookup(w->r, CB), &w->b);
	assert_null(router_lookup(w->r, NOBODY));
	assert_int_equal(w->r->nports, 2);
	router_remove(w->r, &w->a);
	assert_null(router_lookup(w->r, CA));
	assert_ptr_equal(router_lookup(w->r, CB), &w->b);
	router_remove(w->r, &w->a);	/* twice: harmless */
	assert_int_equal(w->r->nports, 1);
}

static void
test_decide(void **state)
{
	struct world		*w = *state;
	struct router_verdict	 v;
	uint8_t			 p[128];
	size_t			 n;

	/* Host (gateway source) to A: forward into A, counted to gw. */
	n = pkt_ipv4(p, GW, CA, 6, 20, 64);
	router_decide(w->r, &w->gw, p, n, NULL, &v);
	assert_int_equal(v.action, ROUTER_FORWARD);
	assert_ptr_equal(v.to, &w->a);
	assert_ptr_equal(v.from, &w->gw);
	/* B to A read from the gateway tun (Linux): counted to B. */
	n = pkt_ipv4(p, CB, CA, 6, 20, 64);
	router_decide(w->r, &w->gw, p, n, NULL, &v);
	assert_int_equal(v.action, ROUTER_FORWARD);
	assert_ptr_equal(v.from, &w->b);
	assert_ptr_equal(v.to, &w->a);
	/* A reply to the host: into the gateway tun. */
	n = pkt_ipv4(p, CA, GW, 6, 20, 64);
	router_decide(w->r, &w->gw, p, n, NULL, &v);
	assert_int_equal(v.action, ROUTER_FORWARD);
	assert_ptr_equal(v.to, &w->gw);
	assert_ptr_equal(v.from, &w->a);
	/* Read from A's own tun (macOS), to A: back into A. */
	n = pkt_ipv4(p, GW, CA, 17, 20, 64);
	router_decide(w->r, &w->a, p, n, NULL, &v);
	assert_int_equal(v.action, ROUTER_FORWARD);
	assert_ptr_equal(v.to, &w->a);
	assert_ptr_equal(v.from, &w->a);
	/* Nobody owns .99: host unreachable. */
	n = pkt_ipv4(p, CA, NOBODY, 6, 20, 64);
	router_decide(w->r, &w->gw, p, n, NULL, &v);
	assert_int_equal(v.action, ROUTER_UNREACH);
	assert_int_equal(v.drop, ROUTER_DROP_NOROUTE);
	/* ... but not for an ICMP error. */
	n = pkt_ipv4(p, CA, NOBODY, 1, 20, 64);
	p[20] = 3;
	router_decide(w->r, &w->gw, p, n, NULL, &v);
	assert_int_equal(v.action, ROUTER_DROP);
	assert_int_equal(v.drop, ROUTER_DROP_NOROUTE);
	/* Network and broadcast addresses of the pool: dropped. */
	n = pkt_ipv4(p, CA, 0x0af00000, 17, 20, 64);
	router_decide(w->r, &w->gw, p, n, NULL, &v);
	assert_int_equal(v.action, ROUTER_DROP);
	n = pkt_ipv4(p, CA, 0x0af0ffff, 17, 20, 64);
	router_decide(w->r, &w->gw, p, n, NULL, &v);
	assert_int_equal(v.action, ROUTER_DROP);
	/* Outside the pool: not netd's business. */
	n = pkt_ipv4(p, CA, 0x08080808, 17, 20, 64);
	router_decide(w->r, &w->a, p, n, NULL, &v);
	assert_int_equal(v.action, ROUTER_DROP);
	assert_int_equal(v.drop, ROUTER_DROP_NOROUTE);
	/* Out of A's tun (macOS egress) from B's source: forged. */
	n = pkt_ipv4(p, CB, 0x08080808, 17, 20, 64);
	router_decide(w->r, &w->a, p, n, NULL, &v);
	assert_int_equal(v.action, ROUTER_DROP);
	assert_int_equal(v.drop, ROUTER_DROP_SPOOF);
	assert_ptr_equal(v.from, &w->a);
	/* ... from the gateway's or a pool address to B: forged too. */
	n = pkt_ipv4(p, GW, CB, 17, 20, 64);
	router_decide(w->r, &w->a, p, n, NULL, &v);
	assert_int_equal(v.drop, ROUTER_DROP_SPOOF);
	n = pkt_ipv4(p, NOBODY, CB, 6, 20, 64);
	router_decide(w->r, &w->a, p, n, NULL, &v);
	assert_int_equal(v.drop, ROUTER_DROP_SPOOF);
	/* counted to the tun it came in by, and nothing written */
	router_packet(w->r, &w->a, p, n, NULL);
	assert_int_equal(w->a.c.drop_spoof, 1);
	assert_int_equal(w->b.c.drop_spoof, 0);
	assert_int_equal(io.n, 0);
	/* Malformed: counted to the port it came from. */
	n = pkt_ipv4(p, CB, CA, 6, 20, 64);
	p[12] ^= 1;
	router_decide(w->r, &w->gw, p, n, NULL, &v);
	assert_int_equal(v.action, ROUTER_DROP);
	assert_int_equal(v.drop, ROUTER_DROP_MALFORMED);
	assert_int_equal(v.err, PACKET_CHECKSUM);
	assert_ptr_equal(v.from, &w->gw);
}

static void
test_packet_io(void **state)
{
	struct world	*w = *state;
	uint8_t		 p[128];
	size_t		 n;

	/* Forward: written whole to A's fd, counted both ends. */
	n = pkt_ipv4(p, CB, CA, 6, 40, 64);
	router_packet(w->r, &w->gw, p, n, NULL);
	assert_int_equal(io.n, 1);
	assert_int_equal(io.fd[0], 101);
	assert_int_equal(io.len[0], n);
	assert_memory_equal(io.data[0], p, n);
	assert_int_equal(w->b.c.rx_packets, 1);
	assert_int_equal(w->b.c.rx_bytes, n);
	assert_int_equal(w->a.c.tx_packets, 1);
	assert_int_equal(w->a.c.tx_bytes, n);
	/* Trailing bytes beyond the total length are not forwarded. */
	router_packet(w->r, &w->gw, p, n + 5, NULL);
	assert_int_equal(io.len[1], n);
	/* Unowned: an ICMP error back into the tun it came from. */
	n = pkt_ipv4(p, CA, NOBODY, 6, 20, 64);
	router_packet(w->r, &w->gw, p, n, NULL);
	assert_int_equal(io.n, 3);
	assert_int_equal(io.fd[2], 100);
	assert_int_equal(io.data[2][9], 1);	/* ICMP */
	assert_int_equal(io.data[2][20], 3);
	assert_int_equal(io.data[2][21], 1);
	assert_int_equal(w->a.c.drop_noroute, 1);
	assert_int_equal(w->r->icmp_sent, 1);
	/* A full destination tun. */
	io.fail = EAGAIN;
	n = pkt_ipv4(p, GW, CB, 17, 20, 64);
	router_packet(w->r, &w->gw, p, n, NULL);
	assert_int_equal(w->b.c.drop_full, 1);
	assert_int_equal(w->b.c.tx_packets, 0);
	io.fail = 0;
	/* Malformed: counted by reason. */
	router_packet(w->r, &w->gw, p, 10, NULL);
	p[0] = 0x65;
	router_packet(w->r, &w->gw, p, n, NULL);
	assert_int_equal(w->gw.c.drop_malformed, 2);
	assert_int_equal(w->r->malformed[PACKET_SHORT], 1);
	assert_int_equal(w->r->malformed[PACKET_VERSION], 1);
	assert_int_equal(io.n, 3);
}

/*
 * A packet read with its checksum still to be computed (an offloading
 * tun) is written on the same way, untouched; what netd makes itself is
 * complete; a checksum said to be outside the packet is malformed.
 */
static void
test_csum_partial(void **state)
{
	struct world	*w = *state;
	uint8_t		*p;
	size_t		 n;

	p = io.rq[0];
	n = io.rqlen[io.rqn++] = pkt_ipv4(p, CB, CA, 6, 40, 64);
	pkt_partial(p, n, &io.rqcsum[0]);
	p = io.rq[1];
	io.rqlen[io.rqn++] = pkt_ipv4(p, CB, NOBODY, 17, 40, 64);
	pkt_partial(p, n, &io.rqcsum[1]);
	p = io.rq[2];
	io.rqlen[io.rqn++] = pkt_ipv4(p, CB, CA, 6, 40, 64);
	io.rqcsum[2] = (struct packet_csum){ 20, 39 };
	router_input(w->r, &w->gw);
	assert_int_equal(io.rqpos, 3);
	assert_int_equal(io.n, 2);
	assert_int_equal(io.fd[0], 101);
	assert_memory_equal(io.data[0], io.rq[0], n);
	assert_int_equal(io.csum[0].start, 20);
	assert_int_equal(io.csum[0].off, 16);
	/* The unreachable for the second. */
	assert_int_equal(io.fd[1], 100);
	assert_int_equal(io.data[1][20], 3);
	assert_int_equal(io.csum[1].start, 0);
	assert_int_equal(packet_cksum(io.data[1] + 20, io.len[1] - 20), 0);
	assert_int_equal(w->r->malformed[PACKET_PARTIAL], 1);
	assert_int_equal(w->b.c.drop_malformed, 0);	/* not attributed */
	assert_int_equal(w->gw.c.drop_malformed, 1);
}

static void
test_icmp_limit(void **state)
{
	struct world	*w = *state;
	uint8_t		 p[128];
	size_t		 n;
	int		 i;

	n = pkt_ipv4(p, CA, NOBODY, 6, 20, 64);
	for (i = 0; i < ROUTER_ICMP_PER_SEC + 50; i++)
		router_packet(w->r, &w->gw, p, n, NULL);
	/* At most ROUTER_ICMP_PER_SEC in one second (a second boundary
	 * during the loop allows a few more). */
	assert_true(w->r->icmp_limited > 0 ||
	    w->r->icmp_sent > ROUTER_ICMP_PER_SEC);
	assert_true(w->r->icmp_sent + w->r->icmp_limited ==
	    (uint64_t)ROUTER_ICMP_PER_SEC + 50);
	assert_int_equal(w->a.c.drop_noroute, ROUTER_ICMP_PER_SEC + 50);
}

static void
test_input_batch(void **state)
{
	struct world	*w = *state;
	int		 i;

	/* 70 queued packets: one call takes ROUTER_BATCH. */
	for (i = 0; i < 70; i++)
		io.rqlen[io.rqn++] = pkt_ipv4(io.rq[i], GW, CA, 17, 10, 64);
	router_input(w->r, &w->gw);
	assert_int_equal(io.rqpos, ROUTER_BATCH);
	assert_int_equal(w->a.c.tx_packets, ROUTER_BATCH);
	router_input(w->r, &w->gw);
	assert_int_equal(io.rqpos, 70);
	assert_int_equal(w->r->packets, 70);
	assert_int_equal(io.broken, 0);
	/* A hard read error: the port is reported broken. */
	io.rqerr = EIO;
	router_input(w->r, &w->a);
	assert_int_equal(io.broken, 1);
}

/* A hook that records what it saw and does what the test asks. */
static struct {
	int			 calls[3];
	enum router_action	 set;		/* verdict to impose */
	int			 impose;
	int			 take;
	uint8_t			 held[128];
	size_t			 heldlen;
	struct router_verdict	 heldv;
	struct rport		*gone;
	int			 order[8], norder;
} hk;

static enum router_hook_ret
hook_fn(struct router_hook *h, struct router *r, struct rport *in,
    const uint8_t *pkt, size_t len, struct router_verdict *v)
{
	int	 id = (int)(intptr_t)h->arg;

	(void)r;
	(void)in;
	hk.calls[id]++;
	if (hk.norder < 8)
		hk.order[hk.norder++] = id;
	if (id == 0 && hk.impose) {
		v->action = hk.set;
		v->drop = ROUTER_DROP_POLICY;
	}
	if (id == 1 && hk.take) {
		memcpy(hk.held, pkt, len);
		hk.heldlen = len;
		hk.heldv = *v;
		return ROUTER_HOOK_TAKEN;
	}
	return ROUTER_HOOK_PASS;
}

static void
hook_gone(struct router_hook *h, struct router *r, struct rport *p)
{
	(void)h;
	(void)r;
	hk.gone = p;
}

/* A TCP segment from CB:40000 to CA:80, 20 bytes of payload. */
static size_t
tcp_seg(uint8_t *p, uint32_t src, uint32_t dst, uint8_t flags, uint32_t seq,
    uint32_t ack)
{
	size_t	 n = pkt_ipv4(p, src, dst, 6, 40, 64);

	memset(p + 20, 0, 20);
	p[20] = 40000 >> 8;
	p[21] = 40000 & 0xff;
	p[23] = 80;
	pkt_put32(p + 24, seq);
	pkt_put32(p + 28, ack);
	p[32] = 5 << 4;
	p[33] = flags;
	return n;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
rst_check(const uint8_t *r, uint32_t src, uint32_t dst, uint16_t sport,
    uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags)
{
	struct packet_ip	 ip;

	assert_int_equal(packet_parse(r, PACKET_RST_LEN, &ip), PACKET_OK);
	assert_int_equal(ip.proto, 6);
	assert_int_equal(ip.src, src);
	assert_int_equal(ip.dst, dst);
	assert_int_equal(r[20] << 8 | r[21], sport);
	assert_int_equal(r[22] << 8 | r[23], dport);
	assert_int_equal(get32(r + 24), seq);
	assert_int_equal(get32(r + 28), ack);
	assert_int_equal(r[33], flags);
	/* The TCP checksum holds over the pseudo header. */
	assert_int_equal(pkt_l4_sum(r, 40), 0);
}

static void
test_hooks(void **state)
{
	struct world		*w = *state;
	struct router_hook	 h[3];
	uint8_t			 p[128];
	size_t			 n;
	int			 i;

	memset(&hk, 0, sizeof(hk));
	memset(h, 0, sizeof(h));
	/* Registered out of order: run by prio (policy, link, capture). */
	h[2].prio = ROUTER_PRIO_CAPTURE;
	h[0].prio = ROUTER_PRIO_POLICY;
	h[1].prio = ROUTER_PRIO_LINK;
	for (i = 2; i >= 0; i--) {
		h[i].packet = hook_fn;
		h[i].arg = (void *)(intptr_t)i;
		router_hook_add(w->r, &h[i]);
	}
	h[1].port_gone = hook_gone;
	n = pkt_ipv4(p, CB, CA, 6, 40, 64);
	router_packet(w->r, &w->gw, p, n, NULL);
	assert_int_equal(hk.norder, 3);
	assert_int_equal(hk.order[0], 0);
	assert_int_equal(hk.order[1], 1);
	assert_int_equal(hk.order[2], 2);
	assert_int_equal(io.n, 1);
	assert_int_equal(w->a.c.tx_packets, 1);

	/* Policy drops: nothing written, counted as a policy drop to B;
	 * capture (after it) still sees the packet. */
	hk.impose = 1;
	hk.set = ROUTER_DROP;
	router_packet(w->r, &w->gw, p, n, NULL);
	assert_int_equal(io.n, 1);
	assert_int_equal(w->b.c.drop_policy, 1);
	assert_int_equal(w->r->drops[ROUTER_DROP_POLICY], 1);
	assert_int_equal(hk.calls[2], 2);

	/* Reject UDP: an ICMP administratively prohibited back to the
	 * sender. */
	hk.set = ROUTER_REJECT;
	n = pkt_ipv4(p, CB, CA, 17, 40, 64);
	router_packet(w->r, &w->gw, p, n, NULL);
	assert_int_equal(io.n, 2);
	assert_int_equal(io.fd[1], 100);
	assert_int_equal(io.data[1][9], 1);
	assert_int_equal(io.data[1][20], 3);
	assert_int_equal(io.data[1][21], 13);
	assert_int_equal(w->b.c.drop_policy, 2);
	/* Reject a TCP SYN: one RST+ACK to the sender, acking the SYN and
	 * its 20 bytes. */
	n = tcp_seg(p, CB, CA, 0x02, 1000, 0);
	router_packet(w->r, &w->gw, p, n, NULL);
	assert_int_equal(io.n, 3);
	assert_int_equal(io.fd[2], 100);
	rst_check(io.data[2], CA, CB, 80, 40000, 0, 1021, 0x14);
	/* Reject an established segment: RST to both ends, which cuts the
	 * connection (sender: seq = its ack; receiver: seq = its seq). */
	n = tcp_seg(p, CB, CA, 0x18, 5000, 7000);
	router_packet(w->r, &w->gw, p, n, NULL);
	assert_int_equal(io.n, 5);
	assert_int_equal(io.fd[3], 100);
	rst_check(io.data[3], CA, CB, 80, 40000, 7000, 0, 0x04);
	assert_int_equal(io.fd[4], 101);
	rst_check(io.data[4], CB, CA, 40000, 80, 5000, 0, 0x04);
	/* A RST is never answered. */
	n = tcp_seg(p, CB, CA, 0x04, 5000, 0);
	router_packet(w->r, &w->gw, p, n, NULL);
	assert_int_equal(io.n, 5);
	assert_int_equal(w->b.c.drop_policy, 5);
	io.n = 2;
	n = pkt_ipv4(p, CB, CA, 6, 40, 64);
	hk.impose = 0;

	/* Link takes it: nothing written, capture not yet called... */
	hk.take = 1;
	router_packet(w->r, &w->gw, p, n, NULL);
	assert_int_equal(io.n, 2);
	assert_int_equal(hk.calls[2], 6);
	/* ... until it resumes: then capture, then the write. */
	router_resume(w->r, &h[1], &w->gw, hk.held, hk.heldlen, &hk.heldv);
	assert_int_equal(hk.calls[2], 7);
	assert_int_equal(io.n, 3);
	assert_int_equal(io.fd[2], 101);
	assert_int_equal(w->a.c.tx_packets, 2);
	assert_int_equal(w->b.c.rx_packets, 7);	/* received once each */

	/* A port going away is announced to the hooks first. */
	router_remove(w->r, &w->a);
	assert_ptr_equal(hk.gone, &w->a);
	for (i = 0; i < 3; i++)
		router_hook_remove(w->r, &h[i]);
	assert_null(w->r->hooks);
	assert_string_equal(router_drop_name(ROUTER_DROP_LINK), "link");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decide, setup, teardown),
		cmocka_unit_test_setup_teardown(test_packet_io, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_csum_partial, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_icmp_limit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_input_batch, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_hooks, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
