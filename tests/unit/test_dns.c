/* SPDX-License-Identifier: ISC */
/*
 * test_dns.c - DNS: the answers of the berth zone (A, AAAA, PTR, bare
 * names in a stack, NXDOMAIN, forward), malformed queries (FORMERR,
 * NOTIMP, BADVERS, dropped), compression loops, truncation, EDNS, the
 * /etc/hosts block editor and its kept lines; then the server on loopback: UDP, TCP
 * (pipelined, split, bad framing, connection cap), forwarding to a fake
 * upstream (ID mapping, bogus replies ignored, SERVFAIL on timeout),
 * and a flood of garbage it survives.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "addr.h"
#include "dns.h"
#include "dnssrv.h"
#include "ev.h"
#include "util.h"

#define POOL_NET	0x0af00000u	/* 10.240.0.0/16 */
#define GW		(POOL_NET + 1)
#define WEB		(POOL_NET + 10)
#define DB		(POOL_NET + 11)
#define LONE		(POOL_NET + 12)
#define OTHERDB		(POOL_NET + 13)
#define OUTSIDE		0xc0000201u	/* 192.0.2.1 */
#define LO		0x7f000001u

static struct dns_zone *
zone(void)
{
	struct cidr	 pool = { POOL_NET, 16 };
	struct dns_zone	*z = dns_zone_new(&pool, GW);

	dns_zone_add(z, "shop-web", WEB, "shop", "web");
	dns_zone_add(z, "shop-db", DB, "shop", "db");
	dns_zone_add(z, "lone", LONE, NULL, NULL);
	dns_zone_add(z, "blog-db", OTHERDB, "blog", "db");
	return z;
}

/* A query for name (dotted); edns: add an OPT (version edns - 1). */
static size_t
mkquery(uint8_t *b, uint16_t id, const char *name, uint16_t type, int edns)
{
	size_t		 n = 12, l;
	const char	*p = name, *dot;

	memset(b, 0, 12);
	b[0] = id >> 8;
	b[1] = id & 0xff;
	b[2] = 0x01;			/* RD */
	b[5] = 1;
	while (*p != '\0') {
		dot = strchr(p, '.');
		l = dot != NULL ? (size_t)(dot - p) : strlen(p);
		b[n++] = (uint8_t)l;
		memcpy(b + n, p, l);
		n += l;
		p += l + (dot != NULL);
	}
	b[n++] = 0;
	b[n++] = type >> 8;
	b[n++] = type & 0xff;
	b[n++] = 0;
	b[n++] = 1;
	if (edns) {
		static const uint8_t opt[] = { 0, 0, 41, 0x04, 0xd0, 0, 0,
		    0, 0, 0, 0 };

		memcpy(b + n, opt, sizeof(opt));
		b[n + 6] = (uint8_t)(edns - 1);		/* version */
		n += sizeof(opt);
		b[11] = 1;
	}
	return n;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

#define RCODE(b)	((b)[3] & 0x0f)
#define ANCOUNT(b)	get16((b) + 6)
#define NSCOUNT(b)	get16((b) + 8)
#define ARCOUNT(b)	get16((b) + 10)

/* Offset after the name at off (pointers end a name). */
static size_t
skip_name(const uint8_t *b, size_t off)
{
	while (b[off] != 0) {
		if ((b[off] & 0xc0) == 0xc0)
			return off + 2;
		off += 1 + b[off];
	}
	return off + 1;
}

/* Offset of the first answer RR. */
static size_t
first_rr(const uint8_t *b)
{
	return skip_name(b, 12) + 4;
}

struct ans {
	enum dns_verdict	 v;
	uint8_t			 b[DNS_MSG_MAX];
	size_t			 len;
};

static struct ans	 A;

static enum dns_verdict
ask(const struct dns_zone *z, uint32_t client, const char *name,
    uint16_t type)
{
	uint8_t	 q[512];
	size_t	 n = mkquery(q, 0x1234, name, type, 0);

	A.v = dns_answer(z, client, q, n, 0, A.b, sizeof(A.b), &A.len);
	return A.v;
}

/* The A record of the answer: its address, TTL checked. */
static uint32_t
answer_a(void)
{
	size_t	 off = first_rr(A.b);

	assert_int_equal(A.v, DNS_REPLY);
	assert_int_equal(RCODE(A.b), DNS_R_NOERROR);
	assert_int_equal(ANCOUNT(A.b), 1);
	off = skip_name(A.b, off);
	assert_int_equal(get16(A.b + off), DNS_T_A);
	assert_int_equal(get16(A.b + off + 6), DNS_TTL);
	assert_int_equal(get16(A.b + off + 8), 4);
	return (uint32_t)get16(A.b + off + 10) << 16 | get16(A.b + off + 12);
}

static void
test_names(void **state)
{
	struct dns_zone	*z = zone();

	ask(z, OUTSIDE, "shop-web.berth", DNS_T_A);
	assert_int_equal(answer_a(), WEB);
	assert_true(A.b[2] & 0x04);			/* AA */
	assert_true(A.b[2] & 0x80);			/* QR */
	assert_int_equal(A.b[0], 0x12);			/* ID echoed */
	/* Case-insensitive, and the question echoed as asked. */
	ask(z, OUTSIDE, "Shop-WEB.Berth", DNS_T_A);
	assert_int_equal(answer_a(), WEB);
	assert_memory_equal(A.b + 13, "Shop-WEB", 8);
	ask(z, OUTSIDE, "host.berth", DNS_T_A);
	assert_int_equal(answer_a(), GW);
	ask(z, WEB, "lone.berth", DNS_T_ANY);
	assert_int_equal(answer_a(), LONE);
	/* Service of a stack, from anywhere. */
	ask(z, OUTSIDE, "db.shop.berth", DNS_T_A);
	assert_int_equal(answer_a(), DB);
	ask(z, OUTSIDE, "db.blog.berth", DNS_T_A);
	assert_int_equal(answer_a(), OTHERDB);
	/* AAAA of a known name: no data, not an error; SOA for caching. */
	ask(z, OUTSIDE, "shop-web.berth", DNS_T_AAAA);
	assert_int_equal(A.v, DNS_REPLY);
	assert_int_equal(RCODE(A.b), DNS_R_NOERROR);
	assert_int_equal(ANCOUNT(A.b), 0);
	assert_int_equal(NSCOUNT(A.b), 1);
	ask(z, OUTSIDE, "nope.berth", DNS_T_A);
	assert_int_equal(RCODE(A.b), DNS_R_NXDOMAIN);
	assert_int_equal(NSCOUNT(A.b), 1);
	assert_true(A.b[2] & 0x04);
	ask(z, OUTSIDE, "a.b.c.berth", DNS_T_A);
	assert_int_equal(RCODE(A.b), DNS_R_NXDOMAIN);
	ask(z, OUTSIDE, "we_b.berth", DNS_T_A);
	assert_int_equal(RCODE(A.b), DNS_R_NXDOMAIN);
	ask(z, OUTSIDE, "berth", DNS_T_SOA);
	assert_int_equal(RCODE(A.b), DNS_R_NOERROR);
	assert_int_equal(ANCOUNT(A.b), 1);
	/* Everything else is forwarded. */
	assert_int_equal(ask(z, WEB, "example.com", DNS_T_A), DNS_FORWARD);
	assert_int_equal(ask(z, WEB, "berth.example", DNS_T_A), DNS_FORWARD);
	assert_int_equal(ask(z, WEB, "", DNS_T_NS), DNS_FORWARD);
	dns_zone_free(z);
}

static void
test_bare(void **state)
{
	struct dns_zone	*z = zone();

	/* A stack's service by its bare name, and NAME.berth, from inside. */
	ask(z, WEB, "db", DNS_T_A);
	assert_int_equal(answer_a(), DB);
	ask(z, WEB, "DB", DNS_T_A);
	assert_int_equal(answer_a(), DB);
	ask(z, WEB, "db.berth", DNS_T_A);
	assert_int_equal(answer_a(), DB);
	/* Another stack's "db" is its own. */
	ask(z, OTHERDB, "db", DNS_T_A);
	assert_int_equal(answer_a(), OTHERDB);
	/* Not in a stack: "db" is not ours, "db.berth" does not exist. */
	assert_int_equal(ask(z, LONE, "db", DNS_T_A), DNS_FORWARD);
	ask(z, LONE, "db.berth", DNS_T_A);
	assert_int_equal(RCODE(A.b), DNS_R_NXDOMAIN);
	/* Bare container names resolve from anywhere. */
	ask(z, OUTSIDE, "lone", DNS_T_A);
	assert_int_equal(answer_a(), LONE);
	ask(z, WEB, "db", DNS_T_AAAA);
	assert_int_equal(RCODE(A.b), DNS_R_NOERROR);
	assert_int_equal(ANCOUNT(A.b), 0);
	assert_int_equal(ask(z, WEB, "localhost", DNS_T_A), DNS_FORWARD);
	dns_zone_free(z);
}

static void
test_ptr(void **state)
{
	struct dns_zone	*z = zone();
	size_t		 off;

	ask(z, OUTSIDE, "10.0.240.10.in-addr.arpa", DNS_T_PTR);
	assert_int_equal(A.v, DNS_REPLY);
	assert_int_equal(ANCOUNT(A.b), 1);
	off = skip_name(A.b, first_rr(A.b));
	assert_int_equal(get16(A.b + off), DNS_T_PTR);
	assert_int_equal(get16(A.b + off + 8), 16);
	assert_memory_equal(A.b + off + 10, "\x08shop-web\x05" "berth\x00", 16);
	ask(z, OUTSIDE, "1.0.240.10.IN-ADDR.ARPA", DNS_T_PTR);
	off = skip_name(A.b, first_rr(A.b));
	assert_memory_equal(A.b + off + 10, "\x04host\x05" "berth\x00", 12);
	ask(z, OUTSIDE, "99.0.240.10.in-addr.arpa", DNS_T_PTR);
	assert_int_equal(RCODE(A.b), DNS_R_NXDOMAIN);
	assert_int_equal(ask(z, OUTSIDE, "1.2.0.192.in-addr.arpa",
	    DNS_T_PTR), DNS_FORWARD);
	/* 127/8 is answered here: a container's own loopback, or NXDOMAIN */
	ask(z, OUTSIDE, "10.0.240.127.in-addr.arpa", DNS_T_PTR);
	assert_int_equal(A.v, DNS_REPLY);
	off = skip_name(A.b, first_rr(A.b));
	assert_memory_equal(A.b + off + 10, "\x08shop-web\x05" "berth\x00", 16);
	ask(z, OUTSIDE, "1.0.0.127.in-addr.arpa", DNS_T_PTR);
	assert_int_equal(A.v, DNS_REPLY);
	assert_int_equal(RCODE(A.b), DNS_R_NXDOMAIN);
	ask(z, OUTSIDE, "99.0.240.127.in-addr.arpa", DNS_T_PTR);
	assert_int_equal(RCODE(A.b), DNS_R_NXDOMAIN);
	ask(z, OUTSIDE, "1.0.240.127.in-addr.arpa", DNS_T_PTR);
	assert_int_equal(RCODE(A.b), DNS_R_NXDOMAIN);
	assert_int_equal(ask(z, OUTSIDE, "010.0.240.10.in-addr.arpa",
	    DNS_T_PTR), DNS_FORWARD);
	assert_int_equal(ask(z, OUTSIDE, "256.0.240.10.in-addr.arpa",
	    DNS_T_PTR), DNS_FORWARD);
	dns_zone_free(z);
}

static void
test_zone_changes(void **state)
{
	struct dns_zone	*z = zone();

	assert_int_equal(dns_zone_count(z), 4);
	dns_zone_del(z, "shop-db");
	ask(z, WEB, "db", DNS_T_A);
	assert_int_equal(A.v, DNS_FORWARD);
	ask(z, OUTSIDE, "shop-db.berth", DNS_T_A);
	assert_int_equal(RCODE(A.b), DNS_R_NXDOMAIN);
	dns_zone_add(z, "shop-db", DB + 100, "shop", "db");
	ask(z, WEB, "db", DNS_T_A);
	assert_int_equal(answer_a(), DB + 100);
	/* Re-adding a name replaces it. */
	dns_zone_add(z, "shop-db", DB, "shop", "db");
	assert_int_equal(dns_zone_count(z), 4);
	assert_int_equal(dns_zone_addr(z, "shop-db"), DB);
	ask(z, OUTSIDE, "111.0.240.10.in-addr.arpa", DNS_T_PTR);
	assert_int_equal(RCODE(A.b), DNS_R_NXDOMAIN);
	dns_zone_del(z, "nothing");
	dns_zone_free(z);
}

static enum dns_verdict
raw(const struct dns_zone *z, const uint8_t *q, size_t n)
{
	A.v = dns_answer(z, OUTSIDE, q, n, 0, A.b, sizeof(A.b), &A.len);
	return A.v;
}

/* The rcode of the answer to q, -1 when there is none. */
static int
rc(const struct dns_zone *z, const uint8_t *q, size_t n)
{
	return raw(z, q, n) == DNS_REPLY ? RCODE(A.b) : -1;
}

static void
test_malformed(void **state)
{
	static const struct {
		size_t	 off;
		uint8_t	 val;
		int	 rcode;
	} bad[] = {
		{ 2, 0x81, -1 },
		{ 2, 2 << 3, DNS_R_NOTIMP },
		{ 2, 5 << 3, DNS_R_NOTIMP },
		{ 5, 0, DNS_R_FORMERR },
		{ 5, 2, DNS_R_FORMERR },
		{ 7, 1, DNS_R_FORMERR },
		{ 12, 60, DNS_R_FORMERR },
		{ 12, 0x48, DNS_R_FORMERR },
		{ 12, 0x88, DNS_R_FORMERR },
	};
	struct dns_zone	*z = zone();
	uint8_t		 q[1024];
	size_t		 n, i;

	n = mkquery(q, 1, "shop-web.berth", DNS_T_A, 0);
	/* Too short for a header: dropped. Truncated question: FORMERR. */
	for (i = 0; i < 12; i++)
		assert_int_equal(raw(z, q, i), DNS_DROP);
	for (i = 12; i < n; i++) {
		assert_int_equal(raw(z, q, i), DNS_REPLY);
		assert_int_equal(RCODE(A.b), DNS_R_FORMERR);
		assert_int_equal(get16(A.b + 4), 0);	/* no question */
	}
	/* One byte changed: a response (never answered), opcodes STATUS
	 * and UPDATE, QDCOUNT 0 and 2, an answer record in a query, a
	 * label past the end, label types 0x40 and 0x80. */
	for (i = 0; i < nitems(bad); i++) {
		mkquery(q, 1, "shop-web.berth", DNS_T_A, 0);
		q[bad[i].off] = bad[i].val;
		if (bad[i].rcode == -1) {
			assert_int_equal(raw(z, q, n), DNS_DROP);
			continue;
		}
		assert_int_equal(raw(z, q, n), DNS_REPLY);
		assert_int_equal(RCODE(A.b), bad[i].rcode);
	}
	/* A name over 255 bytes: 5 labels of 63. */
	n = 12;
	for (i = 0; i < 5; i++) {
		q[n++] = 63;
		memset(q + n, 'a', 63);
		n += 63;
	}
	q[n++] = 0;
	memcpy(q + n, "\0\1\0\1", 4);
	n += 4;
	assert_int_equal(rc(z, q, n), DNS_R_FORMERR);
	/* Trailing bytes after the question are tolerated. */
	n = mkquery(q, 1, "shop-web.berth", DNS_T_A, 0);
	memset(q + n, 0xee, 10);
	assert_int_equal(rc(z, q, n + 10), DNS_R_NOERROR);
	dns_zone_free(z);
}

static void
test_compression(void **state)
{
	struct dns_zone	*z = zone();
	uint8_t		 q[64];

	/* Pointer to itself, forward pointer, two that point at each
	 * other: all refused, none followed for ever. */
	static const uint8_t self[] = { 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0,
	    0xc0, 12, 0, 1, 0, 1 };
	static const uint8_t fwd[] = { 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0,
	    0xc0, 14, 0, 0, 0, 1, 0, 1 };
	static const uint8_t pair[] = { 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0,
	    1, 'a', 0xc0, 15, 0xc0, 12, 0, 1, 0, 1 };
	/* Backwards into the header: offset 4 holds 0x00 0x01, the root
	 * name, so this is a question for "." and is forwarded. */
	static const uint8_t back[] = { 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0,
	    0xc0, 4, 0, 2, 0, 1 };

	assert_int_equal(rc(z, self, sizeof(self)), DNS_R_FORMERR);
	assert_int_equal(rc(z, fwd, sizeof(fwd)), DNS_R_FORMERR);
	assert_int_equal(rc(z, pair, sizeof(pair)), DNS_R_FORMERR);
	assert_int_equal(raw(z, back, sizeof(back)), DNS_FORWARD);
	/* A pointer cut in half. */
	memcpy(q, back, 13);
	assert_int_equal(rc(z, q, 13), DNS_R_FORMERR);
	dns_zone_free(z);
}

static void
test_edns(void **state)
{
	struct dns_zone	*z = zone();
	uint8_t		 q[512];
	size_t		 n, off;

	n = mkquery(q, 7, "shop-web.berth", DNS_T_A, 1);
	assert_int_equal(rc(z, q, n), DNS_R_NOERROR);
	assert_int_equal(ANCOUNT(A.b), 1);
	assert_int_equal(ARCOUNT(A.b), 1);
	off = skip_name(A.b, first_rr(A.b)) + 14;	/* after the A */
	assert_int_equal(A.b[off], 0);
	assert_int_equal(get16(A.b + off + 1), DNS_T_OPT);
	assert_int_equal(get16(A.b + off + 3), DNS_EDNS_MAX);
	assert_int_equal(off + 11, A.len);
	/* Forwarded names keep EDNS: the query goes on as it is. */
	n = mkquery(q, 7, "example.org", DNS_T_A, 1);
	assert_int_equal(raw(z, q, n), DNS_FORWARD);
	/* Version 1: BADVERS, with an OPT carrying the upper bits. */
	n = mkquery(q, 7, "shop-web.berth", DNS_T_A, 2);
	assert_int_equal(rc(z, q, n), DNS_R_BADVERS & 0xf);
	assert_int_equal(ARCOUNT(A.b), 1);
	assert_int_equal(A.b[A.len - 6], DNS_R_BADVERS >> 4);
	/* Two OPT records: FORMERR. */
	n = mkquery(q, 7, "shop-web.berth", DNS_T_A, 1);
	memcpy(q + n, q + n - 11, 11);
	q[11] = 2;
	assert_int_equal(rc(z, q, n + 11), DNS_R_FORMERR);
	/* An OPT that runs past the end. */
	n = mkquery(q, 7, "shop-web.berth", DNS_T_A, 1);
	q[n - 1] = 40;
	assert_int_equal(rc(z, q, n), DNS_R_FORMERR);
	dns_zone_free(z);
}

static void
test_truncation_class(void **state)
{
	struct dns_zone	*z = zone();
	uint8_t		 q[512];
	char		 name[300];
	size_t		 n, i, full;

	/* A long unknown name under berth: question + SOA. */
	for (i = 0; i < 3; i++)
		memset(name + i * 64, 'x', 63), name[i * 64 + 63] = '.';
	strcpy(name + 192, "berth");
	n = mkquery(q, 9, name, DNS_T_A, 0);
	A.v = dns_answer(z, OUTSIDE, q, n, 0, A.b, sizeof(A.b), &A.len);
	assert_int_equal(RCODE(A.b), DNS_R_NXDOMAIN);
	assert_false(A.b[2] & 0x02);
	full = A.len;
	/* Less room than that (a small client limit): TC, no records. */
	A.v = dns_answer(z, OUTSIDE, q, n, 0, A.b, full - 1, &A.len);
	assert_int_equal(A.v, DNS_REPLY);
	assert_true(A.b[2] & 0x02);
	assert_int_equal(ANCOUNT(A.b) + NSCOUNT(A.b), 0);
	assert_int_equal(A.len, n);
	/* Not even room for the question: dropped. */
	A.v = dns_answer(z, OUTSIDE, q, n, 0, A.b, n - 1, &A.len);
	assert_int_equal(A.v, DNS_DROP);
	/* Class CH for a berth name: REFUSED. */
	n = mkquery(q, 9, "shop-web.berth", DNS_T_A, 0);
	q[n - 1] = 3;
	assert_int_equal(rc(z, q, n), DNS_R_REFUSED);
	dns_zone_free(z);
}

/* Random and mutated queries: no crash, no answer larger than asked. */
static void
test_garbage(void **state)
{
	struct dns_zone	*z = zone();
	uint8_t		 q[600], base[600];
	size_t		 n, bn, i, j;

	srandom(7);
	bn = mkquery(base, 1, "shop-web.berth", DNS_T_A, 1);
	for (i = 0; i < 200000; i++) {
		if (i % 2) {
			n = (size_t)random() % sizeof(q);
			for (j = 0; j < n; j++)
				q[j] = (uint8_t)random();
		} else {
			memcpy(q, base, bn);
			n = bn;
			for (j = 0; j < 1 + (size_t)random() % 4; j++)
				q[(size_t)random() % bn] = (uint8_t)random();
		}
		A.v = dns_answer(z, WEB, q, n, 0, A.b, DNS_EDNS_MAX, &A.len);
		if (A.v == DNS_REPLY)
			assert_true(A.len >= 12 && A.len <= DNS_EDNS_MAX);
	}
	dns_zone_free(z);
}

static void
test_hosts(void **state)
{
	struct dns_zone	*z = zone();
	char		*t, *u;
	const char	*old = "127.0.0.1\tlocalhost\n"
	    "# BEGIN berth bti10\n1.2.3.4\tx.berth\n# END berth bti10\n"
	    "::1\tlocalhost";

	t = dns_hosts_edit(old, "bti1", z);
	/* The other instance's block and the last line are kept. */
	assert_non_null(strstr(t, "# BEGIN berth bti10\n1.2.3.4\tx.berth\n"
	    "# END berth bti10\n::1\tlocalhost\n# BEGIN berth bti1\n"
	    "10.240.0.1\thost.berth\n"
	    "10.240.0.10\tshop-web.berth web.shop.berth\n"
	    "10.240.0.11\tshop-db.berth db.shop.berth\n"
	    "10.240.0.12\tlone.berth\n"
	    "10.240.0.13\tblog-db.berth db.blog.berth\n"
	    "# END berth bti1\n"));
	assert_int_equal(strncmp(t, "127.0.0.1\tlocalhost\n", 20), 0);
	/* Editing again replaces in place; nothing else moves. */
	dns_zone_del(z, "lone");
	u = dns_hosts_edit(t, "bti1", z);
	assert_null(strstr(u, "lone"));
	assert_int_equal(strlen(u), strlen(t) - strlen("10.240.0.12\t"
	    "lone.berth\n"));
	free(t);
	/* Removed: the file as it was (plus the final newline). */
	t = dns_hosts_edit(u, "bti1", NULL);
	assert_string_equal(t, "127.0.0.1\tlocalhost\n"
	    "# BEGIN berth bti10\n1.2.3.4\tx.berth\n# END berth bti10\n"
	    "::1\tlocalhost\n");
	free(t);
	free(u);
	/* An unclosed BEGIN is not ours to eat. */
	t = dns_hosts_edit("# BEGIN berth bti1\n10.0.0.1 a\n", "bti1", NULL);
	assert_string_equal(t, "# BEGIN berth bti1\n10.0.0.1 a\n");
	free(t);
	/* ... and a new block goes before it, so removing it gives that. */
	t = dns_hosts_edit("x\n# BEGIN berth bti1\n10.0.0.1 a\n", "bti1", z);
	assert_non_null(strstr(t, "# END berth bti1\n# BEGIN berth bti1\n"
	    "10.0.0.1 a\n"));
	u = dns_hosts_edit(t, "bti1", NULL);
	assert_string_equal(u, "x\n# BEGIN berth bti1\n10.0.0.1 a\n");
	free(t);
	free(u);
	/* No file yet; CRLF lines. */
	t = dns_hosts_edit(NULL, "p", NULL);
	assert_string_equal(t, "");
	free(t);
	t = dns_hosts_edit("a\r\n# BEGIN berth p\r\nx\r\n"
	    "# END berth p\r\nb\r\n", "p", NULL);
	assert_string_equal(t, "a\r\nb\r\n");
	free(t);
	dns_zone_free(z);
}

/* The test's own model of a zone: what the hosts block must list. */
struct hrec {
	char		 name[16];
	char		 stack[16];
	char		 service[16];
	uint32_t	 addr;
	int		 present;
};

static int
hrec_cmp(const void *a, const void *b)
{
	const struct hrec	*x = *(const struct hrec *const *)a;
	const struct hrec	*y = *(const struct hrec *const *)b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* The whole block rendered from the model, as the file must have it. */
static char *
hrec_render(struct hrec *m, size_t n)
{
	struct hrec	**v = calloc(n + 1, sizeof(*v));
	char		 ab[ADDR_STRLEN], *t;
	size_t		 i, k = 0, len, cap = 128 + n * 80;

	assert_non_null(v);
	assert_non_null(t = malloc(cap));
	for (i = 0; i < n; i++)
		if (m[i].present)
			v[k++] = &m[i];
	qsort(v, k, sizeof(*v), hrec_cmp);
	len = (size_t)snprintf(t, cap, "# BEGIN berth r\n%s\thost.berth\n",
	    addr_fmt(GW, ab));
	for (i = 0; i < k; i++) {
		len += (size_t)snprintf(t + len, cap - len, "%s\t%s.berth",
		    addr_fmt(v[i]->addr, ab), v[i]->name);
		if (v[i]->stack[0] != '\0')
			len += (size_t)snprintf(t + len, cap - len,
			    " %s.%s.berth", v[i]->service, v[i]->stack);
		len += (size_t)snprintf(t + len, cap - len, "\n");
	}
	snprintf(t + len, cap - len, "# END berth r\n");
	free(v);
	return t;
}

/*
 * The hosts block is kept, not rendered again: an add renders its own
 * line and nothing else, a delete and an edit render nothing; after
 * 2,000 random adds, replaces and deletes (addresses shared by some, so
 * ties sort by name) the block is exactly a full render of the model.
 */
static void
test_hosts_kept(void **state)
{
	struct cidr	 pool = { POOL_NET, 16 };
	struct dns_zone	*z = dns_zone_new(&pool, GW);
	struct hrec	*m;
	unsigned long	 before, adds = 0;
	uint32_t	 seed = 15;
	size_t		 n = 1000, i, k;
	char		*t, *want;

	(void)state;
	assert_non_null(m = calloc(n, sizeof(*m)));
	for (i = 0; i < n; i++) {
		snprintf(m[i].name, sizeof(m[i].name), "c%zu", i);
		m[i].addr = POOL_NET + 2 + (uint32_t)i;
		m[i].present = 1;
		dns_zone_add(z, m[i].name, m[i].addr, NULL, NULL);
		adds++;
	}
	/* One create and one delete with 1,000 there: one line, then none. */
	before = dns_zone_rendered(z);
	dns_zone_add(z, "extra", POOL_NET + 5000, "st", "sv");
	assert_int_equal(dns_zone_rendered(z) - before, 1);
	dns_zone_del(z, "extra");
	t = dns_hosts_edit("127.0.0.1\tlocalhost\n", "r", z);
	assert_int_equal(dns_zone_rendered(z) - before, 1);
	free(t);
	adds++;
	for (k = 0; k < 2000; k++) {
		seed = seed * 1103515245u + 12345u;
		i = (seed >> 8) % n;
		if (m[i].present && (seed & 3) == 0) {
			dns_zone_del(z, m[i].name);
			m[i].present = 0;
			continue;
		}
		/* add or replace: a new address, maybe another's too */
		m[i].addr = POOL_NET + 2 + (seed >> 20) % 700;
		m[i].present = 1;
		if ((seed & 4) != 0) {
			snprintf(m[i].stack, sizeof(m[i].stack), "s%u",
			    (seed >> 4) % 7);
			snprintf(m[i].service, sizeof(m[i].service), "v%zu",
			    i);
		} else
			m[i].stack[0] = m[i].service[0] = '\0';
		dns_zone_add(z, m[i].name, m[i].addr,
		    m[i].stack[0] != '\0' ? m[i].stack : NULL,
		    m[i].stack[0] != '\0' ? m[i].service : NULL);
		adds++;
	}
	assert_int_equal(dns_zone_rendered(z), adds);
	want = hrec_render(m, n);
	t = dns_hosts_edit(NULL, "r", z);
	assert_string_equal(t, want);
	assert_int_equal(dns_zone_rendered(z), adds);
	free(t);
	free(want);
	free(m);
	dns_zone_free(z);
}

/* ---------------------------------------------------------------- server */

struct srv {
	struct ev	*ev;
	struct dns_zone	*z;
	struct dnssrv	*s;
	uint16_t	 port;
	int		 upfd;		/* the fake upstream */
	uint16_t	 upport;
	char		 resolv[64];
};

static uint16_t
bound_port(int fd)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);

	getsockname(fd, (struct sockaddr *)&sin, &len);
	return ntohs(sin.sin_port);
}

static int
lo_socket(int type, uint16_t port)
{
	struct sockaddr_in	 sin;
	int			 fd = socket(AF_INET, type, 0);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(LO);
	sin.sin_port = htons(port);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

static void
srv_start(struct srv *t)
{
	struct dnssrv_conf	 c;
	char			*cause = NULL;
	int			 fd, i;

	memset(t, 0, sizeof(*t));
	t->ev = ev_new();
	t->z = zone();
	dns_zone_add(t->z, "me", LO, "shop", "me");
	t->upfd = lo_socket(SOCK_DGRAM, 0);
	t->upport = bound_port(t->upfd);
	snprintf(t->resolv, sizeof(t->resolv), "/tmp/test_dns.%d",
	    (int)getpid());
	assert_int_equal(util_write_file_atomic(t->resolv,
	    "# test\nnameserver 127.0.0.1\n", 29, 0644), 0);
	memset(&c, 0, sizeof(c));
	c.addr = LO;
	c.zone = t->z;
	c.resolv_conf = t->resolv;
	c.upstream_port = t->upport;
	c.try_ms = 100;
	/* A free port for both UDP and TCP: try a few. */
	for (i = 0; i < 20 && t->s == NULL; i++) {
		fd = lo_socket(SOCK_DGRAM, 0);
		c.port = bound_port(fd);
		close(fd);
		t->s = dnssrv_new(&c, t->ev, &cause);
	}
	if (t->s == NULL)
		fail_msg("dnssrv_new: %s", cause);
	t->port = c.port;
}

static void
srv_stop(struct srv *t)
{
	dnssrv_free(t->s);
	dns_zone_free(t->z);
	ev_free(t->ev);
	close(t->upfd);
	unlink(t->resolv);
}

/* Run the server until fd is readable (or ms pass); 1 when it is. */
static int
srv_until(struct srv *t, int fd, int ms)
{
	struct pollfd	 p = { fd, POLLIN, 0 };
	long long	 end = util_now_ms() + ms;

	while (util_now_ms() < end) {
		ev_run_once(t->ev, 5);
		dnssrv_tick(t->s);
		if (poll(&p, 1, 0) == 1)
			return 1;
	}
	return 0;
}

static int
client(struct srv *t, int type)
{
	struct sockaddr_in	 sin;
	int			 fd = socket(AF_INET, type, 0);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(LO);
	sin.sin_port = htons(t->port);
	if (type == SOCK_STREAM)
		util_set_nonblock(fd);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		assert_int_equal(errno, EINPROGRESS);
	if (type == SOCK_STREAM)
		ev_run_once(t->ev, 10);		/* accept */
	return fd;
}

static void
test_srv_udp(void **state)
{
	struct srv	 t;
	uint8_t		 q[512], r[2048];
	size_t		 n;
	ssize_t		 got;
	int		 fd, i;

	srv_start(&t);
	fd = client(&t, SOCK_DGRAM);
	n = mkquery(q, 0xbeef, "shop-web.berth", DNS_T_A, 0);
	assert_int_equal(send(fd, q, n, 0), (ssize_t)n);
	assert_true(srv_until(&t, fd, 1000));
	got = recv(fd, r, sizeof(r), 0);
	assert_true(got > 12);
	assert_int_equal(get16(r), 0xbeef);
	assert_int_equal(ANCOUNT(r), 1);
	/* The client is "me" (127.0.0.1) of stack shop: bare "db". */
	n = mkquery(q, 2, "db", DNS_T_A, 0);
	send(fd, q, n, 0);
	assert_true(srv_until(&t, fd, 1000));
	got = recv(fd, r, sizeof(r), 0);
	assert_int_equal(get16(r + got - 4), DB >> 16);
	assert_int_equal(get16(r + got - 2), DB & 0xffff);
	/* Thousands of garbage datagrams, then it still answers. */
	for (i = 0; i < 5000; i++) {
		size_t	 j, len = (size_t)(i * 7919) % 700;

		for (j = 0; j < len; j++)
			q[j % sizeof(q)] = (uint8_t)(i * 31 + j);
		(void)send(fd, q, len % sizeof(q), MSG_DONTWAIT);
		if (i % 64 == 0)
			ev_run_once(t.ev, 0);
	}
	while (srv_until(&t, fd, 50))
		while (recv(fd, r, sizeof(r), MSG_DONTWAIT) > 0)
			;
	n = mkquery(q, 0xcafe, "host.berth", DNS_T_A, 0);
	send(fd, q, n, 0);
	assert_true(srv_until(&t, fd, 1000));
	got = recv(fd, r, sizeof(r), 0);
	assert_int_equal(get16(r), 0xcafe);
	assert_int_equal(get16(r + got - 2), GW & 0xffff);
	assert_true(dnssrv_stats(t.s)->udp_queries > 5000);
	close(fd);
	srv_stop(&t);
}

/* Read one length-prefixed message from a TCP client. */
static ssize_t
tcp_recv(struct srv *t, int fd, uint8_t *r, size_t len)
{
	size_t	 have = 0, need = 2;
	ssize_t	 n;

	while (have < need) {
		if (!srv_until(t, fd, 1000))
			return -1;
		n = recv(fd, r + have, need - have, 0);
		if (n <= 0)
			return n;
		have += (size_t)n;
		if (have == 2 && need == 2) {
			need = 2 + get16(r);
			assert_true(need <= len);
		}
	}
	return (ssize_t)have;
}

static void
test_srv_tcp(void **state)
{
	struct srv	 t;
	uint8_t		 q[1024], r[2048];
	size_t		 n, m;
	int		 fd, fds[DNSSRV_TCP_MAX + 8], i;

	srv_start(&t);
	fd = client(&t, SOCK_STREAM);
	/* Two queries in one write (pipelined), then one in pieces. */
	n = mkquery(q + 2, 1, "shop-web.berth", DNS_T_A, 0);
	q[0] = 0;
	q[1] = (uint8_t)n;
	m = mkquery(q + 4 + n, 2, "nope.berth", DNS_T_A, 0);
	q[2 + n] = 0;
	q[3 + n] = (uint8_t)m;
	assert_int_equal(send(fd, q, n + m + 4, 0), (ssize_t)(n + m + 4));
	assert_true(tcp_recv(&t, fd, r, sizeof(r)) > 0);
	assert_int_equal(get16(r + 2), 1);
	assert_int_equal(ANCOUNT(r + 2), 1);
	assert_true(tcp_recv(&t, fd, r, sizeof(r)) > 0);
	assert_int_equal(get16(r + 2), 2);
	assert_int_equal(RCODE(r + 2), DNS_R_NXDOMAIN);
	for (i = 0; i < (int)n + 2; i++) {
		send(fd, q + i, 1, 0);
		ev_run_once(t.ev, 0);
	}
	assert_true(tcp_recv(&t, fd, r, sizeof(r)) > 0);
	assert_int_equal(get16(r + 2), 1);
	/* A length too short for a header: the connection is closed. */
	send(fd, "\0\3abc", 5, 0);
	assert_true(srv_until(&t, fd, 1000));
	assert_true(recv(fd, r, sizeof(r), 0) <= 0);	/* FIN or RST */
	close(fd);
	ev_run_once(t.ev, 0);
	assert_int_equal(dnssrv_nconns(t.s), 0);
	/* More connections than the cap: the oldest make room. */
	for (i = 0; i < (int)nitems(fds); i++)
		fds[i] = client(&t, SOCK_STREAM);
	for (i = 0; i < 20; i++)
		ev_run_once(t.ev, 5);
	assert_int_equal(dnssrv_nconns(t.s), DNSSRV_TCP_MAX);
	assert_true(dnssrv_stats(t.s)->tcp_evicted >= 8);
	/* The newest still works. */
	n = mkquery(q + 2, 3, "lone.berth", DNS_T_A, 0);
	q[0] = 0;
	q[1] = (uint8_t)n;
	send(fds[nitems(fds) - 1], q, n + 2, 0);
	assert_true(tcp_recv(&t, fds[nitems(fds) - 1], r, sizeof(r)) > 0);
	assert_int_equal(get16(r + 2), 3);
	for (i = 0; i < (int)nitems(fds); i++)
		close(fds[i]);
	srv_stop(&t);
}

static void
test_srv_forward(void **state)
{
	struct srv		 t;
	struct sockaddr_in	 from;
	socklen_t		 fromlen = sizeof(from);
	uint8_t			 q[512], r[2048], up[2048];
	size_t			 n;
	ssize_t			 got;
	int			 fd, other;

	srv_start(&t);
	fd = client(&t, SOCK_DGRAM);
	n = mkquery(q, 0x4242, "www.example.com", DNS_T_A, 0);
	send(fd, q, n, 0);
	/* The fake upstream gets it with another ID. */
	assert_true(srv_until(&t, t.upfd, 1000));
	got = recvfrom(t.upfd, up, sizeof(up), 0, (struct sockaddr *)&from,
	    &fromlen);
	assert_int_equal(got, (ssize_t)n);
	assert_memory_equal(up + 2, q + 2, n - 2);
	/* A reply with a wrong ID, then one from another port: ignored. */
	up[2] |= 0x80;
	up[0] ^= 0x55;
	sendto(t.upfd, up, (size_t)got, 0, (struct sockaddr *)&from,
	    fromlen);
	up[0] ^= 0x55;
	other = lo_socket(SOCK_DGRAM, 0);
	sendto(other, up, (size_t)got, 0, (struct sockaddr *)&from, fromlen);
	assert_false(srv_until(&t, fd, 50));
	assert_int_equal(dnssrv_stats(t.s)->upstream_bogus, 2);
	/* The real one reaches the client with its own ID. */
	sendto(t.upfd, up, (size_t)got, 0, (struct sockaddr *)&from,
	    fromlen);
	assert_true(srv_until(&t, fd, 1000));
	got = recv(fd, r, sizeof(r), 0);
	assert_int_equal(got, (ssize_t)n);
	assert_int_equal(get16(r), 0x4242);
	assert_true(r[2] & 0x80);
	assert_int_equal(dnssrv_npending(t.s), 0);
	/* No answer at all: retried, then SERVFAIL. */
	n = mkquery(q, 0x4343, "slow.example.com", DNS_T_A, 0);
	send(fd, q, n, 0);
	assert_true(srv_until(&t, fd, 2000));
	got = recv(fd, r, sizeof(r), 0);
	assert_int_equal(get16(r), 0x4343);
	assert_int_equal(RCODE(r), DNS_R_SERVFAIL);
	assert_int_equal(dnssrv_stats(t.s)->upstream_timeouts, DNSSRV_TRIES);
	while (recv(t.upfd, up, sizeof(up), MSG_DONTWAIT) > 0)
		;
	/* A flood of forwards: the table stays bounded. */
	for (n = 0; n < DNSSRV_PENDING_MAX + 200; n++) {
		size_t	 m = mkquery(q, (uint16_t)n, "flood.example.com",
		    DNS_T_A, 0);

		send(fd, q, m, 0);
		if (n % 32 == 0) {
			ev_run_once(t.ev, 0);
			while (recv(t.upfd, up, sizeof(up), MSG_DONTWAIT) > 0)
				;
		}
	}
	for (n = 0; n < 50; n++)
		ev_run_once(t.ev, 1);
	assert_true(dnssrv_npending(t.s) <= DNSSRV_PENDING_MAX);
	close(other);
	close(fd);
	srv_stop(&t);
}

/* The server's own address in resolv.conf is no upstream. */
static void
test_srv_no_loop(void **state)
{
	struct srv	 t;
	char		 text[128];
	uint8_t		 q[512], r[512];
	size_t		 n;
	int		 fd;

	srv_start(&t);
	dnssrv_free(t.s);
	snprintf(text, sizeof(text), "nameserver 127.0.0.1\n");
	assert_int_equal(util_write_file_atomic(t.resolv, text, strlen(text),
	    0644), 0);
	{
		struct dnssrv_conf	 c = { .addr = LO, .port = t.port,
		    .zone = t.z, .resolv_conf = t.resolv,
		    .upstream_port = t.port };
		char			*cause = NULL;

		t.s = dnssrv_new(&c, t.ev, &cause);
		assert_non_null(t.s);
	}
	fd = client(&t, SOCK_DGRAM);
	n = mkquery(q, 0x11, "loop.example.com", DNS_T_A, 0);
	send(fd, q, n, 0);
	assert_true(srv_until(&t, fd, 1000));
	assert_true(recv(fd, r, sizeof(r), 0) > 12);
	assert_int_equal(RCODE(r), DNS_R_SERVFAIL);
	assert_int_equal(dnssrv_stats(t.s)->forwarded, 0);
	close(fd);
	srv_stop(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_bare),
		cmocka_unit_test(test_ptr),
		cmocka_unit_test(test_zone_changes),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_compression),
		cmocka_unit_test(test_edns),
		cmocka_unit_test(test_truncation_class),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_hosts),
		cmocka_unit_test(test_hosts_kept),
		cmocka_unit_test(test_srv_udp),
		cmocka_unit_test(test_srv_tcp),
		cmocka_unit_test(test_srv_forward),
		cmocka_unit_test(test_srv_no_loop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
