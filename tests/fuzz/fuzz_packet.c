/* SPDX-License-Identifier: ISC */
/*
 * fuzz_packet.c - libFuzzer entry for the router and packet checks.
 *
 * The input is one byte that picks the port the packet arrives on
 * (gateway, container a, container b), then the packet. It goes
 * through router_packet() with writes caught: whatever netd writes
 * (a forwarded packet or an ICMP error it made) must be a well-formed
 * IPv4 packet no longer than PACKET_MAX, and a forwarded one must be
 * the input unchanged (up to its total length). Malformed packets must be counted, never
 * written.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "packet.h"
#include "router.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define GW	0x0af00001u
#define CA	0x0af00002u
#define CB	0x0af00003u

static const uint8_t	*fuzz_in;
static size_t		 fuzz_inlen;

static ssize_t
fuzz_write(int fd, const void *buf, size_t len,
    const struct packet_csum *csum)
{
	struct packet_ip	 ip;

	(void)fd;
	if (len > PACKET_MAX || packet_parse(buf, len, &ip) != PACKET_OK ||
	    packet_set_csum(&ip, csum) != PACKET_OK)
		abort();
	/* The input (cut to its IP total length), or an ICMP error. */
	if (!(len <= fuzz_inlen && memcmp(buf, fuzz_in, len) == 0) &&
	    ((const uint8_t *)buf)[9] != 1)
		abort();
	return (ssize_t)len;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct router	*r;
	static struct rport	 gw, a, b;
	struct rport		*ports[] = { &gw, &a, &b };
	struct cidr		 pool = { 0x0af00000u, 16 };
	struct packet_csum	 csum;
	uint64_t		 before;

	if (r == NULL) {
		r = router_new(&pool, GW);
		r->write = fuzz_write;
		gw.fd = 100;
		gw.addr = GW;
		gw.gateway = 1;
		a.fd = 101;
		a.addr = CA;
		b.fd = 102;
		b.addr = CB;
		router_add(r, &gw);
		router_add(r, &a);
		router_add(r, &b);
	}
	if (size < 1 || size - 1 > PACKET_MAX)
		return 0;
	fuzz_in = data + 1;
	fuzz_inlen = size - 1;
	r->icmp_second = 0;	/* no rate limit between inputs */
	before = gw.c.tx_packets + a.c.tx_packets + b.c.tx_packets;
	/* Bit 7 of the first byte: read with a partial checksum, its
	 * offset from bits 2-6 (a tun that offloads it, tun_linux.c). */
	csum.start = (data[0] & 0x80) != 0 ? 20 : 0;
	csum.off = (uint16_t)((data[0] >> 2) & 0x1f);
	router_packet(r, ports[data[0] % 3], data + 1, size - 1, &csum);
	if (gw.c.tx_packets + a.c.tx_packets + b.c.tx_packets > before + 1)
		abort();
	return 0;
}
