/* SPDX-License-Identifier: ISC */
/*
 * caprec.h - the capture stream between berth-netd and berth capture,
 * and a tcpdump -n like line for one packet.
 *
 * DOC: the capture stream
 * After netd answers a "capture" request, the control connection
 * carries records from netd to the client, each a CAPREC_HDRLEN header
 * (big endian) and caplen bytes of the packet, an IPv4 datagram:
 *	uint8_t  type;		CAPREC_PACKET or CAPREC_END
 *	uint8_t  drop;		0: forwarded, else netd's drop reason
 *	uint16_t zero;
 *	uint32_t caplen;	bytes that follow, <= CAPREC_MAX
 *	uint32_t origlen;	the packet's length (END: packets matched)
 *	uint32_t sec, usec;	when netd routed it (END: when it ended)
 *	uint32_t lost;		packets this capture lost so far, its
 *				queue being full (a slow reader)
 * The END record is the last thing netd writes; then it closes.
 */
#ifndef BERTH_CAPREC_H
#define BERTH_CAPREC_H

#include <stddef.h>
#include <stdint.h>

#define CAPREC_HDRLEN	24
#define CAPREC_MAX	65535		/* an IPv4 datagram */
#define CAPREC_PACKET	1
#define CAPREC_END	2

struct caprec {
	uint8_t		 type;
	uint8_t		 drop;
	uint32_t	 caplen;
	uint32_t	 origlen;
	uint32_t	 sec, usec;
	uint32_t	 lost;
};

void	 caprec_encode(const struct caprec *, uint8_t out[CAPREC_HDRLEN]);
/* Check and decode a header; -1 with *cause when it is not one. */
int	 caprec_decode(const uint8_t in[CAPREC_HDRLEN], struct caprec *,
	    char **cause);

/*
 * The addresses of an IPv4 packet (host order); -1 when it is too short
 * or not IPv4.
 */
int	 caprec_addrs(const uint8_t *pkt, size_t len, uint32_t *src,
	    uint32_t *dst);
/*
 * Describe a packet as tcpdump -n does after the time: "IP 10.0.0.2.
 * 41000 > 10.0.0.3.80: Flags [S], length 0". caplen bytes are there,
 * origlen is the packet's length. Always NUL terminates out.
 */
void	 caprec_describe(const uint8_t *pkt, size_t caplen, size_t origlen,
	    char *out, size_t outlen);

#endif
