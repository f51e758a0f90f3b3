/* SPDX-License-Identifier: ISC */
/*
 * test_dnspkt.c - the DNS server answering containers' UDP queries from
 * the router (dnssrv_pkt.c): a real server on loopback, the router's
 * tun writes replaced by a recorder.
 */
#include <netinet/in.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>
#include <cmocka.h>

#include "addr.h"
#include "dns.h"
#include "dnssrv.h"
#include "ev.h"
#include "packet.h"
#include "pkt.h"
#include "router.h"

#define LO	0x7f000001u	/* the gateway here: the server's address */
#define CTR	0x7f00000au
#define WEB	0x0af0000au	/* shop-web in the zone */

static struct {
	int	 fd[4];
	size_t	 len[4];
	uint8_t	 data[4][1500];
	int	 n;
} io;

static ssize_t
fake_write(int fd, const void *p, size_t len, const struct packet_csum *c)
{
	(void)c;
	if (io.n < 4) {
		io.fd[io.n] = fd;
		io.len[io.n] = len;
		memcpy(io.data[io.n], p, len < 1500 ? len : 1500);
		io.n++;
	}
	return (ssize_t)len;
}

/* A hook that counts what it sees and may reject. */
static struct {
	int		 seen, reject;
	uint32_t	 src[4];
} hk;

static enum router_hook_ret
fake_hook(struct router_hook *h, struct router *r, struct rport *in,
    const uint8_t *pkt, size_t len, struct router_verdict *v)
{
	(void)h;
	(void)r;
	(void)in;
	(void)pkt;
	(void)len;
	if (hk.seen < 4)
		hk.src[hk.seen] = v->ip.src;
	hk.seen++;
	if (hk.reject)
		v->action = ROUTER_REJECT;
	return ROUTER_HOOK_PASS;
}

struct world {
	struct ev		*ev;
	struct dns_zone		*z;
	struct dnssrv		*s;
	uint16_t		 port;
	struct router		*r;
	struct rport		 gw, c;
	struct router_hook	 hook;
};

static int
setup(void **state)
{
	struct world		*w = calloc(1, sizeof(*w));
	struct cidr		 pool = { 0x0af00000u, 16 }, lo = { LO - 1, 24 };
	struct dnssrv_conf	 c;
	struct sockaddr_in	 sin;
	socklen_t		 sl = sizeof(sin);
	char			*cause = NULL;
	int			 fd, i;

	memset(&io, 0, sizeof(io));
	memset(&hk, 0, sizeof(hk));
	w->ev = ev_new();
	w->z = dns_zone_new(&pool, 0x0af00001u);
	dns_zone_add(w->z, "shop-web", WEB, "shop", "web");
	memset(&c, 0, sizeof(c));
	c.addr = LO;
	c.zone = w->z;
	c.resolv_conf = "/nonexistent";
	/* A free port for both UDP and TCP: try a few. */
	for (i = 0; i < 20 && w->s == NULL; i++) {
		fd = socket(AF_INET, SOCK_DGRAM, 0);
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(LO);
		assert_int_equal(bind(fd, (struct sockaddr *)&sin,
		    sizeof(sin)), 0);
		getsockname(fd, (struct sockaddr *)&sin, &sl);
		close(fd);
		c.port = ntohs(sin.sin_port);
		w->s = dnssrv_new(&c, w->ev, &cause);
	}
	if (w->s == NULL)
		fail_msg("dnssrv_new: %s", cause);
	w->port = c.port;
	w->r = router_new(&lo, LO);
	w->r->write = fake_write;
	w->r->local = dnssrv_router_local;
	w->r->local_arg = w->s;
	w->gw.fd = 100;
	w->gw.addr = LO;
	w->gw.gateway = 1;
	w->c.fd = 101;
	w->c.addr = CTR;
	router_add(w->r, &w->gw);
	router_add(w->r, &w->c);
	w->hook.prio = ROUTER_PRIO_CAPTURE;
	w->hook.packet = fake_hook;
	*state = w;
	return 0;
}

static int
teardown(void **state)
{
	struct world	*w = *state;

	router_free(w->r);
	dnssrv_free(w->s);
	dns_zone_free(w->z);
	ev_free(w->ev);
	free(w);
	return 0;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* The one's complement sum of the UDP datagram at p with its pseudo
 * header: 0xffff when its checksum is right. */
static uint16_t
udp_sum(const uint8_t *p)
{
	uint8_t		 b[12 + 1500];
	size_t		 ulen = get16(p + 24);

	memcpy(b, p + 12, 8);
	b[8] = 0;
	b[9] = IPPROTO_UDP;
	b[10] = (uint8_t)(ulen >> 8);
	b[11] = (uint8_t)ulen;
	memcpy(b + 12, p + 20, ulen);
	return (uint16_t)~packet_cksum(b, 12 + ulen);
}

/* An IPv4/UDP query for name from src:sport to dst:dport, checksummed;
 * its length. */
static size_t
mkpkt(uint8_t *p, uint32_t src, uint16_t sport, uint32_t dst,
    uint16_t dport, const char *name)
{
	uint8_t		 m[256];
	size_t		 n = 12, l;
	const char	*q = name, *dot;
	uint16_t	 sum;

	memset(m, 0, 12);
	m[0] = 0x12;
	m[1] = 0x34;
	m[2] = 0x01;			/* RD */
	m[5] = 1;			/* QDCOUNT */
	while (*q != '\0') {
		dot = strchr(q, '.');
		l = dot != NULL ? (size_t)(dot - q) : strlen(q);
		m[n++] = (uint8_t)l;
		memcpy(m + n, q, l);
		n += l;
		q += l + (dot != NULL);
	}
	m[n++] = 0;
	memcpy(m + n, "\0\1\0\1", 4);
	n += 4;
	pkt_ipv4(p, src, dst, IPPROTO_UDP, 8 + n, 64);
	p[20] = (uint8_t)(sport >> 8);
	p[21] = (uint8_t)sport;
	p[22] = (uint8_t)(dport >> 8);
	p[23] = (uint8_t)dport;
	p[24] = (uint8_t)((8 + n) >> 8);
	p[25] = (uint8_t)(8 + n);
	p[26] = p[27] = 0;
	memcpy(p + 28, m, n);
	sum = (uint16_t)~udp_sum(p);
	p[26] = (uint8_t)(sum >> 8);
	p[27] = (uint8_t)sum;
	return 28 + n;
}

static void
test_answered(void **state)
{
	struct world	*w = *state;
	uint8_t		 p[512];
	const uint8_t	*a;
	size_t		 n = mkpkt(p, CTR, 40000, LO, w->port,
			    "shop-web.berth");

	router_packet(w->r, &w->gw, p, n, NULL);
	/* One write: the answer into the container's tun, none into the
	 * gateway's. */
	assert_int_equal(io.n, 1);
	assert_int_equal(io.fd[0], w->c.fd);
	a = io.data[0];
	assert_int_equal(packet_parse(a, io.len[0],
	    &(struct packet_ip){ 0 }), PACKET_OK);
	assert_int_equal(get16(a + 2), io.len[0]);
	assert_int_equal(a[9], IPPROTO_UDP);
	assert_int_equal(get32(a + 12), LO);
	assert_int_equal(get32(a + 16), CTR);
	assert_int_equal(get16(a + 20), w->port);
	assert_int_equal(get16(a + 22), 40000);
	assert_int_equal(get16(a + 24), io.len[0] - 20);
	assert_int_equal(udp_sum(a), 0xffff);
	/* The DNS answer: our ID, QR, NOERROR, one A record: shop-web. */
	assert_int_equal(get16(a + 28), 0x1234);
	assert_true(a[30] & 0x80);
	assert_int_equal(a[31] & 0x0f, DNS_R_NOERROR);
	assert_int_equal(get16(a + 34), 1);
	assert_int_equal(get32(a + io.len[0] - 4), WEB);
	assert_int_equal(dnssrv_stats(w->s)->udp_queries, 1);
	assert_int_equal(dnssrv_stats(w->s)->answered, 1);
	/* Counted as if delivered to the gateway and read back. */
	assert_int_equal(w->c.c.rx_packets, 1);
	assert_int_equal(w->gw.c.tx_packets, 1);
	assert_int_equal(w->c.c.tx_packets, 1);
	assert_int_equal(w->gw.c.rx_packets, 1);

	/* NXDOMAIN is an answer from the zone too. */
	io.n = 0;
	n = mkpkt(p, CTR, 40001, LO, w->port, "nobody.berth");
	router_packet(w->r, &w->gw, p, n, NULL);
	assert_int_equal(io.n, 1);
	assert_int_equal(io.fd[0], w->c.fd);
	assert_int_equal(io.data[0][31] & 0x0f, DNS_R_NXDOMAIN);
}

/*
 * With the tuns' checksum offload the kernel hands a container's query
 * over with its UDP checksum partial: the field holds the pseudo
 * header's sum only. It is answered all the same; the same field as a
 * complete checksum (a corrupted datagram) is not.
 */
static void
test_partial_csum(void **state)
{
	struct world		*w = *state;
	uint8_t			 p[512];
	struct packet_csum	 c = { .start = 20, .off = 6 };
	size_t			 n = mkpkt(p, CTR, 40002, LO, w->port,
				    "shop-web.berth");

	/* A pseudo-header sum that is not the complete checksum. */
	p[26] ^= 0x5a;
	router_packet(w->r, &w->gw, p, n, &c);
	assert_int_equal(io.n, 1);
	assert_int_equal(io.fd[0], w->c.fd);
	assert_int_equal(udp_sum(io.data[0]), 0xffff);
	assert_int_equal(dnssrv_stats(w->s)->answered, 1);

	/* Complete, the same bytes are a bad checksum: the old way. */
	io.n = 0;
	router_packet(w->r, &w->gw, p, n, NULL);
	assert_int_equal(io.n, 1);
	assert_int_equal(io.fd[0], w->gw.fd);
	assert_int_equal(dnssrv_stats(w->s)->answered, 1);
}

/* What the server's socket must see stays on the old way: the packet
 * goes into the gateway tun as it came. */
static void
test_passed_on(void **state)
{
	struct world	*w = *state;
	uint8_t		 p[512], orig[512];
	size_t		 n;
	int		 i;

	for (i = 0; i < 6; i++) {
		io.n = 0;
		n = mkpkt(p, CTR, 40000, LO, w->port, "shop-web.berth");
		switch (i) {
		case 0:		/* forwarded upstream */
			n = mkpkt(p, CTR, 40000, LO, w->port, "example.com");
			break;
		case 1:		/* the host's own query */
			n = mkpkt(p, LO, 40000, LO, w->port, "shop-web.berth");
			break;
		case 2:		/* another port */
			n = mkpkt(p, CTR, 40000, LO, w->port + 1,
			    "shop-web.berth");
			break;
		case 3:		/* a bit flipped past the IP header */
			p[40] ^= 0x10;
			break;
		case 4:		/* a UDP length beyond the packet */
			p[25] = (uint8_t)(n - 20 + 1);
			break;
		case 5:		/* a first fragment */
			p[6] = 0x20;
			pkt_fix_cksum(p, 20);
			break;
		}
		memcpy(orig, p, n);
		router_packet(w->r, &w->gw, p, n, NULL);
		assert_int_equal(io.n, 1);
		assert_int_equal(io.fd[0], w->gw.fd);
		assert_int_equal(io.len[0], n);
		assert_memory_equal(io.data[0], orig, n);
	}
	assert_int_equal(dnssrv_stats(w->s)->answered, 0);

	/* Without the router's r->local: the old way too. */
	io.n = 0;
	w->r->local = NULL;
	n = mkpkt(p, CTR, 40000, LO, w->port, "shop-web.berth");
	router_packet(w->r, &w->gw, p, n, NULL);
	assert_int_equal(io.n, 1);
	assert_int_equal(io.fd[0], w->gw.fd);
}

/* The hooks see the query and the answer; a query they refuse is not
 * answered. */
static void
test_hooks(void **state)
{
	struct world	*w = *state;
	uint8_t		 p[512];
	size_t		 n = mkpkt(p, CTR, 40000, LO, w->port,
			    "shop-web.berth");

	router_hook_add(w->r, &w->hook);
	router_packet(w->r, &w->gw, p, n, NULL);
	assert_int_equal(hk.seen, 2);
	assert_int_equal(hk.src[0], CTR);
	assert_int_equal(hk.src[1], LO);
	assert_int_equal(io.n, 1);
	assert_int_equal(io.fd[0], w->c.fd);

	io.n = 0;
	hk.seen = 0;
	hk.reject = 1;
	router_packet(w->r, &w->gw, p, n, NULL);
	assert_int_equal(hk.seen, 1);
	assert_int_equal(dnssrv_stats(w->s)->answered, 1);
	/* Only the rejection (ICMP), back to the sender's side. */
	assert_int_equal(io.n, 1);
	assert_int_equal(io.fd[0], w->gw.fd);
	assert_int_equal(io.data[0][9], IPPROTO_ICMP);
	router_hook_remove(w->r, &w->hook);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_answered, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_partial_csum, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_passed_on, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_hooks, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
