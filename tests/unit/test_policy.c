/* SPDX-License-Identifier: ISC */
/*
 * test_policy.c - the policy model: selectors and ports, networks,
 * ordered rules, Kubernetes NetworkPolicy cases in the style of the
 * Kubernetes network-policy e2e tests (each with its truth table), and
 * hostile input refused with the field named.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "policy.h"
#include "util.h"

#define TCP	IPPROTO_TCP
#define UDP	IPPROTO_UDP
#define ICMP	IPPROTO_ICMP

static char *front[] = { "front" };
static char *back[] = { "back" };
static char *both[] = { "front", "back" };
static char *priv[] = { "priv" };

static const struct policy_label l_web[] = { { "app", "web" },
    { "tier", "front" } };
static const struct policy_label l_api[] = { { "app", "api" },
    { "role", "frontend" } };
static const struct policy_label l_db[] = { { "app", "db" } };
static const struct policy_label l_cache[] = { { "app", "cache" },
    { "env", "dev" } };

/* The endpoints: shop-{web,api,db,cache}, other-client, host, outside. */
enum { WEB, API, DB, CACHE, OTHER, HOST, GW, OUT, NEP };

static struct policy_ep eps[NEP] = {
	[WEB] = { POLICY_EP_CTR, 0x0ad50002, 0, "shop-web", "shop", "web",
	    both, 2, 0, l_web, 2 },
	[API] = { POLICY_EP_CTR, 0x0ad50003, 0, "shop-api", "shop", "api",
	    both, 2, 0, l_api, 2 },
	[DB] = { POLICY_EP_CTR, 0x0ad50004, 0, "shop-db", "shop", "db",
	    back, 1, 0, l_db, 1 },
	[CACHE] = { POLICY_EP_CTR, 0x0ad50005, 0, "shop-cache", "shop",
	    "cache", back, 1, 0, l_cache, 2 },
	[OTHER] = { POLICY_EP_CTR, 0x0ad50006, 0, "client", "other", "client",
	    both, 2, 0, NULL, 0 },
	[HOST] = { POLICY_EP_HOST, 0xc0a80001, 0, NULL, NULL, NULL, NULL, 0, 0,
	    NULL, 0 },
	[GW] = { POLICY_EP_HOST, 0x0ad50001, 1, NULL, NULL, NULL, NULL, 0, 0,
	    NULL, 0 },
	[OUT] = { POLICY_EP_OUTSIDE, 0x08080808, 0, NULL, NULL, NULL, NULL, 0,
	    0, NULL, 0 },
};

static void
add(struct policy *p, const char *json, const char *stack)
{
	json_error_t	 err;
	json_t		*j = json_loads(json, 0, &err);
	char		*cause = NULL;

	if (j == NULL)
		fail_msg("bad test json: %s: %s", err.text, json);
	if (policy_parse_entry(p, j, "policy[0]", stack, &cause) == -1)
		fail_msg("refused: %s", cause);
	json_decref(j);
}

static enum policy_action
decide(struct policy *p, int s, int d, uint8_t proto, uint16_t port)
{
	struct policy_verdict	 v;

	policy_decide(p, &eps[s], &eps[d], proto, port, 1, &v);
	return v.action;
}

/*
 * A truth table over the first n endpoints: row = source, column =
 * destination; 'Y' allowed, 'N' refused, '.' not checked.
 */
static void
table(struct policy *p, int n, uint8_t proto, uint16_t port,
    const char *const *rows)
{
	struct policy_verdict	 v;
	int			 s, d;
	char			 got;

	for (s = 0; s < n; s++) {
		for (d = 0; d < n; d++) {
			if (rows[s][d] == '.')
				continue;
			policy_decide(p, &eps[s], &eps[d], proto, port, 0, &v);
			got = v.action == POLICY_ALLOW ? 'Y' : 'N';
			if (got != rows[s][d])
				fail_msg("%d -> %d port %u: want %c, got %c (%s)",
				    s, d, port, rows[s][d], got, v.why);
		}
	}
}

static void
test_selectors(void **state)
{
	struct policy_sel	 s;
	struct policy_port	 pp;
	char			*cause = NULL, buf[64];

	assert_int_equal(policy_sel_parse("*", &s, "x", &cause), 0);
	assert_int_equal(s.kind, POLICY_SEL_ANY);
	assert_int_equal(policy_sel_parse("net:back", &s, "x", &cause), 0);
	assert_int_equal(s.kind, POLICY_SEL_NET);
	assert_string_equal(policy_sel_fmt(&s, buf, sizeof(buf)), "net:back");
	free(s.name);
	assert_int_equal(policy_sel_parse("label:app=web", &s, "x", &cause),
	    0);
	assert_int_equal(s.kind, POLICY_SEL_LABEL);
	assert_string_equal(s.value, "web");
	free(s.name);
	free(s.value);
	assert_int_equal(policy_sel_parse("10.213.0.0/24", &s, "x", &cause), 0);
	assert_int_equal(s.cidr.plen, 24);
	assert_int_equal(policy_sel_parse("10.213.0.7", &s, "x", &cause), 0);
	assert_int_equal(s.cidr.plen, 32);
	assert_int_equal(policy_sel_parse("host", &s, "x", &cause), 0);
	assert_int_equal(s.kind, POLICY_SEL_HOST);
	assert_int_equal(policy_sel_parse("outside", &s, "x", &cause), 0);
	assert_int_equal(s.kind, POLICY_SEL_OUTSIDE);
	assert_int_equal(policy_sel_parse("web", &s, "x", &cause), 0);
	assert_int_equal(s.kind, POLICY_SEL_NAME);
	free(s.name);

	assert_int_equal(policy_sel_parse("Web!", &s, "p.from", &cause), -1);
	assert_non_null(strstr(cause, "p.from"));
	free(cause), cause = NULL;
	assert_int_equal(policy_sel_parse("10.1.2.3/33", &s, "p.to", &cause),
	    -1);
	assert_non_null(strstr(cause, "p.to"));
	free(cause), cause = NULL;
	assert_int_equal(policy_sel_parse("label:app", &s, "p.to", &cause), -1);
	free(cause), cause = NULL;
	assert_int_equal(policy_sel_parse("label:app=we b", &s, "p.to",
	    &cause), -1);
	free(cause), cause = NULL;
	assert_int_equal(policy_sel_parse("net:Bad_Net", &s, "p.to", &cause),
	    -1);
	assert_non_null(strstr(cause, "p.to"));
	free(cause), cause = NULL;

	assert_int_equal(policy_port_parse("tcp/6379", &pp, "x", &cause), 0);
	assert_true(pp.proto == TCP && pp.lo == 6379 && pp.hi == 6379);
	assert_int_equal(policy_port_parse("udp/8000-8010", &pp, "x", &cause),
	    0);
	assert_true(pp.proto == UDP && pp.lo == 8000 && pp.hi == 8010);
	assert_int_equal(policy_port_parse("icmp", &pp, "x", &cause), 0);
	assert_int_equal(pp.proto, ICMP);
	assert_int_equal(policy_port_parse("tcp", &pp, "x", &cause), 0);
	assert_true(pp.lo == 0 && pp.hi == 65535);
	assert_int_equal(policy_port_parse("tcp/0", &pp, "q", &cause), -1);
	free(cause), cause = NULL;
	assert_int_equal(policy_port_parse("tcp/9-8", &pp, "q", &cause), -1);
	free(cause), cause = NULL;
	assert_int_equal(policy_port_parse("tcp/65536", &pp, "q", &cause), -1);
	free(cause), cause = NULL;
	assert_int_equal(policy_port_parse("sctp/1", &pp, "q.ports[3]",
	    &cause), -1);
	assert_non_null(strstr(cause, "q.ports[3]"));
	free(cause), cause = NULL;
}

/* Networks isolate; internal reaches members and netd's DNS only. */
static void
test_networks(void **state)
{
	struct policy		 p;
	struct policy_verdict	 v;
	/* WEB front+back, API front+back, DB back, CACHE back. */
	static const char *const tcp80[] = {
		"YYYY", "YYYY", "YYYY", "YYYY",
	};

	policy_init(&p);
	table(&p, 4, TCP, 80, tcp80);
	eps[DB].nets = front;
	eps[CACHE].nets = priv;
	/* DB now front only, CACHE on priv: share nothing with DB. */
	policy_decide(&p, &eps[DB], &eps[CACHE], TCP, 80, 0, &v);
	assert_int_equal(v.action, POLICY_REJECT);
	assert_int_equal(v.by, POLICY_BY_NETWORK);
	assert_non_null(strstr(v.why, "share no network"));
	assert_non_null(strstr(v.why, "priv"));
	assert_int_equal(decide(&p, CACHE, WEB, TCP, 80), POLICY_REJECT);
	/* The host reaches every container; containers the host. */
	assert_int_equal(decide(&p, HOST, CACHE, TCP, 80), POLICY_ALLOW);
	assert_int_equal(decide(&p, GW, CACHE, TCP, 80), POLICY_ALLOW);
	assert_int_equal(decide(&p, CACHE, OUT, TCP, 443), POLICY_ALLOW);
	/* Internal: DNS at the gateway only. */
	eps[CACHE].internal = 1;
	assert_int_equal(decide(&p, CACHE, GW, UDP, 53), POLICY_ALLOW);
	assert_int_equal(decide(&p, CACHE, GW, TCP, 53), POLICY_ALLOW);
	assert_int_equal(decide(&p, CACHE, GW, TCP, 80), POLICY_REJECT);
	assert_int_equal(decide(&p, CACHE, HOST, UDP, 53), POLICY_REJECT);
	assert_int_equal(decide(&p, CACHE, OUT, TCP, 443), POLICY_REJECT);
	policy_decide(&p, &eps[CACHE], &eps[OUT], TCP, 443, 0, &v);
	assert_non_null(strstr(v.why, "internal"));
	assert_int_equal(decide(&p, OUT, CACHE, TCP, 80), POLICY_REJECT);
	assert_int_equal(decide(&p, HOST, CACHE, TCP, 80), POLICY_ALLOW);
	eps[CACHE].internal = 0;
	eps[DB].nets = back;
	eps[CACHE].nets = back;
	policy_clear(&p);
}

static void
test_rules(void **state)
{
	struct policy		 p;
	struct policy_verdict	 v;
	char			*cause = NULL;

	policy_init(&p);
	add(&p, "{\"from\": \"web\", \"to\": \"db\", \"ports\": [\"tcp/6379\"],"
	    " \"action\": \"allow\"}", "shop");
	add(&p, "{\"from\": \"*\", \"to\": \"db\", \"action\": \"reject\"}",
	    "shop");
	add(&p, "{\"from\": \"label:app=api\", \"to\": \"net:back\", "
	    "\"ports\": [\"tcp/8000-8010\", \"icmp\"], \"action\": \"drop\"}",
	    NULL);
	add(&p, "{\"from\": \"host\", \"to\": \"10.213.0.5\", \"ports\": "
	    "[\"udp/53\"], \"action\": \"reject\"}", NULL);
	add(&p, "{\"from\": \"10.213.0.0/30\", \"to\": \"outside\", "
	    "\"action\": \"drop\"}", NULL);
	add(&p, "{\"from\": \"client\", \"to\": \"shop-web\", "
	    "\"action\": \"reject\"}", NULL);
	assert_true(policy_has_rules(&p));
	/* First match wins: web -> db:6379 allowed, other ports rejected. */
	assert_int_equal(decide(&p, WEB, DB, TCP, 6379), POLICY_ALLOW);
	assert_int_equal(decide(&p, WEB, DB, TCP, 6380), POLICY_REJECT);
	assert_int_equal(decide(&p, API, DB, TCP, 6379), POLICY_REJECT);
	policy_decide(&p, &eps[API], &eps[DB], TCP, 6379, 0, &v);
	assert_int_equal(v.by, POLICY_BY_RULE);
	assert_int_equal(v.rule->id, 2);
	assert_non_null(strstr(v.why, "rule 2 of stack shop"));
	/* Service names are a stack's: "web" is not another stack's web. */
	eps[OTHER].service = "web";
	assert_int_equal(decide(&p, OTHER, DB, TCP, 6379), POLICY_REJECT);
	policy_decide(&p, &eps[OTHER], &eps[DB], TCP, 6379, 0, &v);
	assert_int_equal(v.rule->id, 2);
	eps[OTHER].service = "client";
	/* Labels, networks, ranges, icmp. */
	assert_int_equal(decide(&p, API, CACHE, TCP, 8005), POLICY_DROP);
	assert_int_equal(decide(&p, API, CACHE, TCP, 8011), POLICY_ALLOW);
	assert_int_equal(decide(&p, API, CACHE, ICMP, 0), POLICY_DROP);
	assert_int_equal(decide(&p, API, CACHE, UDP, 8005), POLICY_ALLOW);
	assert_int_equal(decide(&p, WEB, CACHE, TCP, 8005), POLICY_ALLOW);
	/* host, CIDR. */
	assert_int_equal(decide(&p, HOST, CACHE, UDP, 53), POLICY_REJECT);
	assert_int_equal(decide(&p, GW, CACHE, UDP, 53), POLICY_REJECT);
	assert_int_equal(decide(&p, HOST, CACHE, TCP, 53), POLICY_ALLOW);
	assert_int_equal(decide(&p, HOST, DB, UDP, 53), POLICY_REJECT);
	assert_int_equal(decide(&p, WEB, OUT, TCP, 443), POLICY_DROP);
	assert_int_equal(decide(&p, CACHE, OUT, TCP, 443), POLICY_ALLOW);
	/* A container name. */
	assert_int_equal(decide(&p, OTHER, WEB, TCP, 80), POLICY_REJECT);
	assert_int_equal(decide(&p, OTHER, API, TCP, 80), POLICY_ALLOW);
	/* Hits were counted by decide(), not by table(). */
	assert_true(p.rules[0].hits == 1);
	assert_true(p.rules[1].hits >= 2);
	/* Remove one, then the stack's. */
	assert_int_equal(policy_remove(&p, 1), 0);
	assert_int_equal(policy_remove(&p, 1), -1);
	assert_int_equal(decide(&p, WEB, DB, TCP, 6379), POLICY_REJECT);
	assert_int_equal(policy_remove_stack(&p, "shop"), 1);
	assert_int_equal(decide(&p, WEB, DB, TCP, 6379), POLICY_ALLOW);
	assert_int_equal(p.nrules, 4);
	/* Round trip through JSON keeps ids and order. */
	{
		json_t		*j = policy_json(&p);
		struct policy	 q;

		policy_init(&q);
		assert_int_equal(policy_load(&q, j, &cause), 0);
		assert_int_equal(q.nrules, 4);
		assert_int_equal(q.rules[0].id, p.rules[0].id);
		assert_int_equal(decide(&q, API, CACHE, TCP, 8005),
		    POLICY_DROP);
		json_decref(j);
		policy_clear(&q);
	}
	policy_clear(&p);
	assert_false(policy_has_rules(&p));
}

#define NP(name, spec) "{\"apiVersion\": \"networking.k8s.io/v1\", " \
	"\"kind\": \"NetworkPolicy\", \"metadata\": {\"name\": \"" name \
	"\"}, \"spec\": " spec "}"

/* e2e: "should support a 'default-deny-ingress' policy". */
static void
test_k8s_deny_all(void **state)
{
	struct policy		 p;
	struct policy_verdict	 v;
	/* WEB API DB CACHE OTHER; OTHER is in namespace "other". */
	static const char *const want[] = {
		".NNNY", "N.NNY", "NN.NY", "NNN.Y", "NNNN.",
	};

	policy_init(&p);
	add(&p, NP("deny-all", "{\"podSelector\": {}, \"policyTypes\": "
	    "[\"Ingress\"]}"), "shop");
	table(&p, 5, TCP, 80, want);
	/* The node (the host) is always allowed, both ways. */
	assert_int_equal(decide(&p, GW, WEB, TCP, 80), POLICY_ALLOW);
	assert_int_equal(decide(&p, HOST, WEB, TCP, 80), POLICY_ALLOW);
	policy_decide(&p, &eps[API], &eps[DB], TCP, 80, 0, &v);
	assert_int_equal(v.by, POLICY_BY_K8S);
	assert_non_null(strstr(v.why, "shop/deny-all"));
	/* Egress is not isolated: shop reaches the outside. */
	assert_int_equal(decide(&p, WEB, OUT, TCP, 443), POLICY_ALLOW);
	policy_clear(&p);
}

/* e2e: "should enforce policy to allow traffic only from a pod with a
 * label" (role=frontend -> app=db). */
static void
test_k8s_from_label(void **state)
{
	struct policy	 p;
	static const char *const want[] = {
		".YNYY", "Y.YYY", "YY.YY", "YYN.Y", "YYNY.",
	};

	policy_init(&p);
	add(&p, NP("db-from-frontend", "{\"podSelector\": {\"matchLabels\": "
	    "{\"app\": \"db\"}}, \"ingress\": [{\"from\": [{\"podSelector\": "
	    "{\"matchLabels\": {\"role\": \"frontend\"}}}]}]}"), "shop");
	table(&p, 5, TCP, 6379, want);
	policy_clear(&p);
}

/* e2e: "should allow ingress access from namespace on one named port"
 * without the name: a namespaceSelector and a port. */
static void
test_k8s_namespace(void **state)
{
	struct policy	 p;
	static const char *const want81[] = {
		".NYYY", "N.YYY", "NN.YY", "NNY.Y", "NNYY.",
	};

	policy_init(&p);
	add(&p, NP("from-other", "{\"podSelector\": {\"matchExpressions\": "
	    "[{\"key\": \"app\", \"operator\": \"In\", \"values\": [\"web\", "
	    "\"api\"]}]}, \"ingress\": [{\"from\": [{\"namespaceSelector\": "
	    "{\"matchLabels\": {\"name\": \"other\"}}}], \"ports\": "
	    "[{\"port\": 80}]}]}"), "shop");
	/* web, api isolated: only namespace "other" on tcp/80. */
	assert_int_equal(decide(&p, OTHER, WEB, TCP, 80), POLICY_ALLOW);
	assert_int_equal(decide(&p, OTHER, API, TCP, 80), POLICY_ALLOW);
	assert_int_equal(decide(&p, OTHER, WEB, TCP, 81), POLICY_REJECT);
	assert_int_equal(decide(&p, DB, WEB, TCP, 80), POLICY_REJECT);
	assert_int_equal(decide(&p, WEB, API, TCP, 80), POLICY_REJECT);
	assert_int_equal(decide(&p, WEB, DB, TCP, 80), POLICY_ALLOW);
	table(&p, 5, TCP, 81, want81);
	policy_clear(&p);
}

/* e2e: "should enforce except clause while egress access to server in
 * CIDR block", here for ingress by ipBlock. */
static void
test_k8s_ipblock(void **state)
{
	struct policy	 p;

	policy_init(&p);
	add(&p, NP("db-ipblock", "{\"podSelector\": {\"matchLabels\": "
	    "{\"app\": \"db\"}}, \"ingress\": [{\"from\": [{\"ipBlock\": "
	    "{\"cidr\": \"10.213.0.0/29\", \"except\": [\"10.213.0.2/32\", "
	    "\"10.213.0.6/31\"]}}]}]}"), "shop");
	/* .1 gw, .2 web (except), .3 api, .5 cache, .6 other (except). */
	assert_int_equal(decide(&p, GW, DB, TCP, 6379), POLICY_ALLOW);
	assert_int_equal(decide(&p, WEB, DB, TCP, 6379), POLICY_REJECT);
	assert_int_equal(decide(&p, API, DB, TCP, 6379), POLICY_ALLOW);
	assert_int_equal(decide(&p, CACHE, DB, TCP, 6379), POLICY_ALLOW);
	assert_int_equal(decide(&p, OTHER, DB, TCP, 6379), POLICY_REJECT);
	/* The host is the node: allowed whatever the ipBlock says. */
	assert_int_equal(decide(&p, HOST, DB, TCP, 6379), POLICY_ALLOW);
	assert_int_equal(decide(&p, DB, WEB, TCP, 80), POLICY_ALLOW);
	policy_clear(&p);
}

/* e2e: "should enforce egress policy allowing traffic to a server in a
 * different namespace based on PodSelector and NamespaceSelector" and
 * "should deny egress": egress only. */
static void
test_k8s_egress_only(void **state)
{
	struct policy	 p;
	static const char *const want[] = {
		".NYNN", "Y.YYY", "YY.YY", "YYY.Y", "YYYY.",
	};

	policy_init(&p);
	add(&p, NP("web-egress", "{\"podSelector\": {\"matchLabels\": "
	    "{\"app\": \"web\"}}, \"policyTypes\": [\"Egress\"], \"egress\": "
	    "[{\"to\": [{\"podSelector\": {\"matchLabels\": {\"app\": "
	    "\"db\"}}}], \"ports\": [{\"protocol\": \"TCP\", \"port\": "
	    "6379}]}]}"), "shop");
	table(&p, 5, TCP, 6379, want);
	/* Other ports to db and the outside refused: egress isolates;
	 * the node (DNS on the gateway) stays reachable. */
	assert_int_equal(decide(&p, WEB, DB, TCP, 80), POLICY_REJECT);
	assert_int_equal(decide(&p, WEB, GW, UDP, 53), POLICY_ALLOW);
	assert_int_equal(decide(&p, WEB, OUT, TCP, 443), POLICY_REJECT);
	policy_clear(&p);
}

/* e2e: "should enforce policy based on Ports" with endPort ranges. */
static void
test_k8s_port_range(void **state)
{
	struct policy	 p;

	policy_init(&p);
	add(&p, NP("api-range", "{\"podSelector\": {\"matchLabels\": "
	    "{\"app\": \"api\"}}, \"ingress\": [{\"ports\": [{\"port\": 8000,"
	    " \"endPort\": 8010}, {\"protocol\": \"UDP\", \"port\": 53}]}]}"),
	    "shop");
	assert_int_equal(decide(&p, WEB, API, TCP, 7999), POLICY_REJECT);
	assert_int_equal(decide(&p, WEB, API, TCP, 8000), POLICY_ALLOW);
	assert_int_equal(decide(&p, WEB, API, TCP, 8010), POLICY_ALLOW);
	assert_int_equal(decide(&p, WEB, API, TCP, 8011), POLICY_REJECT);
	assert_int_equal(decide(&p, WEB, API, UDP, 8005), POLICY_REJECT);
	assert_int_equal(decide(&p, WEB, API, UDP, 53), POLICY_ALLOW);
	assert_int_equal(decide(&p, WEB, API, ICMP, 0), POLICY_REJECT);
	assert_int_equal(decide(&p, OTHER, API, TCP, 8005), POLICY_ALLOW);
	policy_clear(&p);
}

/* e2e: "should allow ingress access from updated pod" / "multiple
 * policies": what they allow is the union. */
static void
test_k8s_union(void **state)
{
	struct policy		 p;
	struct policy_verdict	 v;
	static const char *const want[] = {
		".YYNY", "Y.NYY", "YY.YY", "YYY.Y", "YYNY.",
	};

	policy_init(&p);
	add(&p, NP("db-from-web", "{\"podSelector\": {\"matchLabels\": "
	    "{\"app\": \"db\"}}, \"ingress\": [{\"from\": [{\"podSelector\": "
	    "{\"matchLabels\": {\"app\": \"web\"}}}]}]}"), "shop");
	add(&p, NP("db-from-cache", "{\"podSelector\": {\"matchLabels\": "
	    "{\"app\": \"db\"}}, \"ingress\": [{\"from\": [{\"podSelector\": "
	    "{\"matchExpressions\": [{\"key\": \"env\", \"operator\": "
	    "\"Exists\"}]}}]}]}"), "shop");
	add(&p, NP("cache-not-web", "{\"podSelector\": {\"matchLabels\": "
	    "{\"app\": \"cache\"}}, \"ingress\": [{\"from\": [{\"podSelector\": "
	    "{\"matchExpressions\": [{\"key\": \"app\", \"operator\": "
	    "\"NotIn\", \"values\": [\"web\"]}]}, \"namespaceSelector\": "
	    "{}}]}]}"), "shop");
	table(&p, 5, TCP, 5432, want);
	policy_decide(&p, &eps[CACHE], &eps[DB], TCP, 1, 0, &v);
	assert_non_null(strstr(v.why, "db-from-cache"));
	/* NotIn with an empty namespaceSelector: every namespace. */
	assert_int_equal(decide(&p, OTHER, CACHE, TCP, 1), POLICY_ALLOW);
	policy_clear(&p);
}

/* Ingress and egress both isolated: a flow needs both. An empty rule
 * admits everything; rules come before NetworkPolicy. */
static void
test_k8s_both(void **state)
{
	struct policy	 p;

	policy_init(&p);
	add(&p, NP("web-out", "{\"podSelector\": {\"matchLabels\": {\"app\": "
	    "\"web\"}}, \"policyTypes\": [\"Egress\"], \"egress\": [{\"to\": "
	    "[{\"podSelector\": {}}]}]}"), "shop");
	add(&p, NP("db-in", "{\"podSelector\": {\"matchLabels\": {\"app\": "
	    "\"db\"}}, \"policyTypes\": [\"Ingress\"], \"ingress\": "
	    "[{\"from\": [{\"podSelector\": {\"matchLabels\": {\"app\": "
	    "\"api\"}}}]}]}"), "shop");
	add(&p, NP("cache-any", "{\"podSelector\": {\"matchLabels\": {\"app\":"
	    " \"cache\"}}, \"ingress\": [{}]}"), "shop");
	/* web may send to pods of shop, but db admits only api. */
	assert_int_equal(decide(&p, WEB, DB, TCP, 1), POLICY_REJECT);
	assert_int_equal(decide(&p, API, DB, TCP, 1), POLICY_ALLOW);
	assert_int_equal(decide(&p, WEB, CACHE, TCP, 1), POLICY_ALLOW);
	assert_int_equal(decide(&p, WEB, OTHER, TCP, 1), POLICY_REJECT);
	assert_int_equal(decide(&p, OTHER, CACHE, TCP, 1), POLICY_ALLOW);
	/* A rule decides first. */
	add(&p, "{\"from\": \"web\", \"to\": \"db\", \"action\": \"allow\"}",
	    "shop");
	assert_int_equal(decide(&p, WEB, DB, TCP, 1), POLICY_ALLOW);
	/* Another stack's policy does not select shop's pods. */
	assert_int_equal(policy_remove_stack(&p, "shop"), 4);
	add(&p, NP("deny", "{\"podSelector\": {}}"), "other");
	assert_int_equal(decide(&p, WEB, DB, TCP, 1), POLICY_ALLOW);
	assert_int_equal(decide(&p, WEB, OTHER, TCP, 1), POLICY_REJECT);
	policy_clear(&p);
}

/*
 * policy_touches: every flow a rule or a NetworkPolicy decides (by
 * RULE or K8S, what counts a hit) with a container destination d is
 * covered: d is touched TO, or the source is a container touched PEER.
 * Over every pair of endpoints and a few ports.
 */
static void
covered(struct policy *p)
{
	static const struct { uint8_t proto; uint16_t port; } pp[] = {
		{ TCP, 80 }, { TCP, 6379 }, { TCP, 443 }, { UDP, 53 },
		{ ICMP, 0 } };
	struct policy_verdict	 v;
	size_t			 k;
	int			 s, d, ts, td;

	for (s = 0; s < NEP; s++)
		for (d = 0; d < NEP; d++) {
			if (eps[d].kind != POLICY_EP_CTR || s == d)
				continue;
			ts = policy_touches(p, &eps[s]);
			td = policy_touches(p, &eps[d]);
			for (k = 0; k < nitems(pp); k++) {
				policy_decide(p, &eps[s], &eps[d], pp[k].proto,
				    pp[k].port, 0, &v);
				if (v.by != POLICY_BY_RULE &&
				    v.by != POLICY_BY_K8S)
					continue;
				if ((td & POLICY_TOUCH_TO) ||
				    (eps[s].kind == POLICY_EP_CTR &&
				    (ts & POLICY_TOUCH_PEER)))
					continue;
				fail_msg("%d -> %d (%u/%u) decided (%s), "
				    "touches %d, %d", s, d, pp[k].proto,
				    pp[k].port, v.why, ts, td);
			}
		}
}

/* What one entry touches: a string of NEP digits, one per endpoint. */
static void
touches(const char *json, const char *stack, const char *want)
{
	struct policy	 p;
	char		 got[NEP + 1];
	int		 i;

	policy_init(&p);
	add(&p, json, stack);
	for (i = 0; i < NEP; i++)
		got[i] = (char)('0' + policy_touches(&p, &eps[i]));
	got[NEP] = '\0';
	if (strcmp(got, want) != 0)
		fail_msg("%s: touches %s, want %s", json, got, want);
	covered(&p);
	policy_clear(&p);
}

static void
test_touches(void **state)
{
	struct policy	 p;

	/* WEB API DB CACHE OTHER HOST GW OUT; 1 TO, 2 PEER, 3 both. */
	policy_init(&p);
	for (int i = 0; i < NEP; i++)
		assert_int_equal(policy_touches(&p, &eps[i]), 0);
	policy_clear(&p);
	/* to names containers: what it names, both sets */
	touches("{\"from\": \"web\", \"to\": \"db\", \"action\": \"reject\"}",
	    "shop", "00100000");
	touches("{\"from\": \"*\", \"to\": \"label:app=db\", "
	    "\"action\": \"drop\"}", NULL, "00100000");
	touches("{\"from\": \"host\", \"to\": \"shop-web\", "
	    "\"action\": \"reject\"}", NULL, "10000000");
	touches("{\"from\": \"outside\", \"to\": \"net:front\", "
	    "\"action\": \"reject\"}", NULL, "11001000");
	/* from names containers, to does not: what from names, @peers */
	touches("{\"from\": \"web\", \"to\": \"*\", \"action\": \"reject\"}",
	    "shop", "20000000");
	touches("{\"from\": \"net:back\", \"to\": \"10.213.0.0/29\", "
	    "\"action\": \"reject\"}", NULL, "22222000");
	/* to host or outside: never a container's flow */
	touches("{\"from\": \"label:app=db\", \"to\": \"outside\", "
	    "\"action\": \"drop\"}", NULL, "00000000");
	touches("{\"from\": \"web\", \"to\": \"host\", "
	    "\"action\": \"drop\"}", "shop", "00000000");
	/* neither: what to matches */
	touches("{\"from\": \"*\", \"to\": \"*\", \"action\": \"reject\"}",
	    NULL, "11111000");
	touches("{\"from\": \"outside\", \"to\": \"10.213.0.4/31\", "
	    "\"action\": \"reject\"}", NULL, "00110000");
	touches("{\"from\": \"*\", \"to\": \"host\", \"action\": \"reject\"}",
	    NULL, "00000000");
	/* NetworkPolicy: ingress TO, egress PEER, the pods it selects */
	touches(NP("deny-all", "{\"podSelector\": {}, \"policyTypes\": "
	    "[\"Ingress\"]}"), "shop", "11110000");
	touches(NP("web-egress", "{\"podSelector\": {\"matchLabels\": "
	    "{\"app\": \"web\"}}, \"policyTypes\": [\"Egress\"]}"), "shop",
	    "20000000");
	touches(NP("db-both", "{\"podSelector\": {\"matchLabels\": "
	    "{\"app\": \"db\"}}, \"policyTypes\": [\"Ingress\", "
	    "\"Egress\"]}"), "shop", "00300000");
	touches(NP("other", "{\"podSelector\": {}}"), "other", "00001000");
	/* all of test_rules' and a few objects at once */
	policy_init(&p);
	add(&p, "{\"from\": \"web\", \"to\": \"db\", \"ports\": [\"tcp/6379\"],"
	    " \"action\": \"allow\"}", "shop");
	add(&p, "{\"from\": \"label:app=api\", \"to\": \"net:back\", "
	    "\"ports\": [\"tcp/8000-8010\", \"icmp\"], \"action\": \"drop\"}",
	    NULL);
	add(&p, "{\"from\": \"10.213.0.0/30\", \"to\": \"outside\", "
	    "\"action\": \"drop\"}", NULL);
	add(&p, "{\"from\": \"client\", \"to\": \"*\", \"action\": "
	    "\"reject\"}", NULL);
	add(&p, NP("web-egress", "{\"podSelector\": {\"matchLabels\": "
	    "{\"app\": \"web\"}}, \"policyTypes\": [\"Egress\"]}"), "shop");
	add(&p, NP("cache-in", "{\"podSelector\": {\"matchLabels\": "
	    "{\"app\": \"cache\"}}, \"ingress\": [{\"from\": [{\"podSelector\":"
	    " {}}]}]}"), "shop");
	covered(&p);
	assert_int_equal(policy_touches(&p, &eps[GW]), 0);
	policy_clear(&p);
}

static void
refused(const char *json, const char *field)
{
	struct policy	 p;
	json_error_t	 err;
	json_t		*j = json_loads(json, 0, &err);
	char		*cause = NULL;

	if (j == NULL)
		fail_msg("bad test json: %s: %s", err.text, json);
	policy_init(&p);
	if (policy_parse_entry(&p, j, "policy[3]", "shop", &cause) == 0)
		fail_msg("accepted: %s", json);
	if (strstr(cause, field) == NULL)
		fail_msg("\"%s\" does not name %s", cause, field);
	assert_int_equal(p.nrules + p.nknps, 0);
	free(cause), cause = NULL;
	json_decref(j);
	policy_clear(&p);
}

static void
test_hostile(void **state)
{
	char	 big[8192];
	size_t	 o;
	int	 i;

	refused("[1]", "policy[3]");
	refused("{\"from\": \"a\", \"to\": \"b\"}", "policy[3].action");
	refused("{\"from\": \"a\", \"to\": \"b\", \"action\": \"maybe\"}",
	    "policy[3].action");
	refused("{\"to\": \"b\", \"action\": \"allow\"}", "policy[3].from");
	refused("{\"from\": 7, \"to\": \"b\", \"action\": \"allow\"}",
	    "policy[3].from");
	refused("{\"from\": \"a\", \"to\": \"b;rm -rf\", \"action\": "
	    "\"allow\"}", "policy[3].to");
	refused("{\"from\": \"a\", \"to\": \"b\", \"action\": \"allow\", "
	    "\"ports\": [\"tcp/1\", \"tcp/99999\"]}", "policy[3].ports[1]");
	refused("{\"from\": \"a\", \"to\": \"b\", \"action\": \"allow\", "
	    "\"ports\": \"tcp/1\"}", "policy[3].ports");
	refused("{\"from\": \"a\", \"to\": \"b\", \"action\": \"allow\", "
	    "\"port\": [\"tcp/1\"]}", "unknown key \"port\"");
	refused("{\"apiVersion\": \"v1\", \"kind\": \"NetworkPolicy\"}",
	    "policy[3].apiVersion");
	refused("{\"apiVersion\": \"networking.k8s.io/v1\", \"kind\": \"Pod\"}",
	    "policy[3].kind");
	refused("{\"apiVersion\": \"networking.k8s.io/v1\", \"kind\": "
	    "\"NetworkPolicy\", \"spec\": {}}", "policy[3].metadata");
	refused(NP("Bad Name", "{\"podSelector\": {}}"),
	    "policy[3].metadata.name");
	refused("{\"apiVersion\": \"networking.k8s.io/v1\", \"kind\": "
	    "\"NetworkPolicy\", \"metadata\": {\"name\": \"x\", \"namespace\":"
	    " \"prod\"}, \"spec\": {\"podSelector\": {}}}",
	    "policy[3].metadata.namespace");
	refused(NP("x", "{}"), "policy[3].spec.podSelector");
	refused(NP("x", "{\"podSelector\": {\"matchLabels\": {\"app\": 1}}}"),
	    "policy[3].spec.podSelector.matchLabels.app");
	refused(NP("x", "{\"podSelector\": {\"matchLabels\": {\"a b\": "
	    "\"c\"}}}"), "policy[3].spec.podSelector.matchLabels");
	refused(NP("x", "{\"podSelector\": {\"matchExpressions\": [{\"key\": "
	    "\"app\", \"operator\": \"Like\"}]}}"),
	    "policy[3].spec.podSelector.matchExpressions[0].operator");
	refused(NP("x", "{\"podSelector\": {\"matchExpressions\": [{\"key\": "
	    "\"app\", \"operator\": \"In\"}]}}"),
	    "policy[3].spec.podSelector.matchExpressions[0].values");
	refused(NP("x", "{\"podSelector\": {\"matchExpressions\": [{\"key\": "
	    "\"app\", \"operator\": \"Exists\", \"values\": [\"a\"]}]}}"),
	    "policy[3].spec.podSelector.matchExpressions[0].values");
	refused(NP("x", "{\"podSelector\": {}, \"policyTypes\": "
	    "[\"Sideways\"]}"), "policy[3].spec.policyTypes[0]");
	refused(NP("x", "{\"podSelector\": {}, \"ingress\": [{\"from\": "
	    "[{}]}]}"), "policy[3].spec.ingress[0].from[0]");
	refused(NP("x", "{\"podSelector\": {}, \"ingress\": [{\"from\": "
	    "[{\"ipBlock\": {\"cidr\": \"10.0.0.0/8\"}, \"podSelector\": "
	    "{}}]}]}"), "policy[3].spec.ingress[0].from[0].ipBlock");
	refused(NP("x", "{\"podSelector\": {}, \"ingress\": [{\"from\": "
	    "[{\"ipBlock\": {\"cidr\": \"10.0.0.0/33\"}}]}]}"),
	    "policy[3].spec.ingress[0].from[0].ipBlock.cidr");
	refused(NP("x", "{\"podSelector\": {}, \"ingress\": [{\"from\": "
	    "[{\"ipBlock\": {\"cidr\": \"10.0.0.0/8\", \"except\": "
	    "[\"11.0.0.0/8\"]}}]}]}"),
	    "policy[3].spec.ingress[0].from[0].ipBlock.except[0]");
	refused(NP("x", "{\"podSelector\": {}, \"egress\": [{\"to\": [], "
	    "\"ports\": [{\"port\": \"http\"}]}]}"),
	    "policy[3].spec.egress[0].ports[0].port: named ports");
	refused(NP("x", "{\"podSelector\": {}, \"egress\": [{\"ports\": "
	    "[{\"port\": 90, \"endPort\": 80}]}]}"),
	    "policy[3].spec.egress[0].ports[0].endPort");
	refused(NP("x", "{\"podSelector\": {}, \"egress\": [{\"ports\": "
	    "[{\"protocol\": \"SCTP\", \"port\": 1}]}]}"),
	    "policy[3].spec.egress[0].ports[0].protocol");
	refused(NP("x", "{\"podSelector\": {}, \"ingress\": [{\"form\": "
	    "[]}]}"), "policy[3].spec.ingress[0]: unknown key \"form\"");
	/* Too many entries. */
	o = (size_t)snprintf(big, sizeof(big), "{\"from\": \"a\", \"to\": "
	    "\"b\", \"action\": \"allow\", \"ports\": [");
	for (i = 0; i < POLICY_MAX_ITEMS + 1; i++)
		o += (size_t)snprintf(big + o, sizeof(big) - o, "%s\"tcp/%d\"",
		    i ? "," : "", i + 1);
	snprintf(big + o, sizeof(big) - o, "]}");
	refused(big, "policy[3].ports: at most");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_selectors),
		cmocka_unit_test(test_networks),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_k8s_deny_all),
		cmocka_unit_test(test_k8s_from_label),
		cmocka_unit_test(test_k8s_namespace),
		cmocka_unit_test(test_k8s_ipblock),
		cmocka_unit_test(test_k8s_egress_only),
		cmocka_unit_test(test_k8s_port_range),
		cmocka_unit_test(test_k8s_union),
		cmocka_unit_test(test_k8s_both),
		cmocka_unit_test(test_touches),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
