/* SPDX-License-Identifier: ISC */
/*
 * policydecide [N]: what deciding a flow's first packet costs with
 * bench/policy's 1,000 rules and 100 containers, linear (every rule, as
 * explain does) against the router's index (the rules naming the two
 * ends, built once per address pair: common/policy.c policy_pair),
 * for N flows between random pairs of containers. Checks that both
 * give the same verdict by the same rule, then prints one line:
 * "linear_us X indexed_us Y warm_us Z pairs P flows N" (indexed: lists
 * built on the way; warm: all built). No root, no netd.
 */
#include <netinet/in.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "policy.h"

#define NCTRS	100

static double
now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* bench/policy's rules: none matches a -> b; each of a different kind. */
static void
rules(struct policy *p)
{
	char	 f[32], t[32], pt[32], *cause = NULL;
	json_t	*r;
	int	 i;

	for (i = 0; i < 1000; i++) {
		switch (i % 4) {
		case 0:
			snprintf(f, sizeof(f), "c%d", 3 + i % 98);
			snprintf(t, sizeof(t), "c%d", 3 + (i * 7) % 98);
			snprintf(pt, sizeof(pt), "tcp/%d", 1000 + i);
			r = json_pack("{s:s, s:s, s:[s], s:s}", "from", f, "to",
			    t, "ports", pt, "action", "reject");
			break;
		case 1:
			snprintf(f, sizeof(f), "label:team=t%d", i);
			r = json_pack("{s:s, s:s, s:s}", "from", f, "to", "*",
			    "action", "drop");
			break;
		case 2:
			snprintf(t, sizeof(t), "10.249.%d.0/24", 1 + i % 200);
			snprintf(pt, sizeof(pt), "udp/%d-%d", 2000 + i,
			    2010 + i);
			r = json_pack("{s:s, s:s, s:[s], s:s}", "from", "net:n2",
			    "to", t, "ports", pt, "action", "reject");
			break;
		default:
			snprintf(t, sizeof(t), "c%d", 3 + i % 98);
			r = json_pack("{s:s, s:s, s:[s], s:s}", "from", "host",
			    "to", t, "ports", "icmp", "action", "drop");
			break;
		}
		if (policy_parse_entry(p, r, "rule", "bench", &cause) == -1)
			errx(1, "%s", cause);
		json_decref(r);
	}
}

int
main(int argc, char **argv)
{
	static char		 names[NCTRS][8];
	static char		*n1[] = { "n1" }, *n2[] = { "n2" };
	struct policy_ep	 eps[NCTRS];
	struct policy_pair	*pairs;
	struct policy_verdict	 v, w;
	struct policy		 pol;
	double			 t0, lin, idx, warm;
	int			 i, n = argc > 1 ? atoi(argv[1]) : 200000;
	int			*from, *to, npairs = 0;

	if (n < 1)
		errx(1, "usage: policydecide [N]");
	policy_init(&pol);
	rules(&pol);
	memset(eps, 0, sizeof(eps));
	for (i = 0; i < NCTRS; i++) {
		snprintf(names[i], sizeof(names[i]), "c%d", i + 1);
		eps[i].kind = POLICY_EP_CTR;
		eps[i].addr = 0x0af90002u + (uint32_t)i;
		eps[i].name = names[i];
		eps[i].nets = i % 2 ? n2 : n1;
		eps[i].nnets = 1;
	}
	from = calloc((size_t)n, sizeof(*from));
	to = calloc((size_t)n, sizeof(*to));
	pairs = calloc(NCTRS * NCTRS, sizeof(*pairs));
	if (from == NULL || to == NULL || pairs == NULL)
		err(1, "calloc");
	srand(1);
	for (i = 0; i < n; i++) {
		from[i] = rand() % NCTRS;
		to[i] = rand() % NCTRS;
	}

	t0 = now_us();
	for (i = 0; i < n; i++)
		policy_decide(&pol, &eps[from[i]], &eps[to[i]], IPPROTO_TCP,
		    (uint16_t)(1000 + i % 2000), 0, &v);
	lin = (now_us() - t0) / n;

	/* as netd: a pair's list is built on its first flow, then kept */
	t0 = now_us();
	for (i = 0; i < n; i++) {
		struct policy_pair *pp = &pairs[from[i] * NCTRS + to[i]];

		if (pp->rules == NULL) {
			policy_pair_build(&pol, &eps[from[i]], &eps[to[i]], pp);
			if (pp->rules == NULL)
				pp->rules = calloc(1, sizeof(*pp->rules));
			npairs++;
		}
		policy_decide_pair(&pol, &eps[from[i]], &eps[to[i]],
		    IPPROTO_TCP, (uint16_t)(1000 + i % 2000), 0, &v, pp, 0);
	}
	idx = (now_us() - t0) / n;

	/* again, every pair's list built: a flow's cost alone */
	t0 = now_us();
	for (i = 0; i < n; i++)
		policy_decide_pair(&pol, &eps[from[i]], &eps[to[i]],
		    IPPROTO_TCP, (uint16_t)(1000 + i % 2000), 0, &v,
		    &pairs[from[i] * NCTRS + to[i]], 0);
	warm = (now_us() - t0) / n;

	for (i = 0; i < n; i += 97) {
		policy_decide(&pol, &eps[from[i]], &eps[to[i]], IPPROTO_TCP,
		    (uint16_t)(1000 + i % 2000), 0, &v);
		policy_decide_pair(&pol, &eps[from[i]], &eps[to[i]],
		    IPPROTO_TCP, (uint16_t)(1000 + i % 2000), 0, &w,
		    &pairs[from[i] * NCTRS + to[i]], 0);
		if (v.action != w.action || v.rule != w.rule)
			errx(1, "flow %d: linear and indexed differ", i);
	}
	printf("linear_us %.3f indexed_us %.3f warm_us %.3f pairs %d flows "
	    "%d\n", lin, idx, warm, npairs, n);
	for (i = 0; i < NCTRS * NCTRS; i++)
		policy_pair_free(&pairs[i]);
	free(pairs);
	free(from);
	free(to);
	policy_clear(&pol);
	return 0;
}
