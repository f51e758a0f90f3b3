/* SPDX-License-Identifier: ISC */
/*
 * packet.h - IPv4 packets as the router sees them: header checks and the
 * ICMP errors netd answers with.
 */
#ifndef BERTH_PACKET_H
#define BERTH_PACKET_H

#include <stddef.h>
#include <stdint.h>

#define PACKET_MAX	65536	/* largest packet a tun read returns */
#define PACKET_ICMP_MAX	(20 + 8 + 60 + 8)	/* our errors: ip, icmp,
						   quoted header + 8 */
#define PACKET_RST_LEN	40	/* ip + tcp, no options */

/* Why a packet was refused; counters are kept per reason. */
enum packet_err {
	PACKET_OK = 0,
	PACKET_SHORT,		/* fewer than 20 bytes */
	PACKET_VERSION,		/* not IPv4 */
	PACKET_HDRLEN,		/* IHL < 5 or beyond the read length */
	PACKET_TOTLEN,		/* total length < IHL or > read length */
	PACKET_CHECKSUM,	/* header checksum wrong */
	PACKET_PARTIAL,		/* partial checksum outside the transport */
	PACKET_NERR
};

/*
 * A transport checksum left to the receiver (Linux CHECKSUM_PARTIAL; on
 * a tun, virtio_net_hdr with VIRTIO_NET_HDR_F_NEEDS_CSUM, tun_linux.c).
 * start == 0: the packet is complete. Else the 16 bits at start + off
 * hold only the pseudo-header sum, not complemented, and the checksum
 * over bytes [start, total length) is still to be computed: a kernel
 * that delivers the packet locally trusts it as it is, one that sends it
 * out computes it. Bytes changed past start need no checksum update;
 * the pseudo header (addresses, length) would.
 */
struct packet_csum {
	uint16_t	 start;
	uint16_t	 off;
};

struct packet_ip {
	uint32_t	 src, dst;	/* host order */
	uint16_t	 len;		/* total length: what to forward */
	uint16_t	 frag;		/* flags and offset, host order */
	uint8_t		 hlen;		/* header bytes */
	uint8_t		 proto;
	uint8_t		 ttl;
	struct packet_csum csum;	/* packet_set_csum(); zero: complete */
};

/*
 * Check the IPv4 header of the len bytes at p and fill ip. Bytes past
 * the total length (none from a tun) are ignored, not forwarded.
 */
enum packet_err	 packet_parse(const uint8_t *p, size_t len,
		    struct packet_ip *ip);
const char	*packet_err_name(enum packet_err);
/* Big-endian (network order) stores. */
void		 packet_put16(uint8_t *p, uint16_t v);
void		 packet_put32(uint8_t *p, uint32_t v);
/*
 * Record in ip (parsed) that its checksum is partial as c says (NULL or
 * c->start == 0: complete): PACKET_PARTIAL when the field or the range
 * is not inside the transport part of the packet.
 */
enum packet_err	 packet_set_csum(struct packet_ip *ip,
		    const struct packet_csum *c);
/* Compute a partial checksum (ip->csum) into the packet at p; ip says
 * complete afterwards. */
void		 packet_csum_finish(uint8_t *p, struct packet_ip *ip);
/* The Internet checksum (RFC 1071) of len bytes. */
uint16_t	 packet_cksum(const void *p, size_t len);
/*
 * The TCP/UDP checksum (RFC 768, RFC 793 3.1) of the len bytes of a
 * transport header and data at p, with the pseudo header of src, dst
 * and proto (host order); the field itself included, 0 when right.
 */
uint16_t	 packet_l4_cksum(uint32_t src, uint32_t dst, uint8_t proto,
		    const void *p, size_t len);
/*
 * Whether an ICMP error may answer this packet (RFC 1812 4.3.2.7): not
 * for ICMP errors, non-first fragments, or sources that are not a
 * unicast host.
 */
int		 packet_may_answer(const uint8_t *p, const struct packet_ip *ip);
/*
 * Build an ICMP destination unreachable (code: 1 host, 0 net) from
 * "from" to the sender of the packet at p, quoting its header and first
 * 8 bytes of data (RFC 792), with libnet. Returns the length written to
 * out (at least PACKET_ICMP_MAX bytes), 0 on failure.
 */
size_t		 packet_icmp_unreach(const uint8_t *p,
		    const struct packet_ip *ip, uint32_t from, uint8_t code,
		    uint8_t *out, size_t outlen);
/*
 * Make the unreachable of len bytes at icmp (from packet_icmp_unreach
 * with code 4, fragmentation needed) carry the next-hop MTU (RFC 1191).
 */
void		 packet_icmp_set_mtu(uint8_t *icmp, size_t len, uint16_t mtu);

/* The transport ports of a first fragment (TCP, UDP); -1 if none. */
int		 packet_ports(const uint8_t *p, const struct packet_ip *ip,
		    uint16_t *sport, uint16_t *dport);
/*
 * Build a TCP RST that refuses the TCP segment at p (RFC 793 "Reset
 * Generation"): to_sender, one from the destination to the sender
 * (seq = the segment's ack, or ack = its seq + length when it has no
 * ACK); else one from the sender to the destination (seq = the
 * segment's seq), only for a segment with ACK, which cuts the
 * receiver's half of an established connection. Returns
 * PACKET_RST_LEN, or 0 when none is due (not TCP, a RST, a fragment, a
 * short header, or no ACK for the receiver's).
 */
size_t		 packet_tcp_rst(const uint8_t *p, const struct packet_ip *ip,
		    int to_sender, uint8_t *out, size_t outlen);

#endif
