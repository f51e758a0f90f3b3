/* SPDX-License-Identifier: ISC */
/*
 * dnssrv_pkt.c - the DNS server answering, straight from the router, the
 * UDP queries that containers send to the gateway.
 *
 * DOC: Theory of Operation
 * On Linux a container's query to GATEWAY:53 enters the gateway tun;
 * the router reads it and writes it back into the gateway tun; the
 * kernel delivers it to the server's UDP socket (dnssrv.c); the answer
 * leaves by the gateway tun, the router reads it and writes it into the
 * container's tun. That is four tun reads and writes and two socket
 * calls in netd per query, and the kernel's input and output paths
 * twice (bench/dns: 95% of netd's time was in the kernel).
 *
 * Instead the router offers netd every packet it is about to write into
 * the gateway tun, after its hooks (router.h, r->local). A UDP query to
 * the server's address and port, from a container, whose answer comes
 * from the zone (dns_answer() says DNS_REPLY) is answered here: the
 * answer packet (IPv4 and UDP, as the server's socket would have sent
 * it) is routed as if netd had read it from the gateway tun. The hooks
 * (policy, link emulation, capture) see the query and the answer as
 * before, the container's counters move as before; one tun read and
 * one tun write per query remain.
 *
 * Everything else takes the old way, unchanged, by returning 0: TCP,
 * names that are forwarded, queries dns_answer() drops, the host's own
 * queries (from the gateway address), fragments, a UDP length or
 * checksum that does not add up (link emulation's corruption: the
 * kernel drops those), source port 0. A query whose checksum the kernel
 * left partial (the tuns' offload, tun.h) is not summed: the kernel
 * trusts such a packet when it delivers it, and so does this.
 */
#include <netinet/in.h>

#include <string.h>

#include "dns.h"
#include "dnssrv.h"
#include "dnssrv_int.h"
#include "packet.h"
#include "router.h"

#define DNSSRV_HDRS	(20 + 8)	/* IPv4 without options, UDP */

static uint16_t
dnssrv_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

int
dnssrv_router_local(void *arg, struct router *r, const uint8_t *pkt,
    const struct router_verdict *v)
{
	struct dnssrv		*s = arg;
	const struct packet_ip	*ip = &v->ip;
	const uint8_t		*u = pkt + ip->hlen;
	uint8_t			*o = s->pkt;
	size_t			 ulen, outlen;
	uint16_t		 sport, sum;

	/* From a container, to the server, UDP, not a fragment. */
	if (ip->proto != IPPROTO_UDP || ip->dst != s->addr ||
	    v->from == NULL || v->from->gateway ||
	    (ip->frag & 0x3fff) != 0 || ip->len < ip->hlen + 8u ||
	    dnssrv_get16(u + 2) != s->port)
		return 0;
	sport = dnssrv_get16(u);
	ulen = dnssrv_get16(u + 4);
	if (sport == 0 || ulen < 8 || ulen > (size_t)(ip->len - ip->hlen) ||
	    (ip->csum.start == 0 && dnssrv_get16(u + 6) != 0 &&
	    packet_l4_cksum(ip->src, ip->dst, IPPROTO_UDP, u, ulen) != 0))
		return 0;
	if (dns_answer(s->zone, ip->src, u + 8, ulen - 8, 0, o + DNSSRV_HDRS,
	    DNS_EDNS_MAX, &outlen) != DNS_REPLY)
		return 0;
	s->st.udp_queries++;
	s->st.answered++;
	/* Delivered to the gateway, as far as its counters go. */
	v->to->c.tx_packets++;
	v->to->c.tx_bytes += ip->len;

	ulen = 8 + outlen;
	memset(o, 0, DNSSRV_HDRS);
	o[0] = 0x45;
	packet_put16(o + 2, (uint16_t)(20 + ulen));
	packet_put16(o + 4, s->ipid++);
	o[6] = 0x40;		/* DF, as a socket's datagram that fits */
	o[8] = 64;
	o[9] = IPPROTO_UDP;
	packet_put32(o + 12, s->addr);
	packet_put32(o + 16, ip->src);
	packet_put16(o + 10, packet_cksum(o, 20));
	packet_put16(o + 20, s->port);
	packet_put16(o + 22, sport);
	packet_put16(o + 24, (uint16_t)ulen);
	sum = packet_l4_cksum(s->addr, ip->src, IPPROTO_UDP, o + 20, ulen);
	packet_put16(o + 26, sum != 0 ? sum : 0xffff);
	router_packet(r, r->gw, o, 20 + ulen, NULL);
	return 1;
}
