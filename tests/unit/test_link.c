/* SPDX-License-Identifier: ISC */
/*
 * test_link.c - link emulation: the profile parsers and the engine on a router whose tun writes are recorded and whose
 * clock is fake.
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
#include "link.h"
#include "linkspec.h"
#include "pkt.h"
#include "router.h"
#include "ev.h"

#define GW	0x0af00001	/* 10.240.0.1 */
#define CA	0x0af00002
#define CB	0x0af00003
#define CC	0x0af00004
#define NW	512		/* writes recorded */

static struct {
	int	 fd[NW];
	size_t	 len[NW];
	uint8_t	 data[NW][128];
	long long when[NW];
	struct packet_csum csum[NW];	/* as written; zero: complete */
	int	 n;
} io;
static long long fake_now;

static long long
fake_clock(void)
{
	return fake_now;
}

static ssize_t
fake_write(int fd, const void *p, size_t len,
    const struct packet_csum *csum)
{
	if (io.n < NW) {
		io.fd[io.n] = fd;
		io.len[io.n] = len;
		io.when[io.n] = fake_now;
		if (csum != NULL)
			io.csum[io.n] = *csum;
		memcpy(io.data[io.n], p, len < 128 ? len : 128);
		io.n++;
	}
	return (ssize_t)len;
}

struct world {
	struct router		*r;
	struct ev		*ev;
	struct link_table	*t;
	struct rport		 gw, a, b, c;
};

static int
setup(void **state)
{
	struct world	*w = calloc(1, sizeof(*w));
	struct cidr	 pool;

	memset(&io, 0, sizeof(io));
	fake_now = 1000000;
	assert_int_equal(cidr_parse("10.240.0.0/16", &pool, NULL), 0);
	w->r = router_new(&pool, GW);
	w->r->write = fake_write;
	w->gw.fd = 100;
	w->gw.addr = GW;
	w->gw.gateway = 1;
	w->a.fd = 101;
	w->a.addr = CA;
	w->b.fd = 102;
	w->b.addr = CB;
	w->c.fd = 103;
	w->c.addr = CC;
	router_add(w->r, &w->gw);
	router_add(w->r, &w->a);
	router_add(w->r, &w->b);
	router_add(w->r, &w->c);
	w->ev = ev_new();
	assert_non_null(w->ev);
	ev_set_clock(w->ev, fake_clock);
	w->t = link_table_new(w->r, w->ev);
	*state = w;
	return 0;
}

static int
teardown(void **state)
{
	struct world	*w = *state;

	link_table_free(w->t);
	assert_int_equal(ev_timer_next(w->ev), -1);
	ev_free(w->ev);
	router_free(w->r);
	free(w);
	return 0;
}

/* Send packet number id (in its first data byte) from src to dst. */
static void
send_pkt(struct world *w, uint32_t src, uint32_t dst, uint8_t id,
    size_t datalen)
{
	uint8_t	 p[2048];
	size_t	 n;

	n = pkt_ipv4(p, src, dst, 17, datalen, 64);
	p[20] = id;
	router_packet(w->r, &w->gw, p, n, NULL);
}

static void
advance(struct world *w, long long us)
{
	fake_now += us;
	ev_run_pending(w->ev);
}

static struct link *
set(struct world *w, enum link_kind k, uint32_t a, uint32_t b,
    const char *spec)
{
	struct link_profile	 p;
	struct link		*l;
	json_t			*j;
	char			*cause = NULL;

	j = json_loads(spec, 0, NULL);
	assert_non_null(j);
	assert_int_equal(linkspec_from_json(j, &p, &cause), 0);
	json_decref(j);
	l = link_set(w->t, k, a, "a", b, "b", &p, &cause);
	assert_non_null(l);
	return l;
}

static void
test_spec(void **state)
{
	struct link_profile	 p;
	uint64_t		 u;
	double			 d;
	char			*cause = NULL, buf[LINKSPEC_STRLEN];
	json_t			*j;

	(void)state;
	assert_int_equal(linkspec_duration("50ms", &u, NULL), 0);
	assert_int_equal(u, 50000);
	assert_int_equal(linkspec_duration("1.5s", &u, NULL), 0);
	assert_int_equal(u, 1500000);
	assert_int_equal(linkspec_duration("250us", &u, NULL), 0);
	assert_int_equal(u, 250);
	assert_int_equal(linkspec_duration("0", &u, NULL), 0);
	assert_int_equal(u, 0);
	assert_int_equal(linkspec_duration("50", &u, &cause), -1);
	assert_non_null(strstr(cause, "50ms"));
	free(cause);
	cause = NULL;
	assert_int_equal(linkspec_duration("61s", &u, NULL), -1);
	assert_int_equal(linkspec_duration("-1ms", &u, NULL), -1);
	assert_int_equal(linkspec_rate("10mbit", &u, NULL), 0);
	assert_int_equal(u, 10000000);
	assert_int_equal(linkspec_rate("1.5gbit", &u, NULL), 0);
	assert_int_equal(u, 1500000000);
	assert_int_equal(linkspec_rate("10mbps", &u, NULL), -1);
	assert_int_equal(linkspec_rate("fast", &u, NULL), -1);
	assert_int_equal(linkspec_prob("1%", &d, NULL), 0);
	assert_true(d > 0.00999 && d < 0.01001);
	assert_int_equal(linkspec_prob("0.25", &d, NULL), 0);
	assert_true(d == 0.25);
	assert_int_equal(linkspec_prob("101%", &d, NULL), -1);
	assert_int_equal(linkspec_prob("2", &d, NULL), -1);
	assert_int_equal(linkspec_prob("1x", &d, NULL), -1);

	/* JSON both ways, and refusals. */
	j = json_loads("{\"delay_us\": 50000, \"jitter_us\": 5000, \"loss\": "
	    "0.01, \"rate\": 10000000, \"down\": \"reject\", \"seed\": 7, "
	    "\"reorder\": true}", 0, NULL);
	assert_int_equal(linkspec_from_json(j, &p, NULL), 0);
	json_decref(j);
	assert_int_equal(p.delay_us, 50000);
	assert_int_equal(p.down, LINKSPEC_DOWN_REJECT);
	assert_int_equal(p.queue, LINKSPEC_QUEUE_DEF);
	assert_true(p.seed_set && p.seed == 7 && p.reorder);
	assert_string_equal(linkspec_fmt(&p, buf, sizeof(buf)),
	    "down reject delay 50ms jitter 5ms loss 1% rate 10mbit reorder");
	j = linkspec_json(&p);
	memset(&p, 0, sizeof(p));
	assert_int_equal(linkspec_from_json(j, &p, NULL), 0);
	json_decref(j);
	assert_int_equal(p.rate, 10000000);
	assert_int_equal(p.jitter_us, 5000);
	j = json_loads("{\"loss\": 0.1, \"loss_corr\": 0.95}", 0, NULL);
	assert_int_equal(linkspec_from_json(j, &p, NULL), 0);
	json_decref(j);
	j = json_loads("{\"loss\": 0.9, \"loss_corr\": 0.5}", 0, NULL);
	assert_int_equal(linkspec_from_json(j, &p, &cause), -1);
	assert_non_null(strstr(cause, "cannot give"));
	free(cause);
	cause = NULL;
	json_decref(j);
	j = json_loads("{\"mtu\": 20}", 0, NULL);
	assert_int_equal(linkspec_from_json(j, &p, &cause), -1);
	assert_non_null(strstr(cause, "mtu"));
	free(cause);
	json_decref(j);
	j = json_loads("{\"down\": \"maybe\"}", 0, NULL);
	assert_int_equal(linkspec_from_json(j, &p, NULL), -1);
	json_decref(j);
	linkspec_init(&p);
	assert_false(linkspec_active(&p));
	assert_string_equal(linkspec_fmt(&p, buf, sizeof(buf)), "-");
}

/* Without links the hook is not there; with one, it is; none again. */
static void
test_hook_only_while_links(void **state)
{
	struct world	*w = *state;
	struct link	*l, *idle;

	assert_null(w->r->hooks);
	send_pkt(w, CA, CB, 1, 10);
	assert_int_equal(io.n, 1);
	/* An entry that does nothing is listed but not bound: no hook. */
	idle = set(w, LINK_PAIR, CA, CB, "{}");
	assert_null(w->r->hooks);
	assert_null(link_lookup(w->t, CA, CB));
	send_pkt(w, CA, CB, 2, 10);
	assert_int_equal(io.n, 2);
	assert_int_equal(idle->c.packets, 0);
	/* With an effect it is bound; a rate with an idle line passes
	 * on the plain path, no copy. */
	l = set(w, LINK_PAIR, CA, CB, "{\"rate\": 1000000000}");
	assert_ptr_equal(l, idle);
	assert_non_null(w->r->hooks);
	send_pkt(w, CA, CB, 3, 10);
	assert_int_equal(io.n, 3);
	assert_int_equal(l->c.packets, 1);
	assert_int_equal(l->c.delayed, 0);
	/* Packets between others stop at the address filter. */
	assert_null(link_lookup(w->t, CC, GW));
	assert_null(link_lookup(w->t, CC, CC + LINK_FILTER_BITS * 2));
	assert_non_null(link_lookup(w->t, CB, CA));
	/* Back to nothing: unhooked again, still listed. */
	l = set(w, LINK_PAIR, CA, CB, "{}");
	assert_null(w->r->hooks);
	assert_int_equal(w->t->nlinks, 1);
	l = set(w, LINK_CTR, CC, 0, "{\"loss\": 0.5}");
	assert_non_null(w->r->hooks);
	assert_non_null(link_lookup(w->t, GW, CC));
	assert_null(link_lookup(w->t, CA, CB));
	link_rm(w->t, l);
	assert_null(w->r->hooks);
	link_rm(w->t, idle);
	assert_int_equal(w->t->nlinks, 0);
}

static void
test_delay_and_match(void **state)
{
	struct world	*w = *state;
	struct link	*pair, *ctr;

	pair = set(w, LINK_PAIR, CA, CB, "{\"delay_us\": 20000}");
	send_pkt(w, CA, CB, 1, 10);
	send_pkt(w, CB, CA, 2, 10);
	assert_int_equal(io.n, 0);
	assert_int_equal(pair->held, 2);
	advance(w, 19999);
	assert_int_equal(io.n, 0);
	advance(w, 1);
	assert_int_equal(io.n, 2);
	assert_int_equal(io.fd[0], 102);
	assert_int_equal(io.fd[1], 101);
	assert_int_equal(w->b.c.tx_packets, 1);
	/* Not on the entry: A to C, the plain path. */
	send_pkt(w, CA, CC, 3, 10);
	assert_int_equal(io.n, 3);
	/* A container's entry covers what C sends and receives, the
	 * gateway's (host) traffic included; the pair is more specific. */
	ctr = set(w, LINK_CTR, CC, 0, "{\"delay_us\": 5000}");
	send_pkt(w, CA, CC, 4, 10);
	send_pkt(w, GW, CC, 5, 10);
	send_pkt(w, CC, CB, 6, 10);
	send_pkt(w, CA, CB, 7, 10);
	assert_int_equal(io.n, 3);
	advance(w, 5000);
	assert_int_equal(io.n, 6);
	assert_int_equal(ctr->c.packets, 3);
	advance(w, 15000);
	assert_int_equal(io.n, 7);
	assert_int_equal(pair->c.packets, 3);
	/* One way: only A to B. */
	link_rm(w->t, pair);
	pair = set(w, LINK_ONEWAY, CA, CB, "{\"delay_us\": 1000}");
	send_pkt(w, CB, CA, 8, 10);
	assert_int_equal(io.n, 8);
	send_pkt(w, CA, CB, 9, 10);
	assert_int_equal(io.n, 8);
	advance(w, 1000);
	assert_int_equal(io.n, 9);
	assert_int_equal(pair->c.delayed, 1);
	/* A deleted container's entries go. */
	link_forget(w->t, CC);
	assert_null(link_find(w->t, LINK_CTR, CC, 0));
	assert_non_null(link_find(w->t, LINK_ONEWAY, CA, CB));
	assert_null(link_find(w->t, LINK_ONEWAY, CB, CA));
}

/* Jitter spreads the release times but keeps the order; reorder may not. */
static void
test_jitter_order(void **state)
{
	struct world	*w = *state;
	long long	 lo = 1LL << 60, hi = 0, d;
	int		 i, j, inversions = 0;

	set(w, LINK_ONEWAY, CA, CB, "{\"delay_us\": 20000, \"jitter_us\": "
	    "10000, \"seed\": 1}");
	/* Sent 15 ms apart: some would overtake, none do. */
	for (i = 0; i < 200; i++) {
		send_pkt(w, CA, CB, (uint8_t)i, 10);
		for (j = 0; j < 150; j++)
			advance(w, 100);
	}
	for (i = 0; i < 400; i++)
		advance(w, 100);
	assert_int_equal(io.n, 200);
	for (i = 0; i < 200; i++) {
		assert_int_equal(io.data[i][20], (uint8_t)i);
		d = io.when[i] - (1000000 + i * 15000);
		if (d < lo)
			lo = d;
		if (d > hi)
			hi = d;
	}
	assert_true(lo >= 10000);
	assert_true(hi <= 30000);
	assert_true(hi - lo > 10000);	/* spread */

	memset(&io, 0, sizeof(io));
	set(w, LINK_ONEWAY, CA, CB, "{\"delay_us\": 20000, \"jitter_us\": "
	    "10000, \"seed\": 1, \"reorder\": true}");
	for (i = 0; i < 200; i++) {
		send_pkt(w, CA, CB, (uint8_t)i, 10);
		advance(w, 100);
	}
	advance(w, 40000);
	assert_int_equal(io.n, 200);
	for (i = 1; i < 200; i++)
		if (io.data[i][20] < io.data[i - 1][20])
			inversions++;
	assert_true(inversions > 10);
}

/* The losses of one seed, as a bit string. */
static void
loss_pattern(struct world *w, const char *spec, uint8_t *lost, int n)
{
	struct link		*l = set(w, LINK_ONEWAY, CA, CB, spec);
	struct packet_ip	 ip;
	struct link_fate	 f;
	int			 i;

	memset(&ip, 0, sizeof(ip));
	ip.len = 100;
	ip.hlen = 20;
	for (i = 0; i < n; i++) {
		link_judge(l, &ip, fake_now, &f);
		lost[i] = f.what == LINK_DROP;
	}
	link_rm(w->t, l);
}

static void
test_loss_seeded(void **state)
{
	struct world	*w = *state;
	static uint8_t	 x[20000], y[20000], z[20000];
	int		 i, nx = 0, runs = 0, inrun = 0;

	loss_pattern(w, "{\"loss\": 0.1, \"seed\": 42}", x, 20000);
	loss_pattern(w, "{\"loss\": 0.1, \"seed\": 42}", y, 20000);
	loss_pattern(w, "{\"loss\": 0.1, \"seed\": 43}", z, 20000);
	assert_memory_equal(x, y, sizeof(x));
	assert_memory_not_equal(x, z, sizeof(x));
	for (i = 0; i < 20000; i++)
		nx += x[i];
	assert_true(nx > 1800 && nx < 2200);

	/* Gilbert: the same mean, in bursts of ~1/(1 - 0.8) = 5. */
	loss_pattern(w, "{\"loss\": 0.1, \"loss_corr\": 0.8, \"seed\": 42}",
	    x, 20000);
	for (nx = 0, i = 0; i < 20000; i++) {
		nx += x[i];
		if (x[i] && !inrun)
			runs++;
		inrun = x[i];
	}
	assert_true(nx > 1500 && nx < 2500);
	assert_true((double)nx / runs > 3.5 && (double)nx / runs < 7);
}

static void
test_rate_queue(void **state)
{
	struct world	*w = *state;
	struct link	*l;
	int		 i;

	/* 1000 bytes at 8 mbit: one packet a millisecond, 5 queued. */
	l = set(w, LINK_ONEWAY, CA, CB, "{\"rate\": 8000000, \"queue\": 5}");
	for (i = 0; i < 8; i++)
		send_pkt(w, CA, CB, (uint8_t)i, 980);
	/* The first leaves at once (the line was idle)... */
	assert_int_equal(io.n, 1);
	assert_int_equal(l->held, 5);
	assert_int_equal(l->c.drop_queue, 2);
	assert_int_equal(w->a.c.drop_link, 2);
	assert_int_equal(w->r->drops[ROUTER_DROP_LINK], 2);
	/* ... then one per millisecond. */
	advance(w, 999);
	assert_int_equal(io.n, 1);
	advance(w, 1);
	assert_int_equal(io.n, 2);
	advance(w, 4000);
	assert_int_equal(io.n, 6);
	assert_int_equal(io.data[5][20], 5);
	assert_int_equal(l->held, 0);
}

static void
test_mem_cap(void **state)
{
	struct world	*w = *state;
	struct link	*l;
	int		 i;

	w->t->mem_max = 3 * (sizeof(struct link_held) + 120);
	l = set(w, LINK_ONEWAY, CA, CB, "{\"delay_us\": 1000}");
	for (i = 0; i < 5; i++)
		send_pkt(w, CA, CB, (uint8_t)i, 100);
	assert_int_equal(l->held, 3);
	assert_int_equal(l->c.drop_mem, 2);
	assert_int_equal(w->t->mem_drops, 2);
	advance(w, 1000);
	assert_int_equal(io.n, 3);
	assert_int_equal(w->t->mem, 0);
}

static void
test_down(void **state)
{
	struct world	*w = *state;
	struct link	*l;

	l = set(w, LINK_PAIR, CA, CB, "{\"down\": \"drop\"}");
	send_pkt(w, CA, CB, 1, 10);
	send_pkt(w, CB, CA, 2, 10);
	assert_int_equal(io.n, 0);
	assert_int_equal(l->c.drop_down, 2);
	assert_int_equal(w->a.c.drop_link, 1);
	/* Reject: ICMP administratively prohibited back to the sender,
	 * counted as a link drop, not a policy one. */
	set(w, LINK_PAIR, CA, CB, "{\"down\": \"reject\"}");
	send_pkt(w, CA, CB, 3, 10);
	assert_int_equal(io.n, 1);
	assert_int_equal(io.fd[0], 100);
	assert_int_equal(io.data[0][20], 3);
	assert_int_equal(io.data[0][21], 13);
	assert_int_equal(w->a.c.drop_link, 2);
	assert_int_equal(w->a.c.drop_policy, 0);
	/* Others still pass. */
	send_pkt(w, CA, CC, 4, 10);
	assert_int_equal(io.n, 2);
	/* mtu: larger packets are refused with "fragmentation needed"
	 * and the mtu (DF is set), smaller ones pass. */
	set(w, LINK_PAIR, CA, CB, "{\"mtu\": 100}");
	send_pkt(w, CA, CB, 5, 80);
	assert_int_equal(io.n, 3);
	send_pkt(w, CA, CB, 6, 81);
	assert_int_equal(io.n, 4);
	assert_int_equal(l->c.drop_mtu, 1);
	assert_int_equal(io.fd[3], 100);
	assert_int_equal(io.data[3][20], 3);
	assert_int_equal(io.data[3][21], 4);
	assert_int_equal(io.data[3][26], 0);
	assert_int_equal(io.data[3][27], 100);
	assert_int_equal(packet_cksum(io.data[3] + 20, io.len[3] - 20), 0);
}

static void
test_dup_corrupt(void **state)
{
	struct world	*w = *state;
	struct link	*l;
	uint8_t		 p[256];
	size_t		 n, i;
	int		 bits = 0, b;

	l = set(w, LINK_ONEWAY, CA, CB, "{\"duplicate\": 1}");
	send_pkt(w, CA, CB, 1, 10);
	advance(w, 0);
	assert_int_equal(io.n, 2);
	assert_int_equal(l->c.duplicated, 1);
	assert_memory_equal(io.data[0], io.data[1], io.len[0]);

	memset(&io, 0, sizeof(io));
	l = set(w, LINK_ONEWAY, CA, CB, "{\"corrupt\": 1}");
	send_pkt(w, CA, CB, 1, 60);
	advance(w, 0);
	assert_int_equal(io.n, 1);
	assert_int_equal(l->c.corrupted, 1);
	n = pkt_ipv4(p, CA, CB, 17, 60, 64);
	p[20] = 1;
	assert_int_equal(io.len[0], n);
	/* The IP header is intact (its checksum too), one payload bit
	 * flipped. */
	assert_memory_equal(io.data[0], p, 20);
	for (i = 20; i < n; i++)
		for (b = 0; b < 8; b++)
			bits += ((io.data[0][i] ^ p[i]) >> b) & 1;
	assert_int_equal(bits, 1);
}

/* Held packets of a port that goes are dropped; rm releases the rest. */
static void
test_port_gone(void **state)
{
	struct world	*w = *state;
	struct link	*l;

	l = set(w, LINK_CTR, CB, 0, "{\"delay_us\": 10000}");
	send_pkt(w, CA, CB, 1, 10);
	send_pkt(w, CB, CC, 2, 10);
	send_pkt(w, CC, CB, 3, 10);
	assert_int_equal(l->held, 3);
	router_remove(w->r, &w->c);
	assert_int_equal(l->held, 1);
	link_rm(w->t, l);
	assert_int_equal(io.n, 1);
	assert_int_equal(io.fd[0], 102);
	assert_null(w->r->hooks);
}

/* The Internet checksum of the TCP segment of p with its pseudo-header:
 * 0 when the segment's checksum is right. */
static uint16_t
tcp_sum(const uint8_t *p, size_t n)
{
	uint8_t	 ph[2048];

	memcpy(ph, p + 12, 8);
	ph[8] = 0;
	ph[9] = 6;
	ph[10] = (uint8_t)((n - 20) >> 8);
	ph[11] = (uint8_t)(n - 20);
	memcpy(ph + 12, p + 20, n - 20);
	return packet_cksum(ph, 12 + n - 20);
}

static int
tcp_ok(const uint8_t *p, size_t n)
{
	return tcp_sum(p, n) == 0;
}

/* A TCP SYN src -> dst with options opt (olen, a multiple of 4). */
static size_t
syn_pkt(uint8_t *p, uint32_t src, uint32_t dst, const uint8_t *opt,
    size_t olen, int ack)
{
	size_t	 n = pkt_ipv4(p, src, dst, 6, 20 + olen, 64);
	uint16_t c;

	memset(p + 20, 0, 20 + olen);
	p[20] = 0x30; p[21] = 0x39; p[22] = 0x1f; p[23] = 0x90;
	p[32] = (uint8_t)((20 + olen) / 4 << 4);
	p[33] = ack ? 0x12 : 0x02;
	p[34] = 0xff; p[35] = 0xff;
	memcpy(p + 40, opt, olen);
	c = tcp_sum(p, n);
	p[36] = (uint8_t)(c >> 8);
	p[37] = (uint8_t)c;
	return n;
}

/* SYNs through an entry with an mtu: MSS lowered to mtu - 40 both
 * ways (SYN and SYN-ACK), at even and odd offsets, checksum right;
 * other segments and small MSS untouched; no mtu, no clamping. */
static void
test_mss_clamp(void **state)
{
	struct world	*w = *state;
	struct link	*l;
	/* MSS 65495 first; then NOP + MSS 65495 + padding (odd offset
	 * of the value: 20 + 1 + 2 = 23); then MSS 1000 (small). */
	const uint8_t	 even[] = { 2, 4, 0xff, 0xd7, 1, 1, 4, 2 };
	const uint8_t	 odd[] = { 1, 2, 4, 0xff, 0xd7, 1, 1, 0 };
	const uint8_t	 small[] = { 2, 4, 0x03, 0xe8 };
	uint8_t		 p[128];
	size_t		 n;

	/* One way, a to b: b's SYN-ACK to a is clamped too. */
	l = set(w, LINK_ONEWAY, CA, CB, "{\"mtu\": 1400}");
	n = syn_pkt(p, CA, CB, even, sizeof(even), 0);
	router_packet(w->r, &w->gw, p, n, NULL);
	assert_int_equal(io.n, 1);
	assert_int_equal(io.fd[0], 102);
	assert_int_equal(io.data[0][42] << 8 | io.data[0][43], 1360);
	assert_true(tcp_ok(io.data[0], io.len[0]));
	assert_memory_equal(io.data[0], p, 36);		/* headers as sent */
	assert_memory_equal(io.data[0] + 38, p + 38, 4);
	n = syn_pkt(p, CB, CA, odd, sizeof(odd), 1);
	router_packet(w->r, &w->gw, p, n, NULL);
	assert_int_equal(io.n, 2);
	assert_int_equal(io.fd[1], 101);
	assert_int_equal(io.data[1][43] << 8 | io.data[1][44], 1360);
	assert_true(tcp_ok(io.data[1], io.len[1]));
	assert_int_equal(l->c.mss_clamped, 2);
	/* Small MSS, a plain ACK: untouched. */
	n = syn_pkt(p, CA, CB, small, sizeof(small), 0);
	router_packet(w->r, &w->gw, p, n, NULL);
	assert_memory_equal(io.data[2], p, n);
	n = syn_pkt(p, CA, CB, even, sizeof(even), 0);
	p[33] = 0x10;
	router_packet(w->r, &w->gw, p, n, NULL);
	assert_memory_equal(io.data[3], p, 44);
	assert_int_equal(l->c.mss_clamped, 2);
	/* Held (a delay) and clamped: the copy that leaves is clamped. */
	l = set(w, LINK_ONEWAY, CA, CB, "{\"mtu\": 576, \"delay_us\": 1000}");
	n = syn_pkt(p, CA, CB, even, sizeof(even), 0);
	router_packet(w->r, &w->gw, p, n, NULL);
	assert_int_equal(io.n, 4);
	advance(w, 1000);
	assert_int_equal(io.n, 5);
	assert_int_equal(io.data[4][42] << 8 | io.data[4][43], 536);
	assert_true(tcp_ok(io.data[4], io.len[4]));
	/* Without an mtu nothing is clamped. */
	l = set(w, LINK_ONEWAY, CA, CB, "{\"loss\": 0.000001, \"seed\": 1}");
	router_packet(w->r, &w->gw, p, n, NULL);
	assert_memory_equal(io.data[5], p, n);
	link_rm(w->t, l);
	/* Malformed options: left alone. */
	{
		const uint8_t	 bad[] = { 2, 9, 0xff, 0xd7 };

		n = syn_pkt(p, CA, CB, bad, sizeof(bad), 0);
		assert_null(link_clamp_mss(p, &(struct packet_ip){ .len =
		    (uint16_t)n, .hlen = 20, .proto = 6 }, 1000));
	}
}

/*
 * A partial checksum (an offloading tun): the clamped SYN goes on still
 * partial with the field untouched, and the checksum finished by the
 * receiving kernel is right; an incremental update of the field would
 * make it wrong.
 */
static void
test_mss_clamp_partial(void **state)
{
	struct world		*w = *state;
	const uint8_t		 odd[] = { 1, 2, 4, 0xff, 0xd7, 1, 1, 0 };
	uint8_t			 p[128], q[128];
	struct packet_csum	 c;
	struct packet_ip	 ip;
	size_t			 n;

	(void)set(w, LINK_ONEWAY, CA, CB, "{\"mtu\": 1400}");
	n = syn_pkt(p, CA, CB, odd, sizeof(odd), 0);
	pkt_partial(p, n, &c);
	router_packet(w->r, &w->gw, p, n, &c);
	assert_int_equal(io.n, 1);
	assert_int_equal(io.data[0][43] << 8 | io.data[0][44], 1360);
	assert_int_equal(io.csum[0].start, 20);
	assert_int_equal(io.csum[0].off, 16);
	assert_memory_equal(io.data[0] + 36, p + 36, 2);	/* the field */
	memcpy(q, io.data[0], io.len[0]);
	assert_int_equal(packet_parse(q, io.len[0], &ip), PACKET_OK);
	assert_int_equal(packet_set_csum(&ip, &io.csum[0]), PACKET_OK);
	packet_csum_finish(q, &ip);
	assert_true(tcp_ok(q, io.len[0]));
	/* Through a delay too: the held copy keeps its checksum state. */
	(void)set(w, LINK_ONEWAY, CA, CB, "{\"mtu\": 576, \"delay_us\": 10}");
	n = syn_pkt(p, CA, CB, odd, sizeof(odd), 0);
	pkt_partial(p, n, &c);
	router_packet(w->r, &w->gw, p, n, &c);
	advance(w, 10);
	assert_int_equal(io.n, 2);
	assert_int_equal(io.data[1][43] << 8 | io.data[1][44], 536);
	assert_int_equal(io.csum[1].start, 20);
}

/*
 * Corrupting a packet whose checksum is partial: it is completed before
 * the bit flips, so it leaves complete and wrong. Left partial, the
 * receiving kernel would sum the flipped bit in and take the packet.
 */
static void
test_corrupt_partial(void **state)
{
	struct world		*w = *state;
	uint8_t			 p[256];
	struct packet_csum	 c;
	struct packet_ip	 ip;
	size_t			 n, i;
	int			 bits = 0, b;

	(void)set(w, LINK_ONEWAY, CA, CB, "{\"corrupt\": 1}");
	n = syn_pkt(p, CA, CB, NULL, 0, 1);
	pkt_partial(p, n, &c);
	router_packet(w->r, &w->gw, p, n, &c);
	advance(w, 0);
	assert_int_equal(io.n, 1);
	assert_int_equal(io.csum[0].start, 0);
	assert_false(tcp_ok(io.data[0], io.len[0]));
	/* It is the completed packet with one bit flipped. */
	assert_int_equal(packet_parse(p, n, &ip), PACKET_OK);
	assert_int_equal(packet_set_csum(&ip, &c), PACKET_OK);
	packet_csum_finish(p, &ip);
	assert_true(tcp_ok(p, n));
	for (i = 0; i < n; i++)
		for (b = 0; b < 8; b++)
			bits += ((io.data[0][i] ^ p[i]) >> b) & 1;
	assert_int_equal(bits, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec),
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_hook_only_while_links),
		T(test_delay_and_match),
		T(test_jitter_order),
		T(test_loss_seeded),
		T(test_rate_queue),
		T(test_mem_cap),
		T(test_down),
		T(test_dup_corrupt),
		T(test_port_gone),
		T(test_mss_clamp),
		T(test_mss_clamp_partial),
		T(test_corrupt_partial),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
