/* SPDX-License-Identifier: ISC */
/*
 * test_packet.c - IPv4 header validation and ICMP errors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "packet.h"
#include "pkt.h"

static void
test_parse_ok(void **state)
{
	uint8_t			 p[128];
	struct packet_ip	 ip;
	size_t			 n;

	(void)state;
	n = pkt_ipv4(p, 0x0af00002, 0x0af00003, 6, 40, 64);
	assert_int_equal(packet_parse(p, n, &ip), PACKET_OK);
	assert_int_equal(ip.src, 0x0af00002);
	assert_int_equal(ip.dst, 0x0af00003);
	assert_int_equal(ip.proto, 6);
	assert_int_equal(ip.hlen, 20);
	assert_int_equal(ip.len, 60);
	assert_int_equal(ip.ttl, 64);
	/* Bytes after the total length are not part of the packet. */
	assert_int_equal(packet_parse(p, n + 7, &ip), PACKET_OK);
	assert_int_equal(ip.len, 60);
	/* Options: IHL 6. */
	n = pkt_ipv4_opts(p, 0x0af00002, 0x0af00003, 17, 8, 4);
	assert_int_equal(packet_parse(p, n, &ip), PACKET_OK);
	assert_int_equal(ip.hlen, 24);
}

static void
test_parse_bad(void **state)
{
	uint8_t			 p[128];
	struct packet_ip	 ip;
	size_t			 n;

	(void)state;
	n = pkt_ipv4(p, 0x0af00002, 0x0af00003, 6, 40, 64);
	assert_int_equal(packet_parse(p, 0, &ip), PACKET_SHORT);
	assert_int_equal(packet_parse(p, 19, &ip), PACKET_SHORT);
	/* Truncated: the read has less than the total length. */
	assert_int_equal(packet_parse(p, n - 1, &ip), PACKET_TOTLEN);
	/* IPv6 */
	p[0] = 0x60;
	assert_int_equal(packet_parse(p, n, &ip), PACKET_VERSION);
	/* IHL 4: shorter than the fixed header. */
	n = pkt_ipv4(p, 1, 2, 6, 40, 64);
	p[0] = 0x44;
	pkt_fix_cksum(p, 20);
	assert_int_equal(packet_parse(p, n, &ip), PACKET_HDRLEN);
	/* IHL 15 (60 bytes) in a 30-byte read. */
	n = pkt_ipv4(p, 1, 2, 6, 10, 64);
	p[0] = 0x4f;
	assert_int_equal(packet_parse(p, n, &ip), PACKET_HDRLEN);
	/* Total length below the header length. */
	n = pkt_ipv4(p, 1, 2, 6, 10, 64);
	p[2] = 0;
	p[3] = 19;
	pkt_fix_cksum(p, 20);
	assert_int_equal(packet_parse(p, n, &ip), PACKET_TOTLEN);
	/* A flipped bit in the header. */
	n = pkt_ipv4(p, 1, 2, 6, 10, 64);
	p[15] ^= 0x10;
	assert_int_equal(packet_parse(p, n, &ip), PACKET_CHECKSUM);
	assert_string_equal(packet_err_name(PACKET_CHECKSUM), "checksum");
	assert_string_equal(packet_err_name(PACKET_NERR), "?");
}

static void
test_cksum(void **state)
{
	/* RFC 1071's example: 0001 f203 f4f5 f6f7 sums to ddf2. */
	static const uint8_t	 v[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5,
				    0xf6, 0xf7 };
	static const uint8_t	 odd[] = { 0x12, 0x34, 0x56 };

	(void)state;
	assert_int_equal(packet_cksum(v, sizeof(v)), (uint16_t)~0xddf2);
	assert_int_equal(packet_cksum(odd, 3), (uint16_t)~(0x1234 + 0x5600));
}

static void
test_may_answer(void **state)
{
	uint8_t			 p[128];
	struct packet_ip	 ip;
	size_t			 n;

	(void)state;
	n = pkt_ipv4(p, 0x0af00002, 0x0af00063, 6, 20, 64);
	assert_int_equal(packet_parse(p, n, &ip), PACKET_OK);
	assert_true(packet_may_answer(p, &ip));
	/* ICMP echo request: yes; an ICMP error: never. */
	n = pkt_ipv4(p, 0x0af00002, 0x0af00063, 1, 8, 64);
	p[20] = 8;
	assert_int_equal(packet_parse(p, n, &ip), PACKET_OK);
	assert_true(packet_may_answer(p, &ip));
	p[20] = 3;
	assert_false(packet_may_answer(p, &ip));
	p[20] = 11;
	assert_false(packet_may_answer(p, &ip));
	/* A later fragment. */
	n = pkt_ipv4(p, 0x0af00002, 0x0af00063, 6, 20, 64);
	p[7] = 0x10;
	pkt_fix_cksum(p, 20);
	assert_int_equal(packet_parse(p, n, &ip), PACKET_OK);
	assert_false(packet_may_answer(p, &ip));
	/* Sources that are not a host. */
	n = pkt_ipv4(p, 0, 0x0af00063, 6, 20, 64);
	assert_int_equal(packet_parse(p, n, &ip), PACKET_OK);
	assert_false(packet_may_answer(p, &ip));
	n = pkt_ipv4(p, 0xe0000001, 0x0af00063, 17, 20, 64);
	assert_int_equal(packet_parse(p, n, &ip), PACKET_OK);
	assert_false(packet_may_answer(p, &ip));
}

static void
test_icmp_unreach(void **state)
{
	uint8_t			 p[128], out[PACKET_ICMP_MAX];
	struct packet_ip	 ip, eip;
	size_t			 n, m;

	(void)state;
	n = pkt_ipv4(p, 0x0af00002, 0x0af00063, 6, 40, 64);
	assert_int_equal(packet_parse(p, n, &ip), PACKET_OK);
	m = packet_icmp_unreach(p, &ip, 0x0af00001, 1, out, sizeof(out));
	/* 20 IP + 8 ICMP + the 20-byte header + 8 bytes quoted. */
	assert_int_equal(m, 20 + 8 + 28);
	assert_int_equal(packet_parse(out, m, &eip), PACKET_OK);
	assert_int_equal(eip.src, 0x0af00001);
	assert_int_equal(eip.dst, 0x0af00002);
	assert_int_equal(eip.proto, 1);
	assert_int_equal(out[20], 3);		/* unreachable */
	assert_int_equal(out[21], 1);		/* host */
	assert_int_equal(packet_cksum(out + 20, m - 20), 0);
	assert_memory_equal(out + 28, p, 28);
	/* An error about a packet is never answered again. */
	assert_false(packet_may_answer(out, &eip));
	/* A short packet is quoted whole; a small buffer is refused. */
	n = pkt_ipv4(p, 0x0af00002, 0x0af00063, 17, 2, 64);
	assert_int_equal(packet_parse(p, n, &ip), PACKET_OK);
	assert_int_equal(packet_icmp_unreach(p, &ip, 0x0af00001, 1, out,
	    sizeof(out)), 20 + 8 + 22);
	assert_int_equal(packet_icmp_unreach(p, &ip, 0x0af00001, 1, out, 10),
	    0);
}

/* A partial checksum: where it may be, and finishing it. */
static void
test_csum_partial(void **state)
{
	uint8_t			 p[128], full[128];
	struct packet_ip	 ip;
	struct packet_csum	 c;
	size_t			 n;

	(void)state;
	n = pkt_ipv4(p, 0x0af00002, 0x0af00003, 6, 40, 64);
	/* The complete packet's TCP checksum, for comparison. */
	memcpy(full, p, n);
	pkt_partial(full, n, &c);
	assert_int_equal(packet_parse(full, n, &ip), PACKET_OK);
	assert_int_equal(packet_set_csum(&ip, &c), PACKET_OK);
	packet_csum_finish(full, &ip);
	assert_int_equal(ip.csum.start, 0);
	assert_int_equal(pkt_l4_sum(full, n), 0);
	/* NULL and start 0 say complete. */
	assert_int_equal(packet_parse(p, n, &ip), PACKET_OK);
	assert_int_equal(packet_set_csum(&ip, NULL), PACKET_OK);
	assert_int_equal(ip.csum.start, 0);
	/* Outside the transport part: in the IP header, past the end. */
	assert_int_equal(packet_set_csum(&ip, &(struct packet_csum){ 10, 0 }),
	    PACKET_PARTIAL);
	assert_int_equal(packet_set_csum(&ip, &(struct packet_csum){ 20, 40 }),
	    PACKET_PARTIAL);
	assert_int_equal(packet_set_csum(&ip, &(struct packet_csum){ 20, 39 }),
	    PACKET_PARTIAL);
	assert_int_equal(packet_set_csum(&ip, &(struct packet_csum){ 20, 38 }),
	    PACKET_OK);
	assert_int_equal(ip.csum.off, 38);
	/* A fragment has none. */
	ip.frag = 0x2000;
	assert_int_equal(packet_set_csum(&ip, &(struct packet_csum){ 20, 16 }),
	    PACKET_PARTIAL);
	assert_string_equal(packet_err_name(PACKET_PARTIAL),
	    "partial_checksum");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_cksum),
		cmocka_unit_test(test_csum_partial),
		cmocka_unit_test(test_may_answer),
		cmocka_unit_test(test_icmp_unreach),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
