/* SPDX-License-Identifier: ISC */
/*
 * pkt.h - building IPv4 packets for netd's unit tests (header only).
 */
#ifndef BERTH_TEST_PKT_H
#define BERTH_TEST_PKT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "packet.h"

static inline void
pkt_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void
pkt_fix_cksum(uint8_t *p, size_t hlen)
{
	uint16_t	 c;

	p[10] = p[11] = 0;
	c = packet_cksum(p, hlen);
	p[10] = (uint8_t)(c >> 8);
	p[11] = (uint8_t)c;
}

/* An IPv4 packet with optlen bytes of options and datalen of data
 * (a counting pattern); returns its length. */
static inline size_t
pkt_ipv4_opts(uint8_t *p, uint32_t src, uint32_t dst, uint8_t proto,
    size_t datalen, size_t optlen)
{
	size_t	 hlen = 20 + optlen, tot = hlen + datalen, i;

	memset(p, 0, tot);
	p[0] = (uint8_t)(0x40 | (hlen / 4));
	p[2] = (uint8_t)(tot >> 8);
	p[3] = (uint8_t)tot;
	p[6] = 0x40;		/* DF */
	p[8] = 64;
	p[9] = proto;
	pkt_put32(p + 12, src);
	pkt_put32(p + 16, dst);
	for (i = hlen; i < tot; i++)
		p[i] = (uint8_t)i;
	pkt_fix_cksum(p, hlen);
	return tot;
}

static inline size_t
pkt_ipv4(uint8_t *p, uint32_t src, uint32_t dst, uint8_t proto,
    size_t datalen, uint8_t ttl)
{
	size_t	 n = pkt_ipv4_opts(p, src, dst, proto, datalen, 0);

	p[8] = ttl;
	pkt_fix_cksum(p, 20);
	return n;
}

/*
 * The Internet checksum of the transport part of the n-byte packet at p
 * (20-byte IP header) with its pseudo header: 0 when its checksum is
 * right; with the field zeroed, the value that goes there.
 */
static inline uint16_t
pkt_l4_sum(const uint8_t *p, size_t n)
{
	uint8_t	 ph[12 + 2048];

	memcpy(ph, p + 12, 8);
	ph[8] = 0;
	ph[9] = p[9];
	ph[10] = (uint8_t)((n - 20) >> 8);
	ph[11] = (uint8_t)(n - 20);
	memcpy(ph + 12, p + 20, n - 20);
	return packet_cksum(ph, 12 + n - 20);
}

/*
 * Make the TCP (proto 6) or UDP packet at p (20-byte IP header) carry a
 * partial checksum, as a Linux tun with TUN_F_CSUM hands it out: the
 * field holds the pseudo-header sum, folded, not complemented.
 */
static inline void
pkt_partial(uint8_t *p, size_t n, struct packet_csum *c)
{
	uint32_t	 s;

	c->start = 20;
	c->off = p[9] == 6 ? 16 : 6;
	p[c->start + c->off] = p[c->start + c->off + 1] = 0;
	/* All of it, less the transport bytes (one's complement). */
	s = (uint16_t)~pkt_l4_sum(p, n);
	s += packet_cksum(p + 20, n - 20);
	s = (s & 0xffff) + (s >> 16);
	p[c->start + c->off] = (uint8_t)(s >> 8);
	p[c->start + c->off + 1] = (uint8_t)s;
}

#endif
