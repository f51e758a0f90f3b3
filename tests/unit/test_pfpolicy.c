/* SPDX-License-Identifier: ISC */
/*
 * test_pfpolicy.c - the policy filters the firewall gets for what does
 * not cross netd's router (pfrules/build.c, pfr_add_policy) decide
 * exactly as the model does: on random rule sets and NetworkPolicy
 * objects, a first-match interpreter of the filters and policy_decide
 * agree for every container, every outside or host address and every
 * port tried; the renderers print them, refusing bad ones; and the
 * router's rule index (policy_pair) decides as the linear evaluator.
 */
#include <netinet/in.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "addr.h"
#include "pfrules.h"
#include "policy.h"
#include "port.h"
#include "util.h"

#define POOL	0x0af10000u	/* 10.241.0.0/16 */
#define NCTRS	6

static char	*egress_en0[] = { "en0" };

struct ctr {
	const char		*name, *service, *stack;
	char			*nets[2];
	size_t			 nnets;
	struct policy_label	 labels[1];
	int			 internal;
};

static struct ctr ctrs[NCTRS] = {
	{ "s-web", "web", "s", { "s-front", NULL }, 1, { { "app", "x" } }, 0 },
	{ "s-api", "api", "s", { "s-front", "s-back" }, 2,
	    { { "app", "y" } }, 0 },
	{ "s-db", "db", "s", { "s-back", NULL }, 1, { { "app", "y" } }, 0 },
	{ "lone", NULL, NULL, { "default", NULL }, 1, { { "app", "x" } }, 0 },
	{ "vault", NULL, NULL, { "priv", NULL }, 1, { { "app", "z" } }, 1 },
	{ "t-job", "job", "t", { "default", NULL }, 1, { { "app", "x" } }, 0 },
};

static void
eps_fill(struct policy_ep *eps)
{
	size_t	 i;

	memset(eps, 0, NCTRS * sizeof(*eps));
	for (i = 0; i < NCTRS; i++) {
		eps[i].kind = POLICY_EP_CTR;
		eps[i].addr = POOL | (uint32_t)(i + 2);
		eps[i].name = ctrs[i].name;
		eps[i].service = ctrs[i].service;
		eps[i].stack = ctrs[i].stack;
		eps[i].nets = ctrs[i].nets;
		eps[i].nnets = ctrs[i].nnets;
		eps[i].labels = ctrs[i].labels;
		eps[i].nlabels = 1;
		eps[i].internal = ctrs[i].internal;
	}
}

static const char *
pick(const char *const *a, size_t n)
{
	return a[(size_t)rand() % n];
}
#define PICK(a)	pick(a, sizeof(a) / sizeof(a[0]))

static json_t *
random_rule(void)
{
	static const char *const from[] = { "*", "web", "s-api", "lone",
	    "vault", "job", "net:s-front", "net:s-back", "label:app=x",
	    "label:app=y", "10.241.0.0/29", "10.241.0.4", "host", "outside" };
	static const char *const to[] = { "*", "outside", "host",
	    "198.51.100.0/24", "198.51.100.0/28", "203.0.113.5",
	    "10.241.0.3", "0.0.0.0/0", "10.0.0.0/8", "web", "net:s-back" };
	static const char *const ports[] = { "tcp/80", "tcp/1000-2000",
	    "udp/53", "icmp", "tcp", "udp/5000-5010" };
	static const char *const actions[] = { "allow", "reject", "drop" };
	json_t	*r, *p;
	int	 n = rand() % 3, i;

	r = json_pack("{s:s, s:s, s:s}", "from", PICK(from), "to", PICK(to),
	    "action", PICK(actions));
	if (n > 0) {
		p = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(p, json_string(PICK(ports)));
		json_object_set_new(r, "ports", p);
	}
	return r;
}

static json_t *
random_knp(int k)
{
	static const char *const apps[] = { "x", "y", "z" };
	static const char *const cidrs[] = { "198.51.100.0/24",
	    "203.0.113.0/24", "0.0.0.0/0", "10.241.0.0/16" };
	json_t	*egress, *rule, *to, *ports, *peer;
	char	 name[16];
	int	 i, j;

	egress = json_array();
	for (i = rand() % 3; i > 0; i--) {
		rule = json_object();
		if (rand() % 3 != 0) {
			to = json_array();
			for (j = 1 + rand() % 2; j > 0; j--) {
				if (rand() % 3 == 0)
					peer = json_pack("{s:{s:{s:s}}}",
					    "podSelector", "matchLabels",
					    "app", PICK(apps));
				else if (rand() % 2 == 0)
					peer = json_pack("{s:{s:s, s:[s]}}",
					    "ipBlock", "cidr", "198.51.100.0/24",
					    "except", "198.51.100.0/28");
				else
					peer = json_pack("{s:{s:s}}",
					    "ipBlock", "cidr", PICK(cidrs));
				json_array_append_new(to, peer);
			}
			json_object_set_new(rule, "to", to);
		}
		if (rand() % 2 == 0) {
			ports = json_array();
			json_array_append_new(ports, rand() % 2 ?
			    json_pack("{s:i}", "port", 80) :
			    json_pack("{s:s, s:i, s:i}", "protocol", "UDP",
			    "port", 5000, "endPort", 5005));
			json_object_set_new(rule, "ports", ports);
		}
		json_array_append_new(egress, rule);
	}
	snprintf(name, sizeof(name), "np%d", k);
	return json_pack("{s:s, s:s, s:{s:s}, s:{s:{s:{s:s}}, s:[s], s:o}}",
	    "apiVersion", "networking.k8s.io/v1", "kind", "NetworkPolicy",
	    "metadata", "name", name, "spec", "podSelector", "matchLabels",
	    "app", PICK(apps), "policyTypes", "Egress", "egress", egress);
}

/* The first filter that matches decides; none: allow. */
static enum pfr_verdict
interpret(const struct pfr_ruleset *rs, const struct policy_ep *src,
    uint32_t dst, int host, uint8_t proto, uint16_t port)
{
	const struct pfr_filter	*f;
	size_t			 i, j;
	int			 in;

	for (i = 0; i < rs->nfilters; i++) {
		f = &rs->filters[i];
		in = f->allsrc;
		for (j = 0; !in && j < f->nsrc; j++)
			in = cidr_contains(&f->src[j], src->addr);
		if (!in || (f->dstkind == PFR_DST_OUTSIDE && host) ||
		    (f->dstkind == PFR_DST_HOST && !host) ||
		    !cidr_contains(&f->dst, dst))
			continue;
		for (j = 0; j < f->nexcept; j++)
			if (cidr_contains(&f->except[j], dst))
				break;
		if (j < f->nexcept)
			continue;
		if (f->proto != 0 && (f->proto != proto ||
		    ((proto == IPPROTO_TCP || proto == IPPROTO_UDP) &&
		    (port < f->lo || port > f->hi))))
			continue;
		return f->verdict;
	}
	return PFR_ACCEPT;
}

static void
test_filters_match_model(void **state)
{
	static const uint32_t outside[] = { 0xc6336403, 0xc6336409,
	    0xc63364c8, 0xcb007105, 0x08080808, 0x0a000001 };
	static const uint32_t hosts[] = { 0x7f000001, 0xc0a84d01 };
	static const struct { uint8_t proto; uint16_t port; } flows[] = {
		{ IPPROTO_TCP, 80 }, { IPPROTO_TCP, 1500 }, { IPPROTO_TCP, 443 },
		{ IPPROTO_UDP, 53 }, { IPPROTO_UDP, 5003 }, { IPPROTO_UDP, 80 },
		{ IPPROTO_ICMP, 0 }, { 47, 0 },
	};
	struct policy_ep	 eps[NCTRS], dst;
	struct policy_verdict	 v;
	struct policy		 pol;
	struct pfr_ruleset	 rs;
	struct cidr		 pool = { POOL, 16 };
	enum pfr_verdict	 want, got;
	char			*cause = NULL;
	json_t			*e;
	size_t			 i, c, a, k, checked = 0, refused = 0;
	int			 round, n, h;

	(void)state;
	srand(12);
	eps_fill(eps);
	for (round = 0; round < 400; round++) {
		policy_init(&pol);
		for (n = rand() % 8; n > 0; n--) {
			e = random_rule();
			assert_int_equal(policy_parse_entry(&pol, e, "r",
			    rand() % 2 ? "s" : NULL, &cause), 0);
			json_decref(e);
		}
		for (n = rand() % 3; n > 0; n--) {
			e = random_knp(n);
			if (policy_parse_entry(&pol, e, "k", rand() % 2 ?
			    "s" : "t", &cause) == -1)
				fail_msg("%s", cause);
			json_decref(e);
		}
		pfr_head(&rs, "berth", &pool, 213, egress_en0, 1);
		for (i = 0; i < NCTRS; i++)
			pfr_add(&rs, ctrs[i].name, eps[i].addr,
			    ctrs[i].internal, NULL, 0);
		pfr_add_policy(&rs, &pol, eps, NCTRS);
		assert_int_equal(pfr_validate(&rs, &cause), 0);
		for (c = 0; c < NCTRS; c++) {
			if (eps[c].internal)
				continue;	/* networks: internal_output */
			for (h = 0; h < 2; h++)
			for (a = 0; a < (h ? nitems(hosts) : nitems(outside));
			    a++)
			for (k = 0; k < nitems(flows); k++) {
				memset(&dst, 0, sizeof(dst));
				dst.kind = h ? POLICY_EP_HOST :
				    POLICY_EP_OUTSIDE;
				dst.addr = h ? hosts[a] : outside[a];
				policy_decide(&pol, &eps[c], &dst,
				    flows[k].proto, flows[k].port, 0, &v);
				want = v.action == POLICY_ALLOW ? PFR_ACCEPT :
				    v.action == POLICY_DROP ? PFR_DROP :
				    PFR_REJECT;
				got = interpret(&rs, &eps[c], dst.addr, h,
				    flows[k].proto, flows[k].port);
				if (got != want)
					fail_msg("round %d: %s -> %08x proto "
					    "%u port %u: filters %d, model %d "
					    "(%s)", round, eps[c].name,
					    dst.addr, flows[k].proto,
					    flows[k].port, got, want, v.why);
				checked++;
				refused += want != PFR_ACCEPT;
			}
		}
		pfr_ruleset_clear(&rs);
		policy_clear(&pol);
	}
	/* the sets decided something: not all allowed, not all refused */
	assert_true(refused > checked / 20 && refused < checked);
}

/*
 * The router's index (policy_pair_build, policy_decide_pair) decides as
 * the linear evaluator does, first match and all: the same verdict, by
 * the same rule or NetworkPolicy, with the same why, the same hits; and
 * without the why, the same verdict.
 */
static void
test_index_matches_linear(void **state)
{
	static const uint32_t others[] = { 0xc6336403, 0xcb007105,
	    0x0a000001, 0x7f000001, POOL | 1 };
	static const struct { uint8_t proto; uint16_t port; } flows[] = {
		{ IPPROTO_TCP, 80 }, { IPPROTO_TCP, 1500 }, { IPPROTO_UDP, 53 },
		{ IPPROTO_UDP, 5003 }, { IPPROTO_ICMP, 0 }, { 47, 0 },
	};
	struct policy_ep	 eps[NCTRS + nitems(others)];
	struct policy_verdict	 lin, idx, fast;
	struct policy_pair	 pp = { NULL, 0, 0 };
	struct policy		 pol;
	char			*cause = NULL;
	json_t			*e;
	size_t			 i, a, b, k, n = NCTRS + nitems(others);
	size_t			 checked = 0, byrule = 0;
	int			 round, m;
	uint64_t		 hits;

	(void)state;
	srand(21);
	eps_fill(eps);
	for (i = 0; i < nitems(others); i++) {
		memset(&eps[NCTRS + i], 0, sizeof(eps[0]));
		eps[NCTRS + i].kind = i < 3 ? POLICY_EP_OUTSIDE :
		    POLICY_EP_HOST;
		eps[NCTRS + i].gateway = i == 4;
		eps[NCTRS + i].addr = others[i];
	}
	for (round = 0; round < 300; round++) {
		policy_init(&pol);
		/* up to 60 rules: many pairs with several candidates */
		for (m = rand() % 60; m > 0; m--) {
			e = random_rule();
			assert_int_equal(policy_parse_entry(&pol, e, "r",
			    rand() % 2 ? "s" : NULL, &cause), 0);
			json_decref(e);
		}
		for (m = rand() % 3; m > 0; m--) {
			e = random_knp(m);
			assert_int_equal(policy_parse_entry(&pol, e, "k",
			    rand() % 2 ? "s" : "t", &cause), 0);
			json_decref(e);
		}
		for (a = 0; a < n; a++)
		for (b = 0; b < n; b++) {
			policy_pair_build(&pol, &eps[a], &eps[b], &pp);
			for (k = 0; k < nitems(flows); k++) {
				policy_decide(&pol, &eps[a], &eps[b],
				    flows[k].proto, flows[k].port, 1, &lin);
				hits = lin.rule != NULL ? lin.rule->hits : 0;
				policy_decide_pair(&pol, &eps[a], &eps[b],
				    flows[k].proto, flows[k].port, 1, &idx,
				    &pp, 1);
				policy_decide_pair(&pol, &eps[a], &eps[b],
				    flows[k].proto, flows[k].port, 0, &fast,
				    &pp, 0);
				if (lin.action != idx.action ||
				    lin.by != idx.by || lin.rule != idx.rule ||
				    lin.knp != idx.knp ||
				    strcmp(lin.why, idx.why) != 0 ||
				    fast.action != lin.action ||
				    fast.rule != lin.rule)
					fail_msg("round %d, %zu -> %zu, proto "
					    "%u port %u: linear %s (%s), "
					    "indexed %s (%s), fast %s", round,
					    a, b, flows[k].proto,
					    flows[k].port,
					    policy_action_name(lin.action),
					    lin.why,
					    policy_action_name(idx.action),
					    idx.why,
					    policy_action_name(fast.action));
				if (lin.rule != NULL)
					assert_int_equal(lin.rule->hits,
					    hits + 1);
				assert_int_equal(fast.why[0], '\0');
				checked++;
				byrule += lin.by == POLICY_BY_RULE;
			}
		}
		policy_clear(&pol);
	}
	policy_pair_free(&pp);
	/* rules decided a fair share: the comparison meant something */
	assert_true(byrule > checked / 10);
}

/* Both renderers print a filter; a bad comment or network is refused. */
static void
test_filters_render(void **state)
{
	struct pfr_ruleset	 rs;
	struct pfr_filter	 f;
	struct pfr_anchor	*a;
	struct cidr		 pool = { POOL, 16 }, src = { POOL | 2, 32 };
	struct cidr		 exc = { 0xc6336400, 28 };
	char			*text, *cause = NULL;
	size_t			 n;

	(void)state;
	pfr_head(&rs, "berth", &pool, 213, egress_en0, 1);
	pfr_add(&rs, "web", POOL | 2, 0, NULL, 0);
	memset(&f, 0, sizeof(f));
	f.src = &src;
	f.nsrc = 1;
	f.dstkind = PFR_DST_OUTSIDE;
	f.dst.net = 0xc6336400;
	f.dst.plen = 24;
	f.except = &exc;
	f.nexcept = 1;
	f.proto = IPPROTO_TCP;
	f.lo = 8000;
	f.hi = 8010;
	f.verdict = PFR_REJECT;
	snprintf(f.what, sizeof(f.what), "rule 7 of stack shop");
	rs.filters = &f;
	rs.nfilters = 1;
	text = pfr_nft_render(&rs, &cause);
	assert_non_null(text);
	assert_non_null(strstr(text, "\t\tip saddr 10.241.0.2 fib daddr type "
	    "!= local ip daddr 198.51.100.0/24 ip daddr != 198.51.100.0/28 "
	    "tcp dport 8000-8010 counter reject with tcp reset comment "
	    "\"rule 7 of stack shop\"\n"));
	free(text);
	assert_int_equal(pfr_pf_render(&rs, &a, &n, &cause), 0);
	assert_string_equal(a[2].path, "com.apple/berth/policy");
	assert_non_null(strstr(a[2].text, "table <e0> const { "
	    "198.51.100.0/24, !198.51.100.0/28 }\n"));
	assert_non_null(strstr(a[2].text, "# rule 7 of stack shop\nblock "
	    "return-rst out quick inet proto tcp from { 10.241.0.2 } to <e0> "
	    "port 8000:8010\n"));
	pfr_anchors_free(a, n);

	/* what reaches a comment is a closed set */
	snprintf(f.what, sizeof(f.what), "rule\" accept #");
	assert_null(pfr_nft_render(&rs, &cause));
	assert_non_null(strstr(cause, "comment"));
	free(cause);
	cause = NULL;
	snprintf(f.what, sizeof(f.what), "rule 1");
	f.dst.net = 0xc6336401;		/* host bits */
	assert_int_equal(pfr_pf_render(&rs, &a, &n, &cause), -1);
	assert_non_null(strstr(cause, "not a network"));
	free(cause);
	cause = NULL;
	f.dst.net = 0xc6336400;
	f.proto = IPPROTO_ICMP;		/* no ports for icmp */
	assert_null(pfr_nft_render(&rs, &cause));
	assert_non_null(strstr(cause, "port range"));
	free(cause);
	rs.filters = NULL;
	rs.nfilters = 0;
	pfr_ruleset_clear(&rs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filters_match_model),
		cmocka_unit_test(test_filters_render),
		cmocka_unit_test(test_index_matches_linear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
