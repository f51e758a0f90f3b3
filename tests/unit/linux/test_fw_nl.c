/* SPDX-License-Identifier: ISC */
/*
 * test_fw_nl.c - one container change as an nf_tables batch
 * (netd/fw_nl_linux.c): the messages, their flags, each element's key,
 * value and comment byte for byte (as `nft --debug=netlink` shows nft
 * 1.0.6 sending them), deletes without values or comments; and what
 * the text path refuses (a name with a quote, a semicolon, a newline)
 * is refused here too, with the same words.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "addr.h"
#include "fw_nl.h"
#include "pfrules.h"
#include "port.h"

/* One message of a batch, as the kernel sees it. */
struct msg {
	uint16_t	 type, flags;
	uint8_t		 family;
	uint16_t	 res_id;
	const char	*set;
	const uint8_t	*elems;		/* NFTA_SET_ELEM_LIST_ELEMENTS */
	size_t		 elemslen;
};

static const struct nlattr *
attr(const uint8_t *p, size_t len, uint16_t type)
{
	const struct nlattr	*a;
	size_t			 off;

	for (off = 0; off + NLA_HDRLEN <= len; off += NLA_ALIGN(a->nla_len)) {
		a = (const struct nlattr *)(p + off);
		assert_true(a->nla_len >= NLA_HDRLEN);
		assert_true(off + a->nla_len <= len);
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
	}
	return NULL;
}

#define PAYLOAD(a)	((const uint8_t *)(a) + NLA_HDRLEN)
#define PLEN(a)		((size_t)(a)->nla_len - NLA_HDRLEN)

/* Split a batch into its messages; the count. */
static size_t
split(const char *batch, size_t len, struct msg *m, size_t max)
{
	const struct nlmsghdr	*h;
	const struct nfgenmsg	*g;
	const struct nlattr	*a;
	const uint8_t		*p;
	size_t			 n = 0, plen;
	int			 rem = (int)len;

	for (h = (const struct nlmsghdr *)batch; NLMSG_OK(h, rem);
	    h = NLMSG_NEXT(h, rem)) {
		assert_true(n < max);
		g = NLMSG_DATA(h);
		memset(&m[n], 0, sizeof(m[n]));
		m[n].type = h->nlmsg_type;
		m[n].flags = h->nlmsg_flags;
		m[n].family = g->nfgen_family;
		m[n].res_id = ntohs(g->res_id);
		p = (const uint8_t *)g + NLMSG_ALIGN(sizeof(*g));
		plen = h->nlmsg_len - NLMSG_LENGTH(NLMSG_ALIGN(sizeof(*g)));
		if ((a = attr(p, plen, NFTA_SET_ELEM_LIST_SET)) != NULL)
			m[n].set = (const char *)PAYLOAD(a);
		if ((a = attr(p, plen, NFTA_SET_ELEM_LIST_TABLE)) != NULL)
			assert_string_equal((const char *)PAYLOAD(a), "berth");
		if ((a = attr(p, plen, NFTA_SET_ELEM_LIST_ELEMENTS)) != NULL) {
			assert_true(a->nla_type & NLA_F_NESTED);
			m[n].elems = PAYLOAD(a);
			m[n].elemslen = PLEN(a);
		}
		n++;
	}
	assert_int_equal(rem, 0);
	return n;
}

/* The i-th element of a message: its key, value, userdata (or NULL). */
static void
elem(const struct msg *m, size_t i, const struct nlattr **key,
    const struct nlattr **val, const struct nlattr **ud)
{
	const struct nlattr	*a = NULL, *k, *d;
	size_t			 off, n = 0;

	for (off = 0; off + NLA_HDRLEN <= m->elemslen;
	    off += NLA_ALIGN(a->nla_len)) {
		a = (const struct nlattr *)(m->elems + off);
		assert_int_equal(a->nla_type & NLA_TYPE_MASK, NFTA_LIST_ELEM);
		if (n++ == i)
			break;
	}
	assert_int_equal(n, i + 1);
	k = attr(PAYLOAD(a), PLEN(a), NFTA_SET_ELEM_KEY);
	assert_non_null(k);
	*key = attr(PAYLOAD(k), PLEN(k), NFTA_DATA_VALUE);
	d = attr(PAYLOAD(a), PLEN(a), NFTA_SET_ELEM_DATA);
	*val = d != NULL ? attr(PAYLOAD(d), PLEN(d), NFTA_DATA_VALUE) : NULL;
	*ud = attr(PAYLOAD(a), PLEN(a), NFTA_SET_ELEM_USERDATA);
}

static size_t
nelems(const struct msg *m)
{
	const struct nlattr	*a;
	size_t			 off, n = 0;

	for (off = 0; off + NLA_HDRLEN <= m->elemslen;
	    off += NLA_ALIGN(a->nla_len)) {
		a = (const struct nlattr *)(m->elems + off);
		n++;
	}
	return n;
}

static struct pfr_ruleset	 rs;

/* web: 10.77.0.5, direct; 8080/tcp and 127.0.0.1:9000-9002:90-92/udp. */
static int
setup(void **state)
{
	struct cidr	 pool;
	struct portspec	 ps[2];

	(void)state;
	memset(&rs, 0, sizeof(rs));
	assert_int_equal(cidr_parse("10.77.0.0/16", &pool, NULL), 0);
	pfr_head(&rs, "berth", &pool, 2300, NULL, 0);
	assert_int_equal(portspec_parse("8080:80", &ps[0], NULL), 0);
	assert_int_equal(portspec_parse("127.0.0.1:9000-9002:90-92/udp",
	    &ps[1], NULL), 0);
	pfr_add(&rs, "web", 0x0a4d0005, 0, ps, 2);
	rs.ctrs[0].direct = 1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	pfr_ruleset_clear(&rs);
	return 0;
}

#define NEWSETELEM	((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWSETELEM)
#define DELSETELEM	((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_DELSETELEM)

static void
test_add(void **state)
{
	static const uint8_t addr[] = { 10, 77, 0, 5 };
	static const uint8_t key_any[] = { 6, 0, 0, 0, 0x1f, 0x90, 0, 0 };
	static const uint8_t val_any[] = { 10, 77, 0, 5, 0, 80, 0, 0 };
	/* 127.0.0.1 . udp . 9001 : 10.77.0.5 . 91 */
	static const uint8_t key_addr[] = { 127, 0, 0, 1, 17, 0, 0, 0,
	    0x23, 0x29, 0, 0 };
	static const uint8_t val_addr[] = { 10, 77, 0, 5, 0, 91, 0, 0 };
	static const uint8_t ud[] = { 0, 4, 'w', 'e', 'b', 0 };
	const struct nlattr	*k, *v, *u;
	struct msg		 m[16];
	char			*b;
	size_t			 len, n, i;

	(void)state;
	assert_int_equal(fw_nl_encode(&rs, &rs.ctrs[0], rs.ports, rs.nports,
	    1, &b, &len, NULL), 0);
	n = split(b, len, m, 16);
	/* begin, ctrs, direct, pub_any, pub_addr, end */
	assert_int_equal(n, 6);
	assert_int_equal(m[0].type, NFNL_MSG_BATCH_BEGIN);
	assert_int_equal(m[0].res_id, NFNL_SUBSYS_NFTABLES);
	assert_int_equal(m[5].type, NFNL_MSG_BATCH_END);
	assert_int_equal(m[5].res_id, NFNL_SUBSYS_NFTABLES);
	for (i = 1; i < 5; i++) {
		assert_int_equal(m[i].type, NEWSETELEM);
		assert_int_equal(m[i].flags, NLM_F_REQUEST | NLM_F_CREATE |
		    NLM_F_ACK);
		assert_int_equal(m[i].family, 1);	/* NFPROTO_INET */
	}
	assert_string_equal(m[1].set, "ctrs");
	assert_string_equal(m[2].set, "direct");
	assert_string_equal(m[3].set, "pub_any");
	assert_string_equal(m[4].set, "pub_addr");

	assert_int_equal(nelems(&m[1]), 1);
	elem(&m[1], 0, &k, &v, &u);
	assert_int_equal(PLEN(k), 4);
	assert_memory_equal(PAYLOAD(k), addr, 4);
	assert_null(v);
	assert_non_null(u);
	assert_int_equal(PLEN(u), sizeof(ud));
	assert_memory_equal(PAYLOAD(u), ud, sizeof(ud));

	elem(&m[3], 0, &k, &v, &u);
	assert_int_equal(PLEN(k), sizeof(key_any));
	assert_memory_equal(PAYLOAD(k), key_any, sizeof(key_any));
	assert_non_null(v);
	assert_int_equal(PLEN(v), sizeof(val_any));
	assert_memory_equal(PAYLOAD(v), val_any, sizeof(val_any));

	/* a range: one element per port */
	assert_int_equal(nelems(&m[4]), 3);
	elem(&m[4], 1, &k, &v, &u);
	assert_int_equal(PLEN(k), sizeof(key_addr));
	assert_memory_equal(PAYLOAD(k), key_addr, sizeof(key_addr));
	assert_int_equal(PLEN(v), sizeof(val_addr));
	assert_memory_equal(PAYLOAD(v), val_addr, sizeof(val_addr));
	assert_memory_equal(PAYLOAD(u), ud, sizeof(ud));
	free(b);
}

static void
test_delete(void **state)
{
	const struct nlattr	*k, *v, *u;
	struct msg		 m[16];
	char			*b;
	size_t			 len, n, i;

	(void)state;
	rs.ctrs[0].nonat = 1;
	rs.ctrs[0].direct = 0;
	assert_int_equal(fw_nl_encode(&rs, &rs.ctrs[0], rs.ports, rs.nports,
	    0, &b, &len, NULL), 0);
	n = split(b, len, m, 16);
	/* ports first, the address last (the text path's order) */
	assert_int_equal(n, 6);
	assert_string_equal(m[1].set, "pub_any");
	assert_string_equal(m[2].set, "pub_addr");
	assert_string_equal(m[3].set, "ctrs");
	assert_string_equal(m[4].set, "nonat");
	for (i = 1; i < 5; i++) {
		assert_int_equal(m[i].type, DELSETELEM);
		assert_int_equal(m[i].flags, NLM_F_REQUEST | NLM_F_ACK);
	}
	assert_int_equal(nelems(&m[2]), 3);
	elem(&m[2], 2, &k, &v, &u);
	assert_int_equal(PLEN(k), 12);
	assert_null(v);
	assert_null(u);
	free(b);
}

/* Both paths refuse the same names with the same words. */
static void
test_hostile(void **state)
{
	static const char *const bad[] = { "we\"b", "a;b", "a\nb",
	    "x\" }; flush ruleset; #", "a b", "A" };
	struct pfr_container	 c = rs.ctrs[0];
	struct pfr_port		 p = rs.ports[0];
	char			*cause = NULL, *tcause = NULL, *b, *t;
	size_t			 i, len;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(c.name, sizeof(c.name), "%s", bad[i]);
		assert_int_equal(fw_nl_encode(&rs, &c, NULL, 0, 1, &b, &len,
		    &cause), -1);
		assert_null(b);
		t = pfr_nft_container(&rs, &c, 1, &tcause);
		assert_null(t);
		assert_string_equal(cause, tcause);
		free(cause);
		free(tcause);
		cause = tcause = NULL;

		/* a port's owner: the comment of its elements */
		snprintf(p.ctr_name, sizeof(p.ctr_name), "%s", bad[i]);
		assert_int_equal(fw_nl_encode(&rs, &rs.ctrs[0], &p, 1, 1, &b,
		    &len, &cause), -1);
		assert_null(pfr_nft_port(&rs, &p, 1, &tcause));
		assert_string_equal(cause, tcause);
		free(cause);
		free(tcause);
		cause = tcause = NULL;
		snprintf(p.ctr_name, sizeof(p.ctr_name), "web");
	}
}

/* A range too long for one send goes the text way. */
static void
test_too_big(void **state)
{
	struct pfr_port	 p = rs.ports[0];
	char		*b, *cause = NULL;
	size_t		 len;

	(void)state;
	p.host_lo = 10000;
	p.host_hi = 20000;
	p.ctr_lo = 10000;
	p.ctr_hi = 20000;
	assert_int_equal(fw_nl_encode(&rs, &rs.ctrs[0], &p, 1, 1, &b, &len,
	    &cause), -1);
	assert_int_equal(errno, E2BIG);
	assert_non_null(cause);
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_add, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_big, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
