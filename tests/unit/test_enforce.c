/* SPDX-License-Identifier: ISC */
/*
 * test_enforce.c - policy in the router: the hook comes and goes with
 * what there is to enforce, networks refuse with a RST, a flow is
 * decided once and its replies pass, a change re-decides an established
 * flow in the direction it was opened (and cuts it), ICMP echo replies
 * and RSTs pass. The tun writes are recorded; netd is a bare struct.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "enforce.h"
#include "netd.h"
#include "pfrules.h"
#include "pkt.h"
#include "policy.h"

#define GW	0x0af00001
#define CA	0x0af00002
#define CB	0x0af00003
#define CC	0x0af00004

static struct {
	int	 fd[16];
	uint8_t	 data[16][64];
	int	 n;
} io;

static ssize_t
fake_write(int fd, const void *p, size_t len,
    const struct packet_csum *csum)
{
	if (io.n < 16) {
		io.fd[io.n] = fd;
		memcpy(io.data[io.n], p, len < 64 ? len : 64);
		io.n++;
	}
	return (ssize_t)len;
}

struct world {
	struct netd	 d;
	struct ctr	 a, b, c;
	struct ctr	*ctrs[3];
	struct network	 nets[2];
	char		 dir[64];
};

static char *net_front[] = { "front" };
static char *net_back[] = { "back" };

static void
ctr_init(struct world *w, struct ctr *c, const char *name, uint32_t addr,
    char **nets, int fd)
{
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->addr = addr;
	c->networks = nets;
	c->nnetworks = 1;
	c->meta = json_object();
	c->port.fd = fd;
	c->port.addr = addr;
	c->port.owner = c;
	router_add(w->d.router, &c->port);
}

/* c moves to nets: netd reports it as it would, a removal and an
 * addition (its containers never change in place). */
static void
move(struct world *w, struct ctr *c, char **nets)
{
	enforce_ctr_removed(w->d.enforce, c);
	c->networks = nets;
	enforce_ctr_added(w->d.enforce, c);
}

static int
setup(void **state)
{
	struct world	*w = calloc(1, sizeof(*w));

	memset(&io, 0, sizeof(io));
	snprintf(w->dir, sizeof(w->dir), "/tmp/berth-test-enforce.XXXXXX");
	assert_non_null(mkdtemp(w->dir));
	w->d.cfg.state_dir = w->dir;
	assert_int_equal(cidr_parse("10.240.0.0/16", &w->d.cfg.pool, NULL), 0);
	w->d.cfg.gateway = GW;
	w->d.router = router_new(&w->d.cfg.pool, GW);
	w->d.router->write = fake_write;
	w->d.gw.fd = 100;
	w->d.gw.addr = GW;
	w->d.gw.gateway = 1;
	router_add(w->d.router, &w->d.gw);
	ctr_init(w, &w->a, "a", CA, net_front, 101);
	ctr_init(w, &w->b, "b", CB, net_front, 102);
	ctr_init(w, &w->c, "c", CC, net_front, 103);
	w->ctrs[0] = &w->a;
	w->ctrs[1] = &w->b;
	w->ctrs[2] = &w->c;
	w->d.ctrs = w->ctrs;
	w->d.nctrs = 3;
	snprintf(w->nets[0].name, sizeof(w->nets[0].name), "front");
	snprintf(w->nets[1].name, sizeof(w->nets[1].name), "back");
	w->d.nets = w->nets;
	w->d.nnets = 2;
	w->d.enforce = enforce_new(&w->d);
	*state = w;
	return 0;
}

static int
teardown(void **state)
{
	struct world	*w = *state;
	char		 path[128];

	enforce_free(w->d.enforce);
	router_free(w->d.router);
	json_decref(w->a.meta);
	json_decref(w->b.meta);
	json_decref(w->c.meta);
	snprintf(path, sizeof(path), "%s/%s", w->dir, ENFORCE_FILE);
	unlink(path);
	rmdir(w->dir);
	free(w);
	return 0;
}

/* A TCP segment src:sport -> dst:dport, read from the gateway tun. */
static void
tcp(struct world *w, uint32_t src, uint16_t sport, uint32_t dst,
    uint16_t dport, uint8_t flags)
{
	uint8_t	 p[64];
	size_t	 n = pkt_ipv4(p, src, dst, 6, 20, 64);

	memset(p + 20, 0, 20);
	p[20] = (uint8_t)(sport >> 8);
	p[21] = (uint8_t)sport;
	p[22] = (uint8_t)(dport >> 8);
	p[23] = (uint8_t)dport;
	pkt_put32(p + 24, 1000);
	pkt_put32(p + 28, 2000);
	p[32] = 5 << 4;
	p[33] = flags;
	router_packet(w->d.router, &w->d.gw, p, n, NULL);
}

/* What the last packet became: the fd it went to, or -1 (nothing). */
static int
last(int before)
{
	return io.n > before ? io.fd[before] : -1;
}

static void
rule(struct world *w, const char *json)
{
	json_t	*j = json_loads(json, 0, NULL);
	char	*cause = NULL;

	assert_non_null(j);
	if (policy_parse_entry(enforce_policy(w->d.enforce), j, "rule", NULL,
	    &cause) == -1)
		fail_msg("%s", cause);
	json_decref(j);
	enforce_sync(w->d.enforce);
}

static void
test_hook_lifetime(void **state)
{
	struct world	*w = *state;
	struct policy	*p = enforce_policy(w->d.enforce);

	/* One network, no rules: nothing to enforce, no hook. */
	assert_false(enforce_active(w->d.enforce));
	assert_null(w->d.router->hooks);
	/* A second network in use: networks isolate. */
	move(w, &w->c, net_back);
	enforce_sync(w->d.enforce);
	assert_true(enforce_active(w->d.enforce));
	assert_non_null(w->d.router->hooks);
	move(w, &w->c, net_front);
	enforce_sync(w->d.enforce);
	assert_false(enforce_active(w->d.enforce));
	/* A rule alone. */
	rule(w, "{\"from\": \"a\", \"to\": \"b\", \"action\": \"drop\"}");
	assert_true(enforce_active(w->d.enforce));
	policy_clear(p);
	enforce_sync(w->d.enforce);
	assert_false(enforce_active(w->d.enforce));
	assert_null(w->d.router->hooks);
}

static void
test_networks(void **state)
{
	struct world	*w = *state;
	int		 n;

	move(w, &w->c, net_back);
	enforce_sync(w->d.enforce);
	/* Same network: forwarded into b's tun. */
	n = io.n;
	tcp(w, CA, 40000, CB, 80, 0x02);
	assert_int_equal(last(n), 102);
	/* a -> c share no network: a RST back into the gateway tun. */
	n = io.n;
	tcp(w, CA, 40001, CC, 80, 0x02);
	assert_int_equal(io.n, n + 1);
	assert_int_equal(io.fd[n], 100);
	assert_int_equal(io.data[n][33], 0x14);		/* RST+ACK */
	assert_int_equal(w->a.port.c.drop_policy, 1);
	assert_int_equal(w->d.router->drops[ROUTER_DROP_POLICY], 1);
	/* The host reaches c. */
	n = io.n;
	tcp(w, GW, 40002, CC, 80, 0x02);
	assert_int_equal(last(n), 103);
}

static void
test_flows(void **state)
{
	struct world	*w = *state;
	int		 n;

	/* b may not open anything to a; a -> b:80 is allowed. */
	rule(w, "{\"from\": \"b\", \"to\": \"a\", \"action\": \"reject\"}");
	n = io.n;
	tcp(w, CA, 40000, CB, 80, 0x02);
	assert_int_equal(last(n), 102);
	/* b's SYN+ACK and data are replies of an allowed flow. */
	n = io.n;
	tcp(w, CB, 80, CA, 40000, 0x12);
	assert_int_equal(last(n), 101);
	n = io.n;
	tcp(w, CB, 80, CA, 40000, 0x18);
	assert_int_equal(last(n), 101);
	/* b opening to a is refused. */
	n = io.n;
	tcp(w, CB, 40005, CA, 22, 0x02);
	assert_int_equal(last(n), 100);
	/* Decided once: the first rule counted one flow, not packets. */
	assert_true(enforce_policy(w->d.enforce)->rules[0].hits == 1);

	/* A rule now forbids a -> b: the flow is decided again on its
	 * next packet, as opened (a -> b), and cut at both ends. */
	rule(w, "{\"from\": \"a\", \"to\": \"b\", \"ports\": [\"tcp/80\"], "
	    "\"action\": \"reject\"}");
	n = io.n;
	tcp(w, CA, 40000, CB, 80, 0x10);
	assert_int_equal(io.n, n + 2);
	assert_int_equal(io.fd[n], 100);	/* RST to a */
	assert_int_equal(io.fd[n + 1], 102);	/* RST to b */
	/* b's side too, once re-decided as a reply of a -> b. */
	n = io.n;
	tcp(w, CB, 80, CA, 40000, 0x10);
	assert_int_equal(last(n), 100);
	/* RSTs pass undecided (they close, never open). */
	n = io.n;
	tcp(w, CB, 80, CA, 40000, 0x04);
	assert_int_equal(last(n), 101);
}

/*
 * The firewall's share (what containers send out of the pool): the same
 * rules, compiled over netd's containers; a container that joins the
 * selector's network joins the filter.
 */
static void
test_filters(void **state)
{
	struct world		*w = *state;
	struct pfr_ruleset	 rs;

	rule(w, "{\"from\": \"net:back\", \"to\": \"outside\", \"ports\": "
	    "[\"tcp/25\"], \"action\": \"reject\"}");
	rule(w, "{\"from\": \"a\", \"to\": \"b\", \"action\": \"drop\"}");
	netd_ruleset_head(&w->d.cfg, &rs);
	enforce_ruleset(w->d.enforce, &rs);
	assert_int_equal(rs.nfilters, 0);	/* nobody on back; a -> b
						   is the router's */
	pfr_ruleset_clear(&rs);
	move(w, &w->c, net_back);
	enforce_sync(w->d.enforce);
	netd_ruleset_head(&w->d.cfg, &rs);
	enforce_ruleset(w->d.enforce, &rs);
	assert_int_equal(rs.nfilters, 1);
	assert_int_equal(rs.filters[0].nsrc, 1);
	assert_int_equal(rs.filters[0].src[0].net, CC);
	assert_int_equal(rs.filters[0].dstkind, PFR_DST_OUTSIDE);
	assert_int_equal(rs.filters[0].proto, 6);
	assert_int_equal(rs.filters[0].lo, 25);
	assert_int_equal(rs.filters[0].verdict, PFR_REJECT);
	assert_string_equal(rs.filters[0].what, "rule 1");
	pfr_ruleset_clear(&rs);
}

/* A flow netd has not seen: a reply is recognised by its ports. */
static void
test_unseen(void **state)
{
	struct world	*w = *state;
	int		 n;

	rule(w, "{\"from\": \"b\", \"to\": \"a\", \"action\": \"drop\"}");
	/* From b's server port 80 to a's ephemeral port, not a SYN, and
	 * a -> b:80 is allowed: a reply, passes. */
	n = io.n;
	tcp(w, CB, 80, CA, 45000, 0x10);
	assert_int_equal(last(n), 101);
	/* From b's ephemeral port to a's low port: b opening, dropped. */
	n = io.n;
	tcp(w, CB, 45001, CA, 80, 0x10);
	assert_int_equal(io.n, n);
	/* A SYN is never a reply. */
	n = io.n;
	tcp(w, CB, 80, CA, 45002, 0x02);
	assert_int_equal(io.n, n);
}

static void
test_icmp(void **state)
{
	struct world	*w = *state;
	uint8_t		 p[64];
	size_t		 len;
	int		 n;

	rule(w, "{\"from\": \"b\", \"to\": \"a\", \"ports\": [\"icmp\"], "
	    "\"action\": \"drop\"}");
	/* a pings b: allowed; b's echo reply passes; b's own ping not. */
	len = pkt_ipv4(p, CA, CB, 1, 16, 64);
	p[20] = 8;
	p[24] = 0x12;
	p[25] = 0x34;
	n = io.n;
	router_packet(w->d.router, &w->d.gw, p, len, NULL);
	assert_int_equal(last(n), 102);
	len = pkt_ipv4(p, CB, CA, 1, 16, 64);
	p[20] = 0;
	p[24] = 0x12;
	p[25] = 0x34;
	n = io.n;
	router_packet(w->d.router, &w->d.gw, p, len, NULL);
	assert_int_equal(last(n), 101);
	p[20] = 8;
	p[24] = 0x55;
	n = io.n;
	router_packet(w->d.router, &w->d.gw, p, len, NULL);
	assert_int_equal(io.n, n);
}

/* ------------------------------------------------ many containers */

#define MANY	1000

static char *net_inner[] = { "inner" };

/* What enforce_sync should decide, looked at the slow way. */
static int
want_isolating(struct netd *d)
{
	const char	*first = NULL;
	size_t		 i, j;

	for (i = 0; i < d->nctrs; i++) {
		if (netd_ctr_nonat(d, d->ctrs[i]))
			return 1;
		for (j = 0; j < d->ctrs[i]->nnetworks; j++) {
			if (first == NULL)
				first = d->ctrs[i]->networks[j];
			else if (strcmp(first, d->ctrs[i]->networks[j]) != 0)
				return 1;
		}
	}
	return 0;
}

static struct ctr *
many_init(struct world *w, struct ctr **tab, size_t n, char **nets)
{
	struct ctr	*v = calloc(n, sizeof(*v));
	size_t		 i;

	for (i = 0; i < n; i++) {
		snprintf(v[i].name, sizeof(v[i].name), "m%zu", i);
		v[i].addr = CC + 1 + (uint32_t)i;
		v[i].networks = nets;
		v[i].nnetworks = 1;
		tab[i] = &v[i];
	}
	w->d.ctrs = tab;
	w->d.nctrs = n;
	enforce_world_changed(w->d.enforce);
	enforce_sync(w->d.enforce);
	return v;
}

/* netd's create and delete: the table, then the report. */
static void
many_add(struct world *w, struct ctr *c)
{
	w->d.ctrs[w->d.nctrs++] = c;
	enforce_ctr_added(w->d.enforce, c);
}

static void
many_del(struct world *w, size_t i)
{
	struct ctr	*c = w->d.ctrs[i];

	enforce_ctr_removed(w->d.enforce, c);
	memmove(&w->d.ctrs[i], &w->d.ctrs[i + 1],
	    (w->d.nctrs - i - 1) * sizeof(*w->d.ctrs));
	w->d.nctrs--;
}

/*
 * A sync after an op that changed nothing, or after one container came
 * or went, looks at no other container: its work does not grow with
 * the 1,000 running.
 */
static void
test_sync_work(void **state)
{
	struct world	*w = *state;
	struct ctr	*tab[MANY + 1], extra, *v;
	uint64_t	 s0;
	int		 i;

	v = many_init(w, tab, MANY, net_front);
	assert_false(enforce_active(w->d.enforce));
	s0 = enforce_scanned(w->d.enforce);
	for (i = 0; i < 5; i++)
		enforce_sync(w->d.enforce);	/* hello, join, started... */
	memset(&extra, 0, sizeof(extra));
	snprintf(extra.name, sizeof(extra.name), "extra");
	extra.addr = CC + 1 + MANY;
	extra.networks = net_front;
	extra.nnetworks = 1;
	many_add(w, &extra);
	enforce_sync(w->d.enforce);
	many_del(w, MANY);
	enforce_sync(w->d.enforce);
	many_del(w, 0);
	enforce_sync(w->d.enforce);
	assert_int_equal(enforce_scanned(w->d.enforce) - s0, 0);
	assert_false(enforce_active(w->d.enforce));

	/* A container on another network: networks isolate, at once. */
	extra.networks = net_back;
	many_add(w, &extra);
	enforce_sync(w->d.enforce);
	assert_true(enforce_active(w->d.enforce));
	assert_int_equal(enforce_scanned(w->d.enforce) - s0, 0);
	/* While they do, deletes too are counted, not looked for. */
	many_del(w, 5);
	enforce_sync(w->d.enforce);
	assert_true(enforce_active(w->d.enforce));
	many_del(w, w->d.nctrs - 1);	/* extra: isolation ends */
	enforce_sync(w->d.enforce);
	assert_false(enforce_active(w->d.enforce));
	assert_int_equal(enforce_scanned(w->d.enforce) - s0, 0);
	w->d.ctrs = w->ctrs;
	w->d.nctrs = 3;
	enforce_world_changed(w->d.enforce);
	free(v);
}

/* Adds and deletes in any order decide as a look at every container. */
static void
test_sync_same(void **state)
{
	struct world	*w = *state;
	struct network	 nets[3];
	struct ctr	*tab[64], *v, pool[64];
	char		**choice[] = { net_front, net_back, net_inner };
	unsigned int	 r = 12345;
	int		 step;
	size_t		 i, k;

	memcpy(nets, w->nets, sizeof(w->nets));
	snprintf(nets[2].name, sizeof(nets[2].name), "inner");
	nets[2].internal = 1;
	w->d.nets = nets;
	w->d.nnets = 3;
	v = many_init(w, tab, 0, net_front);
	memset(pool, 0, sizeof(pool));
	for (step = 0; step < 2000; step++) {
		r = r * 1103515245 + 12345;
		if (w->d.nctrs > 0 && ((r >> 16) % 3 == 0 ||
		    w->d.nctrs == 64)) {
			many_del(w, (r >> 8) % w->d.nctrs);
		} else {
			/* a free slot of the pool */
			for (k = 0; k < 64; k++) {
				for (i = 0; i < w->d.nctrs; i++)
					if (w->d.ctrs[i] == &pool[k])
						break;
				if (i == w->d.nctrs)
					break;
			}
			/* mostly front, sometimes back or inner */
			pool[k].networks = choice[(r >> 20) % 16 == 0 ? 1 :
			    (r >> 20) % 16 == 1 ? 2 : 0];
			pool[k].nnetworks = 1;
			snprintf(pool[k].name, sizeof(pool[k].name), "p%zu", k);
			many_add(w, &pool[k]);
		}
		enforce_sync(w->d.enforce);
		assert_int_equal(enforce_active(w->d.enforce),
		    want_isolating(&w->d));
	}
	w->d.nets = w->nets;
	w->d.nnets = 2;
	w->d.ctrs = w->ctrs;
	w->d.nctrs = 3;
	enforce_world_changed(w->d.enforce);
	free(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hook_lifetime, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_networks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unseen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_icmp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync_work, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sync_same, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
