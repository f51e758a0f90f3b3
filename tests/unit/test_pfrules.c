/* SPDX-License-Identifier: ISC */
/*
 * test_pfrules.c - the rule IR: every refusal names its field, the
 * renderers print what they should, the incremental renders touch only
 * their own elements, and (as root, with nft) nft accepts the scripts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "addr.h"
#include "instance.h"
#include "pfrules.h"
#include "port.h"
#include "stack.h"
#include "util.h"

#define POOL	0x0af00000u	/* 10.240.0.0/16 */
#define A(x)	(POOL | (x))

static char	*egress_eth0[] = { "eth0" };

/* Two containers (web, db internal) and three published ports. */
static struct pfr_container base_ctrs[] = {
	{ "t-web", A(10), 0, 0, 0 },
	{ "t-db", A(2), 1, 0, 0 },
};
static struct pfr_port base_ports[] = {
	{ PORT_TCP, 0, 8080, 8080, A(10), 8000, 8000, "t-web" },
	{ PORT_UDP, 0x7f000001, 5353, 5353, A(10), 53, 53, "t-web" },
	{ PORT_TCP, 0, 9000, 9002, A(2), 7000, 7002, "t-db" },
};

static struct pfr_ruleset	 rs;
static struct pfr_container	 ctrs[4];
static struct pfr_port		 ports[4];

static int
setup(void **state)
{
	memset(&rs, 0, sizeof(rs));
	snprintf(rs.name, sizeof(rs.name), "berthtest_pfr");
	rs.pool.net = POOL;
	rs.pool.plen = 16;
	rs.gateway = A(1);
	snprintf(rs.gw_ifname, sizeof(rs.gw_ifname), "bti9");
	snprintf(rs.ctr_ifprefix, sizeof(rs.ctr_ifprefix), "bt");
	rs.fwmark = 0x213;
	rs.egress = egress_eth0;
	rs.negress = 0;
	memcpy(ctrs, base_ctrs, sizeof(base_ctrs));
	memcpy(ports, base_ports, sizeof(base_ports));
	rs.ctrs = ctrs;
	rs.nctrs = nitems(base_ctrs);
	rs.ports = ports;
	rs.nports = nitems(base_ports);
	return 0;
}

/* Validation must fail with a cause containing want. */
static void
refused(const char *want)
{
	char	*cause = NULL, *text;

	if (pfr_validate(&rs, &cause) != -1)
		fail_msg("accepted, expected \"%s\"", want);
	assert_non_null(cause);
	if (strstr(cause, want) == NULL)
		fail_msg("cause \"%s\" lacks \"%s\"", cause, want);
	free(cause);
	cause = NULL;
	/* The renderers refuse the same ruleset on their own. */
	text = pfr_nft_render(&rs, &cause);
	assert_null(text);
	assert_non_null(cause);
	free(cause);
	setup(NULL);	/* a fresh ruleset for the next case */
}

static void
test_valid(void **state)
{
	char	*cause = NULL;

	assert_int_equal(pfr_validate(&rs, &cause), 0);
	assert_null(cause);
	rs.nctrs = rs.nports = 0;
	assert_int_equal(pfr_validate(&rs, &cause), 0);
}

static const char *const bad_names[] = {
	"we\"b", "we\nb", "we b", "we{b", "we}b", "we*b", "We", "-web",
	"web-", "we;b", "",
};

static void
test_bad_container_names(void **state)
{
	size_t	 i;

	for (i = 0; i < nitems(bad_names); i++) {
		snprintf(ctrs[0].name, sizeof(ctrs[0].name), "%s",
		    bad_names[i]);
		refused("container name");
		snprintf(ports[0].ctr_name, sizeof(ports[0].ctr_name), "%s",
		    bad_names[i]);
		refused("published port owner");
	}
	/* 64 characters do not even fit: an unterminated field. */
	memset(ctrs[0].name, 'a', sizeof(ctrs[0].name));
	refused("container name is not terminated");
}

static void
test_bad_table_names(void **state)
{
	static const char *const bad[] = { "", "ip", "table", "inet", "tcp",
	    "meta", "Berth", "1berth", "_b", "ber th", "ber\"th", "ber-th",
	    "ber{th", "ber*th", "b\n" };
	static const char *const good[] = { "berth", "bti3", "berthtest_pfr",
	    "nat", "filter", "a" };
	char	*cause = NULL;
	size_t	 i;

	for (i = 0; i < nitems(bad); i++) {
		snprintf(rs.name, sizeof(rs.name), "%s", bad[i]);
		refused("ruleset name");
	}
	for (i = 0; i < nitems(good); i++) {
		snprintf(rs.name, sizeof(rs.name), "%s", good[i]);
		assert_int_equal(pfr_validate(&rs, &cause), 0);
	}
	setup(state);
	memset(rs.name, 'a', sizeof(rs.name));
	refused("ruleset name is not terminated");
}

/* Refused with egress interfaces {first[, second]}. */
static void
refused_egress(const char *first, const char *second, const char *want)
{
	char	*e[2] = { (char *)first, (char *)second };

	rs.egress = e;
	rs.negress = second != NULL ? 2 : 1;
	refused(want);
}

static void
test_bad_ifnames(void **state)
{
	static const char *const bad[] = { "", "eth0\"", "eth 0", "eth{0",
	    "eth*", "eth0\n", "0eth", "eth0;" };
	size_t	 i;

	for (i = 0; i < nitems(bad); i++) {
		snprintf(rs.gw_ifname, sizeof(rs.gw_ifname), "%s", bad[i]);
		refused("gateway interface");
		snprintf(rs.ctr_ifprefix, sizeof(rs.ctr_ifprefix), "%s",
		    bad[i]);
		refused("container interface prefix");
		refused_egress("eth0", bad[i], "egress interface");
	}
	/* Longer than IFNAMSIZ - 1 (fixed fields: unterminated). */
	refused_egress("abcdefghijklmnop", NULL, "egress interface "
	    "\"abcdefghijklmnop\" is longer than 15");
	memset(rs.gw_ifname, 'a', sizeof(rs.gw_ifname));
	refused("gateway interface is not terminated");
	/* berth's own interfaces are no egress. */
	refused_egress("bti9", NULL, "berth's own");
	refused_egress("bt0af0000a", NULL, "berth's own");
	refused_egress("eth0", "eth0", "egress interface \"eth0\" is given "
	    "twice");
}

static void
test_bad_head(void **state)
{
	rs.pool.plen = 31;
	refused("pool");
	rs.pool.plen = 7;
	refused("pool");
	rs.pool.net = POOL | 1;
	refused("host bits");
	rs.gateway = 0x0b000001;
	refused("gateway");
	rs.gateway = POOL;
	refused("gateway");
	rs.fwmark = 0;
	refused("fwmark");
}

static void
test_bad_containers(void **state)
{
	ctrs[0].addr = 0x0b000005;
	refused("is not in the pool 10.240.0.0/16");
	ctrs[0].addr = A(1);
	refused("is the gateway");
	ctrs[0].addr = POOL;
	refused("network or broadcast");
	ctrs[0].addr = A(0xffff);
	refused("network or broadcast");
	snprintf(ctrs[1].name, sizeof(ctrs[1].name), "t-web");
	refused("container name \"t-web\" is used twice");
	ctrs[1].addr = ctrs[0].addr;
	refused("address 10.240.0.10 of \"t-db\" is taken by \"t-web\"");
}

static void
test_bad_ports(void **state)
{
	ports[0].proto = 1;
	refused("protocol 1 is not tcp or udp");
	ports[0].host_lo = ports[0].host_hi = 0;
	refused("host port 0 is not in 1..65535");
	ports[0].ctr_lo = ports[0].ctr_hi = 0;
	refused("container port 0 is not in 1..65535");
	ports[2].host_lo = 9005;
	refused("host port range 9005-9002 is reversed");
	ports[2].ctr_lo = 7005;
	refused("container port range 7005-7002 is reversed");
	ports[2].ctr_hi = 7003;
	refused("different lengths");
	ports[0].host_addr = A(7);
	refused("host address 10.240.0.7 is inside the pool");
	ports[0].host_addr = 0xe0000001;
	refused("not a unicast address");
	ports[0].ctr_addr = 0x0b000001;
	refused("is not in the pool");
	ports[0].ctr_addr = A(1);
	refused("is the gateway");
	ports[0].ctr_addr = A(99);
	refused("no container has the address 10.240.0.99");
}

static void
test_duplicate_ports(void **state)
{
	char	*cause = NULL;

	/* The same port, overlapping ranges, "any" against one address. */
	ports[1] = ports[0];
	refused("host port 8080/tcp of \"t-web\" is already published by "
	    "\"t-web\"");
	ports[0].host_lo = ports[0].host_hi = 9002;
	refused("already published");
	ports[1].proto = PORT_TCP;
	ports[1].host_lo = ports[1].host_hi = 8080;
	refused("already published");
	/* Other protocol, or two different host addresses: fine. */
	setup(state);
	ports[1].host_lo = ports[1].host_hi = 8080;
	assert_int_equal(pfr_validate(&rs, &cause), 0);
	setup(state);
	ports[0].host_addr = 0x7f000002;
	ports[0].proto = PORT_UDP;
	ports[0].host_lo = ports[0].host_hi = 5353;
	assert_int_equal(pfr_validate(&rs, &cause), 0);
}

static void
assert_contains(const char *text, const char *want)
{
	if (text == NULL || strstr(text, want) == NULL)
		fail_msg("\"%s\" not in:\n%s", want,
		    text != NULL ? text : "(nothing)");
}

static void
test_nft_render(void **state)
{
	char	*cause = NULL, *t, *p;
	int	 n = 0;

	t = pfr_nft_render(&rs, &cause);
	assert_non_null(t);
	assert_true(strncmp(t, "# berth ruleset", 15) == 0);
	assert_contains(t, "\ntable inet berthtest_pfr\n"
	    "delete table inet berthtest_pfr\ntable inet berthtest_pfr {\n");
	assert_contains(t, "10.240.0.2 comment \"t-db\",\n\t\t}\n\t}\n"
	    "\t# Containers netd's");	/* nonat holds db only */
	assert_contains(t, "tcp . 8080 comment \"t-web\" : 10.240.0.10 . "
	    "8000,");
	assert_contains(t, "127.0.0.1 . udp . 5353 comment \"t-web\" : "
	    "10.240.0.10 . 53,");
	assert_contains(t, "tcp . 9002 comment \"t-db\" : 10.240.0.2 . 7002,");
	assert_contains(t, "iifname \"bt*\" notrack");
	/* the proxy's mark: not the fwmark, ct mark for the replies */
	assert_int_equal(PFR_PROXY_MARK(0x213), 0x80000213);
	assert_contains(t, "\t\tip daddr != 10.240.0.0/16 return\n"
	    "\t\tmeta mark 0x80000213 ct mark set 0x80000213\n"
	    "\t\tmeta mark 0x80000213 ip daddr @direct return\n"
	    "\t\tct direction reply ct mark 0x80000213 ip daddr 10.240.0.1 "
	    "ip saddr @direct return\n"
	    "\t\tct direction reply ct mark 0x80000213 ip daddr @peers "
	    "ip saddr @peers return\n"
	    "\t\tct direction original ct status dnat ip saddr != "
	    "10.240.0.0/16 ip daddr @direct return\n"
	    "\t\tct direction original ip saddr 10.240.0.1 ip daddr @direct "
	    "ct mark set 0x80000213 return\n"
	    "\t\tct direction original ip daddr @peers ip saddr @peers "
	    "ct mark set 0x80000213 return\n"
	    "\t\tmeta mark set 0x213\n");
	assert_contains(t, "ct status dnat ct direction original ip daddr "
	    "@direct ip saddr != 10.240.0.0/16 accept\n");
	assert_contains(t, "ip saddr 127.0.0.0/8 oifname \"lo\" ip daddr "
	    "@direct ct status dnat snat ip to 10.240.0.1\n");
	/* the sets are empty unless netd says so */
	assert_contains(t, "set direct {\n\t\ttype ipv4_addr\n"
	    "\t\tcounter\n\t}\n");
	assert_contains(t, "set peers {\n\t\ttype ipv4_addr\n"
	    "\t\tcounter\n\t}\n");
	assert_contains(t, "oifname != { \"lo\", \"bti9\" } oifname != "
	    "\"bt*\" masquerade");
	/* One map element per port of a range. */
	for (p = t; (p = strstr(p, "comment \"t-db\" : ")) != NULL; p++)
		n++;
	assert_int_equal(n, 3);
	free(t);

	ctrs[0].direct = ctrs[0].peers = 1;
	t = pfr_nft_render(&rs, &cause);
	assert_contains(t, "set direct {\n\t\ttype ipv4_addr\n"
	    "\t\tcounter\n\t\telements = {\n\t\t\t10.240.0.10 comment "
	    "\"t-web\",\n\t\t}\n");
	assert_contains(t, "set peers {\n\t\ttype ipv4_addr\n"
	    "\t\tcounter\n\t\telements = {\n\t\t\t10.240.0.10 comment "
	    "\"t-web\",\n\t\t}\n");
	free(t);
	ctrs[0].direct = ctrs[0].peers = 0;

	rs.negress = 1;
	t = pfr_nft_render(&rs, &cause);
	assert_contains(t, "ip saddr 10.240.0.0/16 ip saddr != @nonat "
	    "oifname { \"eth0\" } masquerade");
	free(t);

	t = pfr_nft_delete(&rs, &cause);
	assert_string_equal(t, "table inet berthtest_pfr\n"
	    "delete table inet berthtest_pfr\n");
	free(t);
}

/* The rule of a base chain that comes first: the line after its hook. */
static void
first_rule(const char *t, const char *hook, const char *want)
{
	const char	*p = strstr(t, hook), *nl;

	assert_non_null(p);
	nl = strchr(p, '\n');
	assert_non_null(nl);
	if (strncmp(nl + 1, want, strlen(want)) != 0)
		fail_msg("after \"%s\": \"%.60s\", want \"%s\"", hook,
		    nl + 1, want);
}

/*
 * Every packet the host sends or receives crosses each base chain on its
 * hook, berth's traffic or not: one filter chain on output, the host's
 * own traffic out at the first rule, the map looked up before the fib.
 */
static void
test_nft_host_cost(void **state)
{
	char		*cause = NULL, *t;
	const char	*p;
	int		 n = 0;

	t = pfr_nft_render(&rs, &cause);
	assert_non_null(t);
	for (p = t; (p = strstr(p, "type filter hook output ")) != NULL; p++)
		n++;
	assert_int_equal(n, 1);
	first_rule(t, "type filter hook output priority -150; policy accept;",
	    "\t\tip saddr != 10.240.0.0/16 return\n");
	first_rule(t, "type filter hook prerouting priority -90; policy "
	    "accept;", "\t\tip daddr != 10.240.0.0/16 return\n");
	first_rule(t, "type nat hook output priority -100; policy accept;",
	    "\t\tip daddr . meta l4proto . th dport @pub_addr fib ");
	assert_contains(t, "\t\tmeta l4proto . th dport @pub_any fib daddr "
	    "type local ip daddr != 10.240.0.0/16 dnat ip to meta l4proto . "
	    "th dport map @pub_any\n");
	/* internal first, then the policy, in the one hook */
	assert_contains(t, "\t\tip saddr @nonat jump internal_output\n"
	    "\t\tip saddr @ctrs ip daddr != 10.240.0.0/16 jump "
	    "policy_egress\n");
	free(t);
}

static void
test_nft_incremental(void **state)
{
	char	*cause = NULL, *t;

	t = pfr_nft_container(&rs, &ctrs[0], 1, &cause);
	assert_string_equal(t, "add element inet berthtest_pfr ctrs { "
	    "10.240.0.10 comment \"t-web\" }\n");
	free(t);
	t = pfr_nft_container(&rs, &ctrs[1], 1, &cause);
	assert_string_equal(t,
	    "add element inet berthtest_pfr ctrs { 10.240.0.2 comment "
	    "\"t-db\" }\n"
	    "add element inet berthtest_pfr nonat { 10.240.0.2 comment "
	    "\"t-db\" }\n");
	free(t);
	t = pfr_nft_container(&rs, &ctrs[1], 0, &cause);
	assert_string_equal(t,
	    "delete element inet berthtest_pfr ctrs { 10.240.0.2 }\n"
	    "delete element inet berthtest_pfr nonat { 10.240.0.2 }\n");
	free(t);

	/* @direct, @peers: with the container, and the whole sets */
	ctrs[0].direct = ctrs[0].peers = 1;
	t = pfr_nft_container(&rs, &ctrs[0], 1, &cause);
	assert_string_equal(t, "add element inet berthtest_pfr ctrs { "
	    "10.240.0.10 comment \"t-web\" }\n"
	    "add element inet berthtest_pfr direct { 10.240.0.10 comment "
	    "\"t-web\" }\n"
	    "add element inet berthtest_pfr peers { 10.240.0.10 comment "
	    "\"t-web\" }\n");
	free(t);
	t = pfr_nft_container(&rs, &ctrs[0], 0, &cause);
	assert_string_equal(t,
	    "delete element inet berthtest_pfr ctrs { 10.240.0.10 }\n"
	    "delete element inet berthtest_pfr direct { 10.240.0.10 }\n"
	    "delete element inet berthtest_pfr peers { 10.240.0.10 }\n");
	free(t);
	/* Each set flushed, then what rs says: a container that leaves
	 * (a capture or a link of its own) goes, the others stay. */
	t = pfr_nft_direct(&rs, &cause);
	assert_string_equal(t, "flush set inet berthtest_pfr direct\n"
	    "add element inet berthtest_pfr direct { "
	    "10.240.0.10 comment \"t-web\" }\n"
	    "flush set inet berthtest_pfr peers\n"
	    "add element inet berthtest_pfr peers { "
	    "10.240.0.10 comment \"t-web\" }\n");
	free(t);
	ctrs[0].peers = 0;	/* networks would refuse: @peers only empty */
	t = pfr_nft_direct(&rs, &cause);
	assert_string_equal(t, "flush set inet berthtest_pfr direct\n"
	    "add element inet berthtest_pfr direct { "
	    "10.240.0.10 comment \"t-web\" }\n"
	    "flush set inet berthtest_pfr peers\n");
	free(t);
	ctrs[0].direct = 0;
	t = pfr_nft_direct(&rs, &cause);
	assert_string_equal(t, "flush set inet berthtest_pfr direct\n"
	    "flush set inet berthtest_pfr peers\n");
	free(t);

	t = pfr_nft_port(&rs, &ports[0], 1, &cause);
	assert_string_equal(t, "add element inet berthtest_pfr pub_any { "
	    "tcp . 8080 comment \"t-web\" : 10.240.0.10 . 8000 }\n");
	free(t);
	t = pfr_nft_port(&rs, &ports[1], 0, &cause);
	assert_string_equal(t, "delete element inet berthtest_pfr pub_addr "
	    "{ 127.0.0.1 . udp . 5353 }\n");
	free(t);
	t = pfr_nft_port(&rs, &ports[2], 1, &cause);
	assert_string_equal(t, "add element inet berthtest_pfr pub_any { "
	    "tcp . 9000 comment \"t-db\" : 10.240.0.2 . 7000, "
	    "tcp . 9001 comment \"t-db\" : 10.240.0.2 . 7001, "
	    "tcp . 9002 comment \"t-db\" : 10.240.0.2 . 7002 }\n");
	free(t);
	t = pfr_nft_port(&rs, &ports[2], 0, &cause);
	assert_string_equal(t, "delete element inet berthtest_pfr pub_any { "
	    "tcp . 9000, tcp . 9001, tcp . 9002 }\n");
	free(t);

	/* Incremental renders check what they print, too. */
	ctrs[0].name[2] = '"';
	assert_null(pfr_nft_container(&rs, &ctrs[0], 1, &cause));
	assert_non_null(strstr(cause, "container name"));
	ports[0].host_lo = 9000;
	assert_null(pfr_nft_port(&rs, &ports[0], 1, &cause));
	assert_non_null(strstr(cause, "reversed"));
	snprintf(rs.name, sizeof(rs.name), "ip");
	assert_null(pfr_nft_delete(&rs, &cause));
	free(cause);
}

static void
test_pf_render(void **state)
{
	struct pfr_anchor	*a;
	struct pfr_cmd		*cmds;
	char			*cause = NULL;
	size_t			 n, nc;

	assert_int_equal(pfr_pf_render(&rs, &a, &n, &cause), -1);
	assert_non_null(strstr(cause, "egress"));
	free(cause);
	cause = NULL;
	rs.negress = 1;
	assert_int_equal(pfr_pf_render(&rs, &a, &n, &cause), 0);
	/* the calls, nat, policy, and one anchor per container with ports */
	assert_int_equal(n, 5);
	assert_string_equal(a[0].path, "com.apple/berthtest_pfr");
	/* each call restricted to the packets its child can match */
	assert_contains(a[0].text, "\nnat-anchor \"nat\" inet from "
	    "10.240.0.0/16 to any\nrdr-anchor \"pub/*\" on lo0 inet proto "
	    "{ tcp, udp }\nanchor \"nat\" out inet from 10.240.0.0/16 to "
	    "any\nanchor \"policy\" out inet from 10.240.0.0/16 to ! "
	    "10.240.0.0/16\n");
	assert_null(strstr(a[0].text, "\"*\""));
	assert_string_equal(a[1].path, "com.apple/berthtest_pfr/nat");
	assert_contains(a[1].text, "\ntable <nonat> persist { 10.240.0.2 }\n"
	    "table <inside> const { 10.240.0.0/16 }\n"
	    "no nat inet from <nonat> to any\n"
	    "nat on \"eth0\" inet from 10.240.0.0/16 to any -> (\"eth0\")\n"
	    /* internal -> the host's addresses and published ports (lo0,
	     * 127/8 too) and the outside: refused at once, as nft does */
	    "block return-rst out quick inet proto tcp from <nonat> to ! "
	    "<inside>\n"
	    "block return-icmp (filter-prohib) out quick inet from <nonat> "
	    "to ! <inside>\n");
	/* no policy filters: the anchor says so and nothing else */
	assert_string_equal(a[2].path, "com.apple/berthtest_pfr/policy");
	assert_null(strstr(a[2].text, "\npass"));
	assert_null(strstr(a[2].text, "\nblock"));
	/* containers in their order, each with all of its ports */
	assert_string_equal(a[3].path, "com.apple/berthtest_pfr/pub/t-web");
	assert_contains(a[3].text, "\nrdr pass on lo0 inet proto tcp from any "
	    "to any port 8080 -> 10.240.0.10 port 8000\n");
	assert_contains(a[3].text, "\nrdr pass on lo0 inet proto udp from any "
	    "to 127.0.0.1 port 5353 -> 10.240.0.10 port 53\n");
	assert_string_equal(a[4].path, "com.apple/berthtest_pfr/pub/t-db");
	assert_contains(a[4].text, "port 9000:9002 -> 10.240.0.2 port 7000:*\n");
	/* No nat-to/rdr-to: macOS pf is OpenBSD 4.x. */
	assert_null(strstr(a[1].text, "nat-to"));
	assert_null(strstr(a[4].text, "rdr-to"));

	/* A change loads the same anchor as the full render. */
	assert_int_equal(pfr_pf_change(&rs, &ctrs[1], &ports[2], 1, 1, &cmds,
	    &nc, &cause), 0);
	assert_int_equal(nc, 2);
	assert_string_equal(cmds[0].argv[5], "add");
	assert_string_equal(cmds[0].argv[6], "10.240.0.2");
	assert_string_equal(cmds[1].argv[1], a[4].path);
	assert_string_equal(cmds[1].input, a[4].text);
	pfr_cmds_free(cmds, nc);
	pfr_anchors_free(a, n);
	/* a port of another container is refused */
	assert_int_equal(pfr_pf_change(&rs, &ctrs[1], &ports[0], 1, 1, &cmds,
	    &nc, &cause), -1);
	assert_contains(cause, "not for t-db");
	free(cause);
	cause = NULL;
	ports[0].ctr_lo = 0;
	assert_int_equal(pfr_pf_change(&rs, &ctrs[0], &ports[0], 1, 1, &cmds,
	    &nc, &cause), -1);
	assert_null(cmds);
	free(cause);
}

/*
 * An egress interface named like a pf keyword renders quoted (pfctl's
 * lexer never takes a quoted word as a keyword), and internal containers
 * are blocked by one rule that names no interface: listing two egress
 * interfaces does not leave a third open.
 */
static void
test_pf_egress(void **state)
{
	static char		*kw[] = { "all", "port" };
	struct pfr_anchor	*a;
	char			*cause = NULL;
	size_t			 n;

	rs.egress = kw;
	rs.negress = 2;
	assert_int_equal(pfr_pf_render(&rs, &a, &n, &cause), 0);
	assert_contains(a[1].text, "nat on \"all\" inet from 10.240.0.0/16 to "
	    "any -> (\"all\")\nnat on \"port\" inet");
	assert_null(strstr(a[1].text, " all "));
	assert_null(strstr(a[1].text, "on port"));
	assert_null(strstr(strstr(a[1].text, "block"), " on "));
	/* one refusal (TCP, then the rest), not one per interface */
	assert_null(strstr(strstr(strstr(a[1].text, "block") + 1, "block") +
	    1, "block"));
	pfr_anchors_free(a, n);
}

/* CPU seconds to validate and render nports single ports over 64 ctrs. */
static double
pf_render_cost(size_t nports)
{
	struct pfr_container	*c;
	struct pfr_port		*p;
	struct pfr_anchor	*a;
	struct timespec		 t0, t1;
	char			*cause = NULL;
	size_t			 i, n;

	c = calloc(64, sizeof(*c));
	p = calloc(nports, sizeof(*p));
	assert_non_null(c);
	assert_non_null(p);
	for (i = 0; i < 64; i++) {
		snprintf(c[i].name, sizeof(c[i].name), "c%zu", i);
		c[i].addr = A(10 + i);
	}
	for (i = 0; i < nports; i++) {
		p[i].proto = PORT_TCP;
		p[i].host_lo = p[i].host_hi = (uint16_t)(1 + i);
		p[i].ctr_lo = p[i].ctr_hi = 80;
		p[i].ctr_addr = c[i % 64].addr;
		snprintf(p[i].ctr_name, sizeof(p[i].ctr_name), "%s",
		    c[i % 64].name);
	}
	rs.ctrs = c;
	rs.nctrs = 64;
	rs.ports = p;
	rs.nports = nports;
	rs.negress = 1;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	assert_int_equal(pfr_pf_render(&rs, &a, &n, &cause), 0);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	assert_int_equal(n, 3 + 64);
	pfr_anchors_free(a, n);
	free(p);
	free(c);
	return (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
}

/*
 * Rendering grows linearly (n log n) with the ports: four times the
 * ports may cost about four times as much, never the sixteen of a
 * quadratic renderer (which took ~30 s for 65535 ports).
 */
static void
test_pf_scale(void **state)
{
	double	 small, big;

	(void)pf_render_cost(4096);	/* warm up */
	small = pf_render_cost(16000);
	big = pf_render_cost(64000);
	print_message("pf render: 16000 ports %.3f s, 64000 ports %.3f s "
	    "(x%.1f)\n", small, big, big / small);
	assert_true(big < 10 * small + 0.05);
}

/* The golden file of pfctl runs; BERTH_GOLDEN_UPDATE=1 rewrites it. */
#define PFCTL_GOLDEN	"tests/golden/pfctl.seq"

/* Print one step's runs (read through pointers: set by the call). */
static void
seq_step(FILE *f, const char *what, int rc, struct pfr_cmd **cmds,
    size_t *n)
{
	char	*t;

	assert_int_equal(rc, 0);
	t = pfr_cmds_text(*cmds, *n);
	fprintf(f, "## %s\n%s", what, *t != '\0' ? t : "(no pfctl run)\n");
	free(t);
	pfr_cmds_free(*cmds, *n);
}

/*
 * The exact pfctl runs netd makes, in order, for start (pf not yet
 * enabled by netd), create without ports, create of an internal
 * container with a published range, create with published ports,
 * delete of both, a restart, and stop (netd passes its containers and
 * the token). fw_pf.c turns each into one job.
 */
static void
test_pf_sequence(void **state)
{
	static char		*en0[] = { "en0" };
	struct pfr_ruleset	 head;
	struct pfr_cmd		*cmds;
	char			*cause = NULL, *got, *want;
	size_t			 n, len;
	FILE			*f;

	rs.egress = en0;
	rs.negress = 1;
	head = rs;
	head.nctrs = head.nports = 0;
	assert_non_null(f = open_memstream(&got, &len));
	seq_step(f, "start: netd with no containers, no pf token yet",
	    pfr_pf_start(&head, 1, &cmds, &n, &cause), &cmds, &n);
	ctrs[2] = (struct pfr_container){ "t-cli", A(20), 0, 0, 0 };
	seq_step(f, "create t-cli: no published port, not internal",
	    pfr_pf_change(&head, &ctrs[2], NULL, 0, 1, &cmds, &n, &cause),
	    &cmds, &n);
	seq_step(f, "create t-db: internal, -p 9000-9002:7000-7002",
	    pfr_pf_change(&head, &ctrs[1], &ports[2], 1, 1, &cmds, &n,
	    &cause), &cmds, &n);
	seq_step(f, "create t-web: -p 8080:8000 -p 127.0.0.1:5353:53/udp",
	    pfr_pf_change(&head, &ctrs[0], &ports[0], 2, 1, &cmds, &n,
	    &cause), &cmds, &n);
	seq_step(f, "delete t-web",
	    pfr_pf_change(&head, &ctrs[0], &ports[0], 2, 0, &cmds, &n,
	    &cause), &cmds, &n);
	seq_step(f, "delete t-db",
	    pfr_pf_change(&head, &ctrs[1], &ports[2], 1, 0, &cmds, &n,
	    &cause), &cmds, &n);
	rs.ctrs[rs.nctrs++] = ctrs[2];
	seq_step(f, "start: netd restarted with the three, token kept",
	    pfr_pf_start(&rs, 0, &cmds, &n, &cause), &cmds, &n);
	seq_step(f, "stop: t-web, t-db, t-cli still there, token 12345",
	    pfr_pf_stop(&rs, "12345", &cmds, &n, &cause), &cmds, &n);
	fclose(f);
	assert_int_equal(pfr_pf_stop(&head, "1;2", &cmds, &n, &cause), -1);
	free(cause);

	if (getenv("BERTH_GOLDEN_UPDATE") != NULL) {
		assert_non_null(f = fopen(PFCTL_GOLDEN, "w"));
		fputs(got, f);
		fclose(f);
	}
	assert_non_null(f = fopen(PFCTL_GOLDEN, "r"));
	want = calloc(1, 65536);
	assert_non_null(want);
	len = fread(want, 1, 65535, f);
	fclose(f);
	want[len] = '\0';
	if (strcmp(got, want) != 0)
		fail_msg("pfctl runs differ from %s (BERTH_GOLDEN_UPDATE=1 "
		    "rewrites it); got:\n%s", PFCTL_GOLDEN, got);
	free(want);
	free(got);
}

static const char stackfile[] =
"{ \"name\": \"t\", \"pool\": \"10.240.0.0/29\",\n"
"  \"networks\": { \"in\": { \"internal\": true }, \"out\": {} },\n"
"  \"services\": {\n"
"    \"a\": { \"command\": [\"x\"], \"ports\": [\"8080:80\", "
"\"8081:81,proxy\"] },\n"
"    \"b\": { \"command\": [\"x\"], \"ip\": \"10.240.0.2\", "
"\"networks\": [\"in\"] },\n"
"    \"c\": { \"command\": [\"x\"], \"networks\": [\"in\", \"out\"], "
"\"container_name\": \"see\" },\n"
"    \"d\": { \"command\": [\"x\"], \"ip\": \"10.240.0.4\" },\n"
"    \"e\": { \"command\": [\"x\"] }\n"
"  } }\n";

static void
test_from_stack(void **state)
{
	struct stack		*st;
	struct pfr_ruleset	*r, head;
	struct cidr		 other;
	char			*cause = NULL, *big;
	size_t			 len;

	st = stack_parse(stackfile, strlen(stackfile), "t.json", &cause);
	if (st == NULL)
		fail_msg("%s", cause);
	pfr_head(&head, BERTH_DEFAULT_PREFIX, &st->pool, BERTH_DEFAULT_TABLE,
	    NULL, 0);
	r = pfr_from_stack(st, &head, &cause);
	pfr_ruleset_clear(&head);
	if (r == NULL)
		fail_msg("%s", cause);
	/* The head is the instance's, as netd builds it: mark = table. */
	assert_string_equal(r->name, "berth");
	assert_string_equal(r->gw_ifname, "berth0");
	assert_int_equal(r->fwmark, 213);
	assert_int_equal(r->gateway, A(1));
	assert_int_equal(r->nctrs, 5);
	/* Requested .2 and .4; the rest in file order from .3 up; sorted
	 * by address. */
	assert_int_equal(r->ctrs[0].addr, A(2));
	assert_string_equal(r->ctrs[1].name, "t-a");
	assert_int_equal(r->ctrs[1].addr, A(3));
	assert_int_equal(r->ctrs[2].addr, A(4));
	assert_string_equal(r->ctrs[3].name, "see");
	assert_int_equal(r->ctrs[3].addr, A(5));
	assert_int_equal(r->ctrs[4].addr, A(6));
	/* Internal only when every network is internal. */
	assert_int_equal(r->ctrs[1].nonat, 0);
	assert_int_equal(r->ctrs[0].nonat, 1);
	assert_int_equal(r->ctrs[3].nonat, 0);
	/* The ",proxy" port is the proxy's. */
	assert_int_equal(r->nports, 1);
	assert_int_equal(r->ports[0].ctr_addr, A(3));
	assert_string_equal(r->ports[0].ctr_name, "t-a");
	pfr_ruleset_free(r);

	pfr_head(&head, "ip", &st->pool, BERTH_DEFAULT_TABLE, NULL, 0);
	r = pfr_from_stack(st, &head, &cause);
	pfr_ruleset_clear(&head);
	assert_null(r);
	assert_non_null(strstr(cause, "ruleset name"));
	free(cause);
	cause = NULL;

	/* A stack that sets its pool is for an instance of that pool. */
	assert_int_equal(cidr_parse("10.9.0.0/16", &other, NULL), 0);
	pfr_head(&head, "berth", &other, BERTH_DEFAULT_TABLE, NULL, 0);
	r = pfr_from_stack(st, &head, &cause);
	pfr_ruleset_clear(&head);
	assert_null(r);
	assert_non_null(strstr(cause, "pool: the stack wants 10.240.0.0/29 "
	    "but the instance has 10.9.0.0/16"));
	free(cause);
	cause = NULL;
	stack_free(st);

	/* A sixth service does not fit in a /29. */
	len = strlen(stackfile);
	big = malloc(len + 64);
	memcpy(big, stackfile, len + 1);
	snprintf(strstr(big, "\"e\""), 64, "\"e\": { \"command\": [\"x\"] }, "
	    "\"f\": { \"command\": [\"x\"] } } }\n");
	st = stack_parse(big, strlen(big), "t.json", &cause);
	if (st == NULL)
		fail_msg("%s", cause);
	pfr_head(&head, BERTH_DEFAULT_PREFIX, &st->pool, BERTH_DEFAULT_TABLE,
	    NULL, 0);
	assert_null(pfr_from_stack(st, &head, &cause));
	pfr_ruleset_clear(&head);
	assert_non_null(strstr(cause, "services.f: the pool 10.240.0.0/29 is "
	    "full"));
	stack_free(st);
	free(big);
	free(cause);
}

/* As root with nft: the kernel's parser takes full and incremental
 * scripts (nft -c applies nothing). */
static void
test_nft_check(void **state)
{
	char	 path[] = "/tmp/test_pfrules.XXXXXX", cmd[128], *cause = NULL;
	char	*t;
	FILE	*f;
	int	 fd, rc;
	size_t	 i;

	if (geteuid() != 0 || system("nft --version >/dev/null 2>&1") != 0) {
		print_message("nft -c needs root and nft; skipped\n");
		skip();
	}
	assert_true((fd = mkstemp(path)) != -1);
	f = fdopen(fd, "w");
	rs.negress = 1;
	ctrs[0].direct = 1;	/* the @direct set with an element */
	t = pfr_nft_render(&rs, &cause);
	fputs(t, f);
	free(t);
	fputs((t = pfr_nft_direct(&rs, &cause)), f);	/* @peers flushed */
	free(t);
	ctrs[0].peers = 1;
	fputs((t = pfr_nft_direct(&rs, &cause)), f);
	free(t);
	for (i = 0; i < rs.nctrs; i++) {
		fputs((t = pfr_nft_container(&rs, &ctrs[i], 0, &cause)), f);
		free(t);
		fputs((t = pfr_nft_container(&rs, &ctrs[i], 1, &cause)), f);
		free(t);
	}
	for (i = 0; i < rs.nports; i++) {
		fputs((t = pfr_nft_port(&rs, &ports[i], 0, &cause)), f);
		free(t);
		fputs((t = pfr_nft_port(&rs, &ports[i], 1, &cause)), f);
		free(t);
	}
	fputs((t = pfr_nft_delete(&rs, &cause)), f);
	free(t);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "nft -c -f %s", path);
	rc = system(cmd);
	unlink(path);
	assert_int_equal(rc, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_valid, setup),
		cmocka_unit_test_setup(test_bad_container_names, setup),
		cmocka_unit_test_setup(test_bad_table_names, setup),
		cmocka_unit_test_setup(test_bad_ifnames, setup),
		cmocka_unit_test_setup(test_bad_head, setup),
		cmocka_unit_test_setup(test_bad_containers, setup),
		cmocka_unit_test_setup(test_bad_ports, setup),
		cmocka_unit_test_setup(test_duplicate_ports, setup),
		cmocka_unit_test_setup(test_nft_render, setup),
		cmocka_unit_test_setup(test_nft_host_cost, setup),
		cmocka_unit_test_setup(test_nft_incremental, setup),
		cmocka_unit_test_setup(test_pf_render, setup),
		cmocka_unit_test_setup(test_pf_egress, setup),
		cmocka_unit_test_setup(test_pf_scale, setup),
		cmocka_unit_test_setup(test_pf_sequence, setup),
		cmocka_unit_test_setup(test_from_stack, setup),
		cmocka_unit_test_setup(test_nft_check, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
