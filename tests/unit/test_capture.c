/* SPDX-License-Identifier: ISC */
/*
 * test_capture.c - berth capture: the stream records, the packet lines,
 * the pcapng blocks, and netd's capture engine on a real router with
 * fake tuns and a socketpair for the client: targets, libpcap filters,
 * drops with reasons, the bounded queue, the END record, the hook
 * present only while a capture runs, and the handoff through ctl.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <pcap/pcap.h>

#include "caprec.h"
#include "capture.h"
#include "ctl.h"
#include "ev.h"
#include "netd.h"
#include "pcapng.h"
#include "pkt.h"
#include "proto.h"
#include "router.h"
#include "util.h"

#define GW	0x0af00001	/* 10.240.0.1 */
#define CA	0x0af00002
#define CB	0x0af00003
#define CC	0x0af00004
#define NOBODY	0x0af00063

/* ------------------------------------------------------ records, lines */

static void
test_caprec(void **state)
{
	struct caprec	 r = { CAPREC_PACKET, 3, 60, 1500, 7, 999999, 42 }, d;
	uint8_t		 b[CAPREC_HDRLEN];
	char		*cause = NULL;

	(void)state;
	caprec_encode(&r, b);
	assert_int_equal(caprec_decode(b, &d, NULL), 0);
	assert_int_equal(d.type, r.type);
	assert_int_equal(d.drop, r.drop);
	assert_int_equal(d.caplen, r.caplen);
	assert_int_equal(d.origlen, r.origlen);
	assert_int_equal(d.sec, r.sec);
	assert_int_equal(d.usec, r.usec);
	assert_int_equal(d.lost, r.lost);
	b[0] = 9;
	assert_int_equal(caprec_decode(b, &d, &cause), -1);
	assert_non_null(strstr(cause, "type"));
	free(cause);
	r.caplen = CAPREC_MAX + 1;
	r.origlen = CAPREC_MAX + 1;
	caprec_encode(&r, b);
	assert_int_equal(caprec_decode(b, &d, NULL), -1);
	r.caplen = 100;		/* more captured than the packet had */
	r.origlen = 60;
	caprec_encode(&r, b);
	assert_int_equal(caprec_decode(b, &d, NULL), -1);
	r.caplen = r.origlen = 0;
	r.usec = 1000000;
	caprec_encode(&r, b);
	assert_int_equal(caprec_decode(b, &d, NULL), -1);
}

static size_t
tcp_pkt(uint8_t *p, uint32_t s, uint32_t d, uint16_t sp, uint16_t dp,
    uint8_t flags, size_t data)
{
	size_t	 n = pkt_ipv4(p, s, d, 6, 20 + data, 64);

	p[20] = (uint8_t)(sp >> 8);
	p[21] = (uint8_t)sp;
	p[22] = (uint8_t)(dp >> 8);
	p[23] = (uint8_t)dp;
	pkt_put32(p + 24, 1000);
	pkt_put32(p + 28, 2000);
	p[32] = 5 << 4;
	p[33] = flags;
	p[34] = 0xff;
	p[35] = 0xff;
	return n;
}

static void
test_describe(void **state)
{
	uint8_t	 p[256];
	char	 s[256];
	size_t	 n;

	(void)state;
	n = tcp_pkt(p, CA, CB, 41000, 80, 0x02, 0);
	caprec_describe(p, n, n, s, sizeof(s));
	assert_string_equal(s, "IP 10.240.0.2.41000 > 10.240.0.3.80: "
	    "Flags [S], seq 1000, win 65535, length 0");
	n = tcp_pkt(p, CB, CA, 80, 41000, 0x18, 10);
	caprec_describe(p, n, n, s, sizeof(s));
	assert_string_equal(s, "IP 10.240.0.3.80 > 10.240.0.2.41000: "
	    "Flags [P.], seq 1000, ack 2000, win 65535, length 10");
	/* Captured too short for the TCP header: said, not read past. */
	caprec_describe(p, 30, n, s, sizeof(s));
	assert_non_null(strstr(s, "truncated"));
	n = pkt_ipv4(p, CA, CB, 17, 8 + 5, 64);
	p[20] = 0x13;
	p[21] = 0x88;
	p[22] = 0;
	p[23] = 53;
	caprec_describe(p, n, n, s, sizeof(s));
	assert_string_equal(s, "IP 10.240.0.2.5000 > 10.240.0.3.53: UDP, "
	    "length 5");
	n = pkt_ipv4(p, CA, CB, 1, 8, 64);
	p[20] = 8;
	p[21] = 0;
	caprec_describe(p, n, n, s, sizeof(s));
	assert_string_equal(s, "IP 10.240.0.2 > 10.240.0.3: ICMP echo "
	    "request, length 8");
	p[0] = 0x60;
	caprec_describe(p, n, n, s, sizeof(s));
	assert_string_equal(s, "not IPv4, length 28");
	/* A tiny buffer is cut, and terminated. */
	n = tcp_pkt(p, CA, CB, 41000, 80, 0x02, 0);
	caprec_describe(p, n, n, s, 10);
	assert_int_equal(strlen(s), 9);
}

static void
test_pcapng(void **state)
{
	uint8_t		 b[512], pkt[60];
	uint32_t	 v;
	size_t		 n;

	(void)state;
	assert_int_equal(pcapng_shb(b), 28);
	memcpy(&v, b + 8, 4);
	assert_int_equal(v, 0x1a2b3c4d);
	assert_int_equal(pcapng_idb(b, 228, 65535), 20);
	memcpy(&v, b + 12, 4);
	assert_int_equal(v, 65535);
	memset(pkt, 0xab, sizeof(pkt));
	/* 28 + 60 + no options + 4 */
	assert_int_equal(pcapng_epb_len(60, NULL), 92);
	/* 61 bytes pad to 64; "dropped" 7 pads to 8, +4 code/len, +4 end */
	assert_int_equal(pcapng_epb_len(61, "dropped"), 28 + 64 + 16 + 4);
	n = pcapng_epb(b, 1, 2, pkt, 61, 100, "dropped");
	assert_int_equal(n, 112);
	memcpy(&v, b + 4, 4);
	assert_int_equal(v, 112);
	memcpy(&v, b + n - 4, 4);	/* trailing length */
	assert_int_equal(v, 112);
	memcpy(&v, b + 16, 4);		/* low half of 1 s 2 us */
	assert_int_equal(v, 1000002);
	assert_int_equal(b[92], 1);	/* opt_comment */
	assert_int_equal(b[94], 7);
	assert_memory_equal(b + 96, "dropped", 7);
}

/*
 * berth capture -w writes classic pcap itself (the CLI does not link
 * libpcap): byte for byte what libpcap's dump API writes.
 */
static void
test_pcap_classic(void **state)
{
	struct pcap_pkthdr	 ph;
	pcap_t			*dead;
	pcap_dumper_t		*dp;
	uint8_t			 ours[256], pkt[61], *theirs;
	char			 path[] = "/tmp/berth-pcap.XXXXXX";
	size_t			 n, len;
	int			 fd;

	(void)state;
	memset(pkt, 0xab, sizeof(pkt));
	assert_true((fd = mkstemp(path)) != -1);
	close(fd);
	assert_non_null(dead = pcap_open_dead(228, 65535));
	assert_non_null(dp = pcap_dump_open(dead, path));
	ph.ts.tv_sec = 1700000000;
	ph.ts.tv_usec = 123456;
	ph.caplen = 61;
	ph.len = 100;
	pcap_dump((u_char *)dp, &ph, pkt);
	pcap_dump_close(dp);
	pcap_close(dead);
	assert_non_null(theirs = (uint8_t *)util_read_file(path, 4096, &len));
	unlink(path);

	n = pcapng_classic_hdr(ours, 228, 65535);
	assert_int_equal(n, PCAPNG_CLASSIC_HDR_LEN);
	n += pcapng_classic_rec(ours + n, 1700000000, 123456, 61, 100);
	memcpy(ours + n, pkt, sizeof(pkt));
	n += sizeof(pkt);
	assert_int_equal(len, n);
	assert_memory_equal(ours, theirs, n);
	free(theirs);
}

/* ------------------------------------------------------ the engine */

static struct {
	int	 writes;
} io;

/* What drain() has read but not decoded yet. */
static struct {
	size_t	 len;
	int	 skipped;	/* the 2 handoff bytes */
} dr;

static ssize_t
fake_write(int fd, const void *p, size_t len,
    const struct packet_csum *csum)
{
	(void)fd;
	(void)p;
	io.writes++;
	return (ssize_t)len;
}

struct world {
	struct netd	 d;
	struct ctr	 a, b, c;
	struct ctr	*ctrs[3];
	int		 sv[2];
};

static void
ctr_init(struct world *w, struct ctr *c, const char *name, uint32_t addr,
    const char *stack)
{
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->addr = addr;
	c->stack = stack != NULL ? strdup(stack) : NULL;
	c->port.fd = 100 + (int)(addr & 0xff);
	c->port.addr = addr;
	c->port.owner = c;
	router_add(w->d.router, &c->port);
}

static int
setup(void **state)
{
	struct world	*w = calloc(1, sizeof(*w));
	struct cidr	 pool;

	memset(&io, 0, sizeof(io));
	memset(&dr, 0, sizeof(dr));
	assert_int_equal(cidr_parse("10.240.0.0/16", &pool, NULL), 0);
	w->d.cfg.gateway = GW;
	w->d.router = router_new(&pool, GW);
	w->d.router->write = fake_write;
	w->d.ev = ev_new();
	assert_non_null(w->d.ev);
	w->d.captures = capture_set_new(w->d.router, w->d.ev);
	w->d.gw.fd = 99;
	w->d.gw.addr = GW;
	w->d.gw.gateway = 1;
	router_add(w->d.router, &w->d.gw);
	ctr_init(w, &w->a, "a", CA, "shop");
	ctr_init(w, &w->b, "b", CB, "shop");
	ctr_init(w, &w->c, "c", CC, NULL);
	/* Indexed by name and address; the table the tests change. */
	netd_ctr_append(&w->d, &w->a);
	netd_ctr_append(&w->d, &w->b);
	netd_ctr_append(&w->d, &w->c);
	free(w->d.ctrs);
	w->ctrs[0] = &w->a;
	w->ctrs[1] = &w->b;
	w->ctrs[2] = &w->c;
	w->d.ctrs = w->ctrs;
	w->d.nctrs = 3;
	w->sv[0] = w->sv[1] = -1;
	*state = w;
	return 0;
}

static int
teardown(void **state)
{
	struct world	*w = *state;

	capture_set_free(w->d.captures);
	router_free(w->d.router);
	ev_free(w->d.ev);
	free(w->a.stack);
	free(w->b.stack);
	if (w->sv[1] != -1)
		close(w->sv[1]);
	free(w);
	return 0;
}

/* Start a capture with these args (JSON text); 0 or -1 with the error. */
static int
start(struct world *w, const char *args, char **err)
{
	json_t	*a = json_loads(args, 0, NULL), *rep;
	int	 close = 0, ok;

	assert_non_null(a);
	rep = capture_op(&w->d, a, &close);
	json_decref(a);
	ok = json_is_true(json_object_get(rep, "ok"));
	if (!ok) {
		if (err != NULL)
			*err = strdup(json_string_value(json_object_get(rep,
			    "error")));
		json_decref(rep);
		assert_int_not_equal(close, CTL_HANDOFF);
		return -1;
	}
	assert_int_equal(close, CTL_HANDOFF);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    rep, "data"), "linktype")), 228);
	json_decref(rep);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, w->sv), 0);
	capture_handoff(&w->d, w->sv[0], (const uint8_t *)"hi", 2);
	return 0;
}

/* Read what netd sent (after the 2 handoff bytes): records into recs. */
static int
drain(struct world *w, struct caprec *recs, uint8_t (*pkts)[128], int max,
    int *ended)
{
	static uint8_t	 buf[1 << 20];
	size_t		 len = dr.len;
	ssize_t		 n;
	size_t		 off = 0;
	int		 i = 0;

	while (ev_run_once(w->d.ev, 0) > 0)
		;
	fcntl(w->sv[1], F_SETFL, O_NONBLOCK);
	while ((n = read(w->sv[1], buf + len, sizeof(buf) - len)) > 0)
		len += (size_t)n;
	if (!dr.skipped && len >= 2) {
		assert_memory_equal(buf, "hi", 2);
		off = 2;
		dr.skipped = 1;
	}
	*ended = 0;
	while (len - off >= CAPREC_HDRLEN && i < max) {
		assert_int_equal(caprec_decode(buf + off, &recs[i], NULL), 0);
		if (len - off < CAPREC_HDRLEN + recs[i].caplen)
			break;
		if (pkts != NULL)
			memcpy(pkts[i], buf + off + CAPREC_HDRLEN,
			    recs[i].caplen < 128 ? recs[i].caplen : 128);
		off += CAPREC_HDRLEN + recs[i].caplen;
		if (recs[i++].type == CAPREC_END)
			*ended = 1;
	}
	memmove(buf, buf + off, len - off);
	dr.len = len - off;
	return i;
}

static void
test_target_filter(void **state)
{
	struct world	*w = *state;
	struct caprec	 r[16];
	uint8_t		 pk[16][128], p[128];
	size_t		 n;
	int		 got, ended;

	assert_null(w->d.router->hooks);
	assert_int_equal(start(w, "{\"name\": \"b\", \"filter\": "
	    "\"tcp port 6379\"}", NULL), 0);
	assert_non_null(w->d.router->hooks);
	n = tcp_pkt(p, CA, CB, 5000, 6379, 0x02, 0);	/* a -> b redis */
	router_packet(w->d.router, &w->d.gw, p, n, NULL);
	n = tcp_pkt(p, CA, CB, 5001, 80, 0x02, 0);	/* a -> b http */
	router_packet(w->d.router, &w->d.gw, p, n, NULL);
	n = tcp_pkt(p, CA, CC, 5002, 6379, 0x02, 0);	/* a -> c: not b */
	router_packet(w->d.router, &w->d.gw, p, n, NULL);
	n = tcp_pkt(p, CB, CA, 6379, 5000, 0x12, 0);	/* b -> a redis */
	router_packet(w->d.router, &w->d.gw, p, n, NULL);
	n = tcp_pkt(p, CA, NOBODY, 5003, 6379, 0x02, 0); /* refused */
	router_packet(w->d.router, &w->d.gw, p, n, NULL);
	/* The router went on: 4 forwarded, 1 ICMP unreachable. */
	assert_int_equal(io.writes, 5);
	got = drain(w, r, pk, 16, &ended);
	assert_int_equal(got, 2);
	assert_int_equal(ended, 0);
	assert_int_equal(r[0].type, CAPREC_PACKET);
	assert_int_equal(r[0].drop, 0);
	assert_int_equal(r[0].caplen, 40);
	assert_int_equal(pk[0][23], 0xeb);		/* 6379 & 0xff */
	assert_int_equal(pk[1][33], 0x12);		/* the SYN-ACK */
	assert_true(r[0].sec > 0);
	/* The client shuts down its side: END, close, hook gone. */
	shutdown(w->sv[1], SHUT_WR);
	got = drain(w, r, NULL, 16, &ended);
	assert_int_equal(ended, 1);
	assert_int_equal(r[got - 1].origlen, 2);	/* matched */
	assert_int_equal(capture_count(w->d.captures), 0);
	assert_null(w->d.router->hooks);
}

static void
test_drops_stack(void **state)
{
	struct world	*w = *state;
	struct caprec	 r[16];
	uint8_t		 p[128];
	size_t		 n;
	int		 got, ended;

	assert_int_equal(start(w, "{\"name\": \"shop\", \"drops\": true}",
	    NULL), 0);
	n = tcp_pkt(p, CA, NOBODY, 5003, 6379, 0x02, 0);	/* no route */
	router_packet(w->d.router, &w->d.gw, p, n, NULL);
	n = tcp_pkt(p, CC, GW, 1, 2, 0x02, 0);		/* not the stack */
	router_packet(w->d.router, &w->d.gw, p, n, NULL);
	p[0] = 0x45;
	router_packet(w->d.router, &w->a.port, p, 10, NULL);	/* malformed, a */
	got = drain(w, r, NULL, 16, &ended);
	assert_int_equal(got, 2);
	assert_int_equal(r[0].drop, ROUTER_DROP_NOROUTE);
	assert_int_equal(r[1].drop, ROUTER_DROP_MALFORMED);
	assert_int_equal(r[1].caplen, 10);
	/* Deleting a keeps it (b is left); deleting b ends it. */
	w->d.nctrs = 2;
	w->d.ctrs = w->ctrs + 1;
	capture_ctr_gone(&w->d, &w->a);
	got = drain(w, r, NULL, 16, &ended);
	assert_int_equal(ended, 0);
	w->d.ctrs = w->ctrs + 2;
	w->d.nctrs = 1;
	capture_ctr_gone(&w->d, &w->b);
	got = drain(w, r, NULL, 16, &ended);
	assert_int_equal(ended, 1);
	assert_int_equal(capture_count(w->d.captures), 0);
}

/* A reader that does not read: netd's queue stays bounded, the router
 * goes on, what was lost is counted and reported in END. */
static void
test_slow_reader(void **state)
{
	struct world	*w = *state;
	static struct caprec r[4096];
	uint8_t		 p[1500];
	size_t		 n;
	int		 i, got, last = 0, ended, total = 20000;

	assert_int_equal(start(w, "{\"all\": true, \"count\": 0}", NULL), 0);
	n = tcp_pkt(p, CA, CB, 5000, 80, 0x10, 1400);
	for (i = 0; i < total; i++)
		router_packet(w->d.router, &w->d.gw, p, n, NULL);
	assert_int_equal(io.writes, total);
	shutdown(w->sv[1], SHUT_WR);
	got = 0;
	ended = 0;
	for (i = 0; i < 1000 && !ended; i++)
		got += last = drain(w, r, NULL, 4096, &ended);
	assert_int_equal(ended, 1);
	assert_true(got - 1 < total);
	assert_true(got - 1 > 1000);	/* the queue held some */
	/* END: every packet matched; lost + delivered = matched. */
	assert_int_equal(r[last - 1].type, CAPREC_END);
	assert_int_equal(r[last - 1].origlen, total);
	assert_int_equal(r[last - 1].lost + (uint32_t)(got - 1), total);
}

static void
test_count_and_errors(void **state)
{
	struct world	*w = *state;
	struct caprec	 r[16];
	uint8_t		 p[128];
	char		*err = NULL;
	size_t		 n;
	int		 i, got, ended;

	assert_int_equal(start(w, "{\"name\": \"nope\"}", &err), -1);
	assert_string_equal(err, "no container or stack \"nope\"");
	free(err);
	assert_int_equal(start(w, "{\"all\": true, \"filter\": \"tcp port "
	    "bogus\"}", &err), -1);
	assert_non_null(strstr(err, "filter:"));
	free(err);
	assert_int_equal(start(w, "{\"all\": true, \"count\": -1}", &err), -1);
	free(err);
	assert_int_equal(start(w, "{\"name\": \"Bad Name\"}", &err), -1);
	free(err);
	assert_int_equal(start(w, "{\"all\": true, \"name\": \"a\"}", &err),
	    -1);
	free(err);
	assert_null(w->d.router->hooks);
	assert_int_equal(start(w, "{\"all\": true, \"count\": 3}", NULL), 0);
	n = tcp_pkt(p, CA, CB, 5000, 80, 0x10, 0);
	for (i = 0; i < 5; i++)
		router_packet(w->d.router, &w->d.gw, p, n, NULL);
	got = drain(w, r, NULL, 16, &ended);
	assert_int_equal(got, 4);
	assert_int_equal(ended, 1);
	assert_int_equal(r[3].type, CAPREC_END);
	assert_int_equal(r[3].origlen, 3);
	assert_null(w->d.router->hooks);
}

/* A client that is gone: freed at the next write, hook removed. */
static void
test_client_gone(void **state)
{
	struct world	*w = *state;
	uint8_t		 p[128];
	size_t		 n;

	assert_int_equal(start(w, "{\"all\": true}", NULL), 0);
	close(w->sv[1]);
	w->sv[1] = -1;
	n = tcp_pkt(p, CA, CB, 5000, 80, 0x10, 0);
	router_packet(w->d.router, &w->d.gw, p, n, NULL);
	while (ev_run_once(w->d.ev, 0) > 0)
		;
	assert_int_equal(capture_count(w->d.captures), 0);
	assert_null(w->d.router->hooks);
}

static int	 idles;

static void
count_idle(void *arg)
{
	(void)arg;
	idles++;
}

/*
 * Idle (the nft set direct may fill again) only once no capture runs
 * and none is prepared: a capture between its op and its handoff is
 * busy; a client gone before the handoff (fd -1) lets go of it.
 */
static void
test_idle(void **state)
{
	struct world	*w = *state;
	json_t		*a = json_loads("{\"all\": true}", 0, NULL), *rep;
	int		 close = 0;

	idles = 0;
	capture_set_on_idle(w->d.captures, count_idle, NULL);
	assert_true(capture_idle(w->d.captures));
	rep = capture_op(&w->d, a, &close);
	json_decref(rep);
	assert_false(capture_idle(w->d.captures));
	capture_handoff(&w->d, -1, NULL, 0);
	assert_true(capture_idle(w->d.captures));
	assert_int_equal(idles, 1);
	rep = capture_op(&w->d, a, &close);
	json_decref(rep);
	json_decref(a);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, w->sv), 0);
	capture_handoff(&w->d, w->sv[0], NULL, 0);
	assert_false(capture_idle(w->d.captures));
	assert_int_equal(idles, 1);
	shutdown(w->sv[1], SHUT_WR);
	while (ev_run_once(w->d.ev, 0) > 0)
		;
	assert_true(capture_idle(w->d.captures));
	assert_int_equal(idles, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_caprec),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_pcapng),
		cmocka_unit_test(test_pcap_classic),
		cmocka_unit_test_setup_teardown(test_target_filter, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_drops_stack, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_slow_reader, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_count_and_errors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_idle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_gone, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
