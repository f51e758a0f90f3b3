/* SPDX-License-Identifier: ISC */
/*
 * packet.c - IPv4 header validation and ICMP errors.
 *
 * DOC: what is trusted
 * Nothing in a packet is used before packet_parse() has checked it
 * against the number of bytes actually read: version, header length,
 * total length, header checksum. The router then only needs the two
 * addresses; it does not look past the IP header, except to quote it
 * in an ICMP error and to refuse answering ICMP errors with errors.
 * ICMP packets are built with libnet in a LIBNET_NONE context (no
 * injection socket, no privileges): libnet_build_*() into pblocks, then
 * libnet_pblock_coalesce(), which also computes the checksums (linux.md
 * §4.3; libnet_adv_cull_packet() refuses non-link contexts).
 */
#include <sys/types.h>

#include <libnet.h>
#include <string.h>

#include "log.h"
#include "packet.h"

static const char *const packet_err_names[PACKET_NERR] = {
	"ok", "short", "version", "header_length", "total_length",
	"checksum", "partial_checksum",
};

const char *
packet_err_name(enum packet_err e)
{
	return (unsigned)e < PACKET_NERR ? packet_err_names[e] : "?";
}

/* The one's complement checksum of len bytes, starting from sum. */
static uint16_t
packet_sum(const uint8_t *p, size_t len, uint32_t sum)
{
	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len == 1)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t
packet_cksum(const void *v, size_t len)
{
	return packet_sum(v, len, 0);
}

uint16_t
packet_l4_cksum(uint32_t src, uint32_t dst, uint8_t proto, const void *v,
    size_t len)
{
	return packet_sum(v, len, (src >> 16) + (src & 0xffff) +
	    (dst >> 16) + (dst & 0xffff) + proto + (uint32_t)len);
}

static uint32_t
packet_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

enum packet_err
packet_parse(const uint8_t *p, size_t len, struct packet_ip *ip)
{
	size_t	 hlen, tot;

	if (len < 20)
		return PACKET_SHORT;
	if ((p[0] >> 4) != 4)
		return PACKET_VERSION;
	hlen = (size_t)(p[0] & 0x0f) * 4;
	if (hlen < 20 || hlen > len)
		return PACKET_HDRLEN;
	tot = (size_t)p[2] << 8 | p[3];
	if (tot < hlen || tot > len)
		return PACKET_TOTLEN;
	if (packet_cksum(p, hlen) != 0)
		return PACKET_CHECKSUM;
	ip->hlen = (uint8_t)hlen;
	ip->len = (uint16_t)tot;
	ip->frag = (uint16_t)(p[6] << 8 | p[7]);
	ip->ttl = p[8];
	ip->proto = p[9];
	ip->src = packet_get32(p + 12);
	ip->dst = packet_get32(p + 16);
	ip->csum.start = ip->csum.off = 0;
	return PACKET_OK;
}

enum packet_err
packet_set_csum(struct packet_ip *ip, const struct packet_csum *c)
{
	if (c == NULL || c->start == 0) {
		ip->csum.start = ip->csum.off = 0;
		return PACKET_OK;
	}
	/* Fragments have no transport checksum to finish. */
	if (c->start < ip->hlen || (ip->frag & 0x3fff) != 0 ||
	    (size_t)c->start + c->off + 2 > ip->len)
		return PACKET_PARTIAL;
	ip->csum = *c;
	return PACKET_OK;
}

void
packet_csum_finish(uint8_t *p, struct packet_ip *ip)
{
	uint8_t		*f;
	uint16_t	 c;

	if (ip->csum.start == 0)
		return;
	/* The field holds the pseudo-header sum: summing it with the data
	 * gives the full one's complement sum, whose complement goes in. */
	f = p + ip->csum.start + ip->csum.off;
	c = packet_cksum(p + ip->csum.start, (size_t)ip->len - ip->csum.start);
	if (c == 0)	/* UDP's 0 says "none"; 0xffff is the same sum */
		c = 0xffff;
	f[0] = (uint8_t)(c >> 8);
	f[1] = (uint8_t)c;
	ip->csum.start = ip->csum.off = 0;
}

static int
packet_unicast(uint32_t a)
{
	uint8_t	 top = (uint8_t)(a >> 24);

	/* 0/8 "this network", 127/8 is fine (route_localnet), class D
	 * and E, limited broadcast. */
	return top != 0 && top < 224;
}

int
packet_may_answer(const uint8_t *p, const struct packet_ip *ip)
{
	uint8_t	 type;

	if ((ip->frag & 0x1fff) != 0)
		return 0;
	if (!packet_unicast(ip->src) || !packet_unicast(ip->dst))
		return 0;
	if (ip->proto == IPPROTO_ICMP) {
		if (ip->len < ip->hlen + 1)
			return 0;
		type = p[ip->hlen];
		/* Only queries (echo, timestamp, ...) get an error; errors
		 * (3, 4, 5, 11, 12) and unknown types never do. */
		return type == 8 || type == 13 || type == 15 || type == 17;
	}
	return 1;
}

static libnet_t	*packet_libnet;

size_t
packet_icmp_unreach(const uint8_t *p, const struct packet_ip *ip,
    uint32_t from, uint8_t code, uint8_t *out, size_t outlen)
{
	char		 errbuf[LIBNET_ERRBUF_SIZE];
	uint8_t		*pkt = NULL;
	uint32_t	 n = 0;
	size_t		 quote, ret = 0;

	if (packet_libnet == NULL) {
		packet_libnet = libnet_init(LIBNET_NONE, NULL, errbuf);
		if (packet_libnet == NULL) {
			log_warnx("%s: libnet_init: %s", __func__, errbuf);
			return 0;
		}
	}
	libnet_clear_packet(packet_libnet);
	quote = ip->hlen + 8u;
	if (quote > ip->len)
		quote = ip->len;
	if (libnet_build_icmpv4_unreach(ICMP_UNREACH, code, 0, p,
	    (uint32_t)quote, packet_libnet, 0) == -1 ||
	    libnet_build_ipv4((uint16_t)(LIBNET_IPV4_H +
	    LIBNET_ICMPV4_UNREACH_H + quote), 0xc0 /* internetwork control */, 0,
	    0, 64, IPPROTO_ICMP, 0, htonl(from), htonl(ip->src), NULL, 0,
	    packet_libnet, 0) == -1 ||
	    libnet_pblock_coalesce(packet_libnet, &pkt, &n) == -1) {
		log_warnx("%s: %s", __func__, libnet_geterror(packet_libnet));
		goto out;
	}
	if (n > outlen)
		goto out;
	memcpy(out, pkt, n);
	ret = n;
out:
	if (pkt != NULL)
		libnet_adv_free_packet(packet_libnet, pkt);
	libnet_clear_packet(packet_libnet);
	return ret;
}

void
packet_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void
packet_put32(uint8_t *p, uint32_t v)
{
	packet_put16(p, (uint16_t)(v >> 16));
	packet_put16(p + 2, (uint16_t)v);
}

int
packet_ports(const uint8_t *p, const struct packet_ip *ip, uint16_t *sport,
    uint16_t *dport)
{
	const uint8_t	*l4 = p + ip->hlen;

	if ((ip->proto != IPPROTO_TCP && ip->proto != IPPROTO_UDP) ||
	    (ip->frag & 0x1fff) != 0 || ip->len < ip->hlen + 4u)
		return -1;
	*sport = (uint16_t)(l4[0] << 8 | l4[1]);
	*dport = (uint16_t)(l4[2] << 8 | l4[3]);
	return 0;
}

#define TH_FIN	0x01
#define TH_SYN	0x02
#define TH_RST	0x04
#define TH_ACK	0x10

size_t
packet_tcp_rst(const uint8_t *p, const struct packet_ip *ip, int to_sender,
    uint8_t *out, size_t outlen)
{
	const uint8_t	*th = p + ip->hlen;
	uint8_t		*t = out + 20;
	uint32_t	 seq, ack, src, dst;
	uint16_t	 sport, dport;
	size_t		 doff, seglen;
	uint8_t		 flags;

	if (outlen < PACKET_RST_LEN || ip->proto != IPPROTO_TCP ||
	    (ip->frag & 0x1fff) != 0 || ip->len < ip->hlen + 20u)
		return 0;
	doff = (size_t)(th[12] >> 4) * 4;
	if (doff < 20 || ip->hlen + doff > ip->len)
		return 0;
	flags = th[13];
	if ((flags & TH_RST) || (!to_sender && !(flags & TH_ACK)))
		return 0;
	sport = (uint16_t)(th[0] << 8 | th[1]);
	dport = (uint16_t)(th[2] << 8 | th[3]);
	seq = packet_get32(th + 4);
	ack = packet_get32(th + 8);
	seglen = ip->len - ip->hlen - doff + ((flags & TH_SYN) != 0) +
	    ((flags & TH_FIN) != 0);

	memset(out, 0, PACKET_RST_LEN);
	out[0] = 0x45;
	packet_put16(out + 2, PACKET_RST_LEN);
	out[6] = 0x40;		/* DF */
	out[8] = 64;
	out[9] = IPPROTO_TCP;
	src = to_sender ? ip->dst : ip->src;
	dst = to_sender ? ip->src : ip->dst;
	packet_put32(out + 12, src);
	packet_put32(out + 16, dst);
	packet_put16(out + 10, packet_cksum(out, 20));
	packet_put16(t, to_sender ? dport : sport);
	packet_put16(t + 2, to_sender ? sport : dport);
	t[12] = 5 << 4;
	if (!to_sender) {
		packet_put32(t + 4, seq);
		t[13] = TH_RST;
	} else if (flags & TH_ACK) {
		packet_put32(t + 4, ack);
		t[13] = TH_RST;
	} else {
		packet_put32(t + 8, seq + (uint32_t)seglen);
		t[13] = TH_RST | TH_ACK;
	}
	/* Checksum over the pseudo header (RFC 793 3.1) and the header. */
	packet_put16(t + 16, packet_l4_cksum(packet_get32(out + 12),
	    packet_get32(out + 16), IPPROTO_TCP, t, 20));
	return PACKET_RST_LEN;
}

void
packet_icmp_set_mtu(uint8_t *icmp, size_t len, uint16_t mtu)
{
	uint8_t		*h;
	size_t		 hlen;
	uint16_t	 c;

	if (len < 20 || (hlen = (size_t)(icmp[0] & 0x0f) * 4) + 8 > len)
		return;
	h = icmp + hlen;
	h[6] = (uint8_t)(mtu >> 8);
	h[7] = (uint8_t)mtu;
	h[2] = h[3] = 0;
	c = packet_cksum(h, len - hlen);
	h[2] = (uint8_t)(c >> 8);
	h[3] = (uint8_t)c;
}
