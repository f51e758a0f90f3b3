/* SPDX-License-Identifier: ISC */
/*
 * test_netd.c - container create, delete, reconcile and port conflicts
 * against a fake kernel (d->kern) and a fake firewall back end: what
 * netd checks before it changes anything, what it undoes on failure.
 */
#include <sys/stat.h>

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "dns.h"
#include "ev.h"
#include "fw.h"
#include "ipam.h"
#include "link.h"
#include "linkops.h"
#include "netd.h"
#include "proc.h"
#include "proxy.h"
#include "router.h"
#include "statefile.h"
#include "teardown.h"
#include "util.h"
#include "xmalloc.h"

static struct {
	int	 opened, destroyed, deleted, fw_changes;
	int	 peer[2048];		/* write ends of the fake tuns */
	char	 open_fail[16];		/* this tun cannot be opened */
	int	 setup_fail;
	int	 inuse_port;		/* host port someone listens on */
	char	 last_destroyed[16];
	int	 gated;			/* tun_destroy waits (a slow kernel) */
	char	 last_deleted[16];
} F;
static pthread_mutex_t	 gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 gate_cv = PTHREAD_COND_INITIALIZER;

/* Open or close the gate fake_tun_destroy waits at (at most 5 s). */
static void
gate(int closed)
{
	pthread_mutex_lock(&gate_mu);
	F.gated = closed;
	pthread_cond_broadcast(&gate_cv);
	pthread_mutex_unlock(&gate_mu);
}

static int
fake_tun_open(const char *want, char ifname[TUN_NAMESIZ], char **cause)
{
	int	 p[2];

	if (strcmp(want, F.open_fail) == 0)
		return cause_set(cause, "%s: no tun for you", want);
	assert_int_equal(pipe(p), 0);
	F.peer[p[0]] = p[1];
	snprintf(ifname, TUN_NAMESIZ, "%s", want);
	F.opened++;
	return p[0];
}

static void
fake_tun_destroy(int fd, const char *ifname)
{
	struct timespec	 ts;

	pthread_mutex_lock(&gate_mu);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	while (F.gated && pthread_cond_timedwait(&gate_cv, &gate_mu, &ts) == 0)
		;
	pthread_mutex_unlock(&gate_mu);
	close(F.peer[fd]);
	close(fd);
	snprintf(F.last_destroyed, sizeof(F.last_destroyed), "%s", ifname);
	F.destroyed++;
}

static int
fake_iface_setup(const char *ifname, uint32_t addr, uint32_t src, int mtu,
    int gw, const char *label, char **cause)
{
	if (F.setup_fail)
		return cause_set(cause, "%s: RTNETLINK says no", ifname);
	return 0;
}

static int
fake_iface_delete(const char *ifname)
{
	snprintf(F.last_deleted, sizeof(F.last_deleted), "%s", ifname);
	F.deleted++;
	return 0;
}

static int
fake_probe(uint8_t proto, uint32_t addr, uint16_t port)
{
	if (port == F.inuse_port) {
		errno = EADDRINUSE;
		return -1;
	}
	return 0;
}

static const struct netd_kernel fake_kernel = {
	fake_tun_open, fake_tun_destroy, fake_iface_setup, fake_iface_delete,
	fake_probe,
};

static struct fw_job *
fake_job(void)
{
	return fw_job_argv(NULL, "true", NULL);
}

static struct fw_job *
fake_load(const struct pfr_ruleset *rs, const char *token, char **cause)
{
	return fake_job();
}

static struct fw_job *
fake_change(const struct pfr_ruleset *rs, const struct pfr_container *c,
    const struct pfr_port *p, size_t n, int add, char **cause)
{
	F.fw_changes++;
	return fake_job();
}

static char *
fake_token(const char *output)
{
	return NULL;
}

static const struct fw_backend fake_fw = {
	"nft", fake_load, fake_change, fake_load, fake_token,
	NULL, NULL, NULL, NULL, 0,
};

/* The same with a session: a stand-in for nft -i answering the fence. */
static const char *fake_session[] = { "sh", "-c", "while IFS= read -r l; "
    "do case $l in fence) echo fenced;; esac; done", NULL };

static struct fw_job *
fake_change_line(const struct pfr_ruleset *rs, const struct pfr_container *c,
    const struct pfr_port *p, size_t n, int add, char **cause)
{
	F.fw_changes++;
	return fw_job_argv("add element\n", "true", NULL);
}

static const struct fw_backend fake_fw_session = {
	"nft", fake_load, fake_change_line, fake_load, fake_token,
	fake_session, "fence\n", "fenced", NULL, 0,
};

static char	 statedir[] = "/tmp/berth-test-netd.XXXXXX";

static struct netd *
tnetd(const char *pool)
{
	struct netd_config	 cfg;
	struct netd		*d;
	char			*cause = NULL;

	memset(&F, 0, sizeof(F));
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.prefix, sizeof(cfg.prefix), "tst");
	assert_int_equal(cidr_parse(pool, &cfg.pool, NULL), 0);
	cfg.table = 2999;
	cfg.state_dir = statedir;
	if (netd_config_check(&cfg, &cause) == -1)
		fail_msg("%s", cause);
	d = netd_new(&cfg);
	d->kern = &fake_kernel;
	d->ev = ev_new();
	d->ipam = ipam_new(&cfg.pool, NULL);
	d->router = router_new(&cfg.pool, cfg.gateway);
	d->fw = fw_new(d->ev, netd_fw_reload, d);
	fw_set_backend(d->fw, &fake_fw);
	d->zone = dns_zone_new(&cfg.pool, cfg.gateway);
	d->proxy = proxy_new(d->ev);
	return d;
}

static void
tfree(struct netd *d)
{
	size_t	 i;

	for (i = 0; i < d->nctrs; i++)
		netd_port_close(d, d->ctrs[i], 1);
	fw_flush(d->fw);
	proxy_free(d->proxy);
	dns_zone_free(d->zone);
	netd_free(d);
}

/* A state file's text parsed into d, as state_load() would. */
static void
tstate(struct netd *d, const char *text)
{
	json_t	*st = json_loads(text, 0, NULL);
	char	*cause = NULL;

	assert_non_null(st);
	assert_int_equal(state_parse(d, st, &cause), 0);
	json_decref(st);
	free(cause);
}

/* create {json} -> the container, or NULL with *code and *cause. */
static struct ctr *
create(struct netd *d, const char *json, enum proto_code *code,
    char **cause)
{
	struct ctr_spec	 sp;
	struct ctr	*c;
	json_t		*j = json_loads(json, 0, NULL);

	assert_non_null(j);
	free(*cause);
	*cause = NULL;
	if (ctr_spec_parse(j, &sp, cause) == -1)
		fail_msg("%s: %s", json, *cause);
	json_decref(j);
	c = netd_ctr_create(d, &sp, code, cause);
	ctr_spec_clear(&sp);
	return c;
}

static void
test_create(void **state)
{
	struct netd	*d = tnetd("10.250.0.0/24");
	struct ctr	*a, *b;
	enum proto_code	 code;
	char		*cause = NULL;

	a = create(d, "{\"name\": \"a\", \"ports\": [\"18080:80\"]}", &code,
	    &cause);
	assert_non_null(a);
	assert_int_equal(code, PROTO_OK);
	assert_string_equal(a->tun, "bt0afa0002");
	assert_int_equal(F.opened, 1);
	assert_int_equal(F.fw_changes, 1);
	assert_ptr_equal(netd_ctr_find(d, "a"), a);
	assert_int_equal(a->nnetworks, 1);
	assert_string_equal(a->networks[0], "default");

	/* Refusals change nothing: no tun opened, no firewall change. */
	assert_null(create(d, "{\"name\": \"a\"}", &code, &cause));
	assert_int_equal(code, PROTO_E_EXISTS);
	assert_null(create(d, "{\"name\": \"b\", \"ports\": [\"18080:81\"]}",
	    &code, &cause));
	assert_int_equal(code, PROTO_E_CONFLICT);
	assert_non_null(strstr(cause, "already published by \"a\""));
	F.inuse_port = 18081;
	assert_null(create(d, "{\"name\": \"b\", \"ports\": [\"18081:81\"]}",
	    &code, &cause));
	assert_int_equal(code, PROTO_E_CONFLICT);
	assert_non_null(strstr(cause, "18081/tcp is in use on this host"));
	assert_null(create(d, "{\"name\": \"b\", \"networks\": [\"nope\"]}",
	    &code, &cause));
	assert_int_equal(code, PROTO_E_NOT_FOUND);
	assert_null(create(d, "{\"name\": \"b\", \"ip\": \"10.250.0.2\"}",
	    &code, &cause));
	assert_int_equal(code, PROTO_E_CONFLICT);
	assert_null(create(d, "{\"name\": \"b\", \"ip\": \"10.9.0.2\"}",
	    &code, &cause));
	assert_int_equal(code, PROTO_E_BAD_ARGS);
	assert_null(create(d, "{\"name\": \"host\"}", &code, &cause));
	assert_int_equal(code, PROTO_E_BAD_ARGS);
	assert_int_equal(F.opened, 1);
	assert_int_equal(F.fw_changes, 1);
	assert_int_equal(d->nctrs, 1);

	/* The kernel fails: undone, the address is free again. */
	snprintf(F.open_fail, sizeof(F.open_fail), "bt0afa0003");
	assert_null(create(d, "{\"name\": \"b\"}", &code, &cause));
	assert_int_equal(code, PROTO_E_FAILED);
	assert_non_null(strstr(cause, "no tun for you"));
	F.open_fail[0] = '\0';
	F.setup_fail = 1;
	assert_null(create(d, "{\"name\": \"b\"}", &code, &cause));
	assert_int_equal(code, PROTO_E_FAILED);
	assert_int_equal(F.destroyed, 1);	/* the tun it opened */
	F.setup_fail = 0;
	assert_int_equal(d->nctrs, 1);
	/* Both failures gave their address back (.3 and .4). */
	b = create(d, "{\"name\": \"b\", \"ip\": \"10.250.0.3\"}", &code,
	    &cause);
	assert_non_null(b);
	assert_non_null(create(d, "{\"name\": \"c\", \"ip\": \"10.250.0.4\"}",
	    &code, &cause));
	free(cause);
	tfree(d);
}

/* Delete stops routing at once; the tun goes after the round. */
static void
test_delete(void **state)
{
	struct netd	*d = tnetd("10.250.0.0/24");
	struct ctr	*a;
	enum proto_code	 code;
	char		*cause = NULL;
	uint32_t	 addr;

	a = create(d, "{\"name\": \"a\", \"ports\": [\"18090:80\"]}", &code,
	    &cause);
	assert_non_null(a);
	addr = a->addr;
	netd_ctr_delete(d, a);
	assert_null(netd_ctr_find(d, "a"));
	assert_int_equal(F.fw_changes, 2);
	assert_int_equal(F.destroyed, 0);	/* not yet: after the reply */
	assert_int_equal(ev_run_once(d->ev, 0) >= 0, 1);
	assert_int_equal(F.destroyed, 1);
	assert_string_equal(F.last_destroyed, "bt0afa0002");
	assert_int_equal(F.deleted, 1);
	/* Its port and name are free again. */
	a = create(d, "{\"name\": \"a\", \"ports\": [\"18090:80\"]}", &code,
	    &cause);
	assert_non_null(a);
	assert_int_equal(a->addr, addr + 1);	/* round robin */
	free(cause);
	tfree(d);
}

/*
 * 100 creates and 100 deletes start no process each: one session takes
 * them all, the creates of one round as one batch.
 */
static void
test_many_one_session(void **state)
{
	struct netd	*d = tnetd("10.250.0.0/24");
	struct ctr	*c[100];
	struct fw_stats	 st;
	enum proto_code	 code;
	char		*cause = NULL, name[32];
	long long	 t0;
	int		 i;

	fw_set_backend(d->fw, &fake_fw_session);
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "{\"name\": \"c%d\"}", i);
		assert_non_null(c[i] = create(d, name, &code, &cause));
	}
	assert_int_not_equal(ev_run_once(d->ev, 0), -1);
	for (i = 0; i < 100; i++) {
		netd_ctr_delete(d, c[i]);
		assert_int_not_equal(ev_run_once(d->ev, 0), -1);
	}
	t0 = util_now_ms();
	do {
		assert_int_not_equal(ev_run_once(d->ev, 20), -1);
		fw_stats(d->fw, &st);
	} while (st.inflight > 0 && util_now_ms() - t0 < 10000);
	assert_int_equal(F.fw_changes, 200);
	assert_int_equal(st.inflight, 0);
	assert_int_equal(st.spawns, 1);
	assert_int_equal(st.changes, 200);
	assert_int_equal(st.batches, 101);
	assert_int_equal(st.failures, 0);
	free(cause);
	tfree(d);
}

/*
 * A container is found by name or address, and a published port
 * checked, without a walk of the table: with 400 in it, each with a
 * port, a create with ports, the lookups of started, exited and delete,
 * and the delete look at a few containers, not hundreds (the table was
 * walked, once per port and 200 on average a lookup). A port some
 * container holds is still refused with its holder's name. Then every
 * third one goes and the rest are still found, by name and by address,
 * in their order.
 */
#define NINDEX	400
static void
test_ctr_index(void **state)
{
	struct netd	*d = tnetd("10.250.0.0/22");
	struct ctr	*c[NINDEX], *x;
	enum proto_code	 code;
	char		*cause = NULL, name[64];
	int		 i, k;

	for (i = 0; i < NINDEX; i++) {
		snprintf(name, sizeof(name), "{\"name\": \"c%d\", "
		    "\"ports\": [\"%d:80\"]}", i, 20000 + i);
		assert_non_null(c[i] = create(d, name, &code, &cause));
	}
	netd_ctr_probes = 0;
	x = create(d, "{\"name\": \"x\", \"ip\": \"10.250.3.200\", "
	    "\"ports\": [\"21000-21010:80-90\", \"20000:53/udp\"]}", &code,
	    &cause);
	assert_non_null(x);
	for (k = 0; k < 3; k++)
		assert_ptr_equal(netd_ctr_find(d, "x"), x);
	assert_ptr_equal(netd_ctr_by_addr(d, x->addr), x);
	assert_null(netd_ctr_find(d, "nobody"));
	netd_ctr_delete(d, x);
	assert_null(netd_ctr_find(d, "x"));
	/* 7 lookups and a create's checks: a walk was over 1,000. */
	assert_true(netd_ctr_probes <= 32);
	/* A port someone holds: refused, naming the holder (only here is
	 * the table walked); free again once the holder is gone. */
	assert_null(create(d, "{\"name\": \"y\", \"ports\": "
	    "[\"20390-20500:1390-1500\"]}", &code, &cause));
	assert_int_equal(code, PROTO_E_CONFLICT);
	assert_non_null(strstr(cause, "20390/tcp is already published by "
	    "\"c390\""));
	netd_ctr_delete(d, c[390]);
	assert_null(create(d, "{\"name\": \"y\", \"ports\": "
	    "[\"20390-20500:1390-1500\"]}", &code, &cause));
	assert_non_null(strstr(cause, "\"c391\""));
	for (i = 391; i < NINDEX; i++)
		netd_ctr_delete(d, c[i]);
	assert_non_null(x = create(d, "{\"name\": \"y\", \"ports\": "
	    "[\"20390-20500:1390-1500\"]}", &code, &cause));
	netd_ctr_delete(d, x);

	for (i = 0; i < 390; i += 3)
		netd_ctr_delete(d, c[i]);
	for (i = 0, k = 0; i < 390; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		if (i % 3 == 0) {
			assert_null(netd_ctr_find(d, name));
			continue;
		}
		assert_ptr_equal(netd_ctr_find(d, name), c[i]);
		assert_ptr_equal(netd_ctr_by_addr(d, c[i]->addr), c[i]);
		assert_ptr_equal(d->ctrs[k++], c[i]);
	}
	assert_int_equal(d->nctrs, k);
	/* The name again: the new container, at the end. */
	assert_non_null(x = create(d, "{\"name\": \"c0\"}", &code, &cause));
	assert_ptr_equal(netd_ctr_find(d, "c0"), x);
	assert_ptr_equal(d->ctrs[d->nctrs - 1], x);
	free(cause);
	tfree(d);
}

/* The running total of the containers' meta is the sum of their meta. */
static void
assert_meta_total(struct netd *d)
{
	size_t	 i, sum = 0;

	for (i = 0; i < d->nctrs; i++)
		sum += d->ctrs[i]->meta_len;
	assert_int_equal(d->meta_total, sum);
}

/*
 * bounds_ctr_admit reads a running total (no sum over every container
 * on each create): after random creates and deletes with metas of
 * random sizes, and after a state file and reconcile, it is the sum.
 */
static void
test_meta_total(void **state)
{
	struct netd	*d = tnetd("10.250.0.0/24");
	struct ctr	*c;
	enum proto_code	 code;
	char		*cause = NULL, *spec, pad[200];
	size_t		 n;
	int		 i, k = 0;

	srand(15);
	for (i = 0; i < 400; i++) {
		if (d->nctrs > 0 && (d->nctrs > 100 || rand() % 3 == 0)) {
			netd_ctr_delete(d, d->ctrs[(size_t)rand() % d->nctrs]);
			assert_int_not_equal(ev_run_once(d->ev, 0), -1);
		} else {
			n = (size_t)rand() % (sizeof(pad) - 1);
			memset(pad, 'm', n);
			pad[n] = '\0';
			xasprintf(&spec, "{\"name\": \"c%d\", \"meta\": "
			    "{\"pad\": \"%s\"}}", k++, pad);
			c = create(d, spec, &code, &cause);
			free(spec);
			if (c == NULL)	/* the pool's addresses, in teardown */
				assert_int_equal(code, PROTO_E_EXHAUSTED);
		}
		assert_meta_total(d);
	}
	assert_true(d->meta_total > 0);
	/* deletes that reconcile makes: a container whose tun is gone */
	teardown_drain(d->teardown);
	tfree(d);

	d = tnetd("10.250.0.0/24");
	tstate(d, "{\"containers\": ["
	    "{\"name\": \"x\", \"ip\": \"10.250.0.5\", \"tun\": \"old\", "
	    "\"meta\": {\"a\": \"bbbb\"}},"
	    "{\"name\": \"y\", \"ip\": \"10.250.0.7\", \"tun\": \"old\", "
	    "\"meta\": {\"a\": \"bbbbbbbbbbbbbbbb\"}}"
	    "], \"networks\": []}");
	assert_int_equal(d->nctrs, 2);
	assert_meta_total(d);
	snprintf(F.open_fail, sizeof(F.open_fail), "bt0afa0007");
	netd_reconcile_ctrs(d);
	F.open_fail[0] = '\0';
	assert_int_equal(d->nctrs, 1);
	assert_meta_total(d);
	teardown_drain(d->teardown);
	free(cause);
	tfree(d);
}

/* The pool runs out: "exhausted". */
static void
test_exhausted(void **state)
{
	struct netd	*d = tnetd("10.250.0.0/29");
	enum proto_code	 code;
	char		*cause = NULL, name[32];
	int		 i;

	for (i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "{\"name\": \"c%d\"}", i);
		assert_non_null(create(d, name, &code, &cause));
	}
	assert_null(create(d, "{\"name\": \"c9\"}", &code, &cause));
	assert_int_equal(code, PROTO_E_EXHAUSTED);
	assert_int_equal(F.opened, 5);
	free(cause);
	tfree(d);
}

/* Reconcile keeps what it can reopen, drops the rest. */
static void
test_reconcile(void **state)
{
	struct netd	*d = tnetd("10.250.0.0/24");
	uint32_t	 a;

	tstate(d, "{\"containers\": ["
	    "{\"name\": \"x\", \"ip\": \"10.250.0.5\", \"tun\": \"old\"},"
	    "{\"name\": \"x\", \"ip\": \"10.250.0.6\", \"tun\": \"old\"},"
	    "{\"name\": \"y\", \"ip\": \"10.250.0.7\", \"tun\": \"old\"},"
	    "{\"name\": \"z\", \"ip\": \"10.250.0.8\", \"tun\": \"old\"}"
	    "], \"networks\": []}");
	assert_int_equal(d->nctrs, 4);
	snprintf(F.open_fail, sizeof(F.open_fail), "bt0afa0007");
	netd_reconcile_ctrs(d);
	/* x (the first), z; not the second x, not y (no tun). */
	assert_int_equal(d->nctrs, 2);
	assert_string_equal(d->ctrs[0]->name, "x");
	assert_string_equal(d->ctrs[0]->tun, "bt0afa0005");
	assert_string_equal(d->ctrs[1]->name, "z");
	assert_ptr_equal(netd_ctr_find(d, "x"), d->ctrs[0]);
	assert_null(netd_ctr_find(d, "y"));
	assert_null(netd_ctr_by_addr(d, 0x0afa0006));
	assert_ptr_equal(netd_ctr_by_addr(d, 0x0afa0008), d->ctrs[1]);
	assert_int_equal(F.opened, 2);
	/* The kept addresses are reserved; the dropped ones until their
	 * tuns (.6, .7) are gone, and nobody else's tun goes. */
	assert_int_equal(ipam_reserve(d->ipam, d->ctrs[0]->addr, NULL), -1);
	assert_int_equal(ipam_reserve(d->ipam, 0x0afa0007, NULL), -1);
	teardown_drain(d->teardown);
	assert_int_equal(F.deleted, 2);
	assert_string_equal(F.last_deleted, "bt0afa0007");
	assert_int_equal(ipam_reserve(d->ipam, 0x0afa0007, NULL), 0);
	assert_int_equal(ipam_alloc(d->ipam, &a, NULL), 0);
	assert_true(a != 0x0afa0005 && a != 0x0afa0008);
	tfree(d);
}

/* Link entries come back with the state file, by container name; one
 * naming a container that reconcile drops goes with it; written back
 * oldest first, so a second round trip gives the same file. */
static void
test_state_links(void **state)
{
	struct netd	*d = tnetd("10.250.0.0/24");
	json_t		*out, *l;
	char		*s1, *s2;

	d->links = link_table_new(d->router, d->ev);
	tstate(d, "{\"containers\": ["
	    "{\"name\": \"x\", \"ip\": \"10.250.0.5\", \"tun\": \"old\"},"
	    "{\"name\": \"y\", \"ip\": \"10.250.0.7\", \"tun\": \"old\"},"
	    "{\"name\": \"z\", \"ip\": \"10.250.0.8\", \"tun\": \"old\"}"
	    "], \"networks\": [], \"links\": ["
	    "{\"a\": \"x\", \"b\": \"z\", \"profile\": {\"delay_us\": 20000}},"
	    "{\"a\": \"z\", \"b\": \"x\", \"oneway\": true,"
	    " \"profile\": {\"loss\": 0.5, \"seed\": 7}},"
	    "{\"a\": \"x\", \"b\": \"y\", \"profile\": {\"delay_us\": 1000}},"
	    "{\"a\": \"z\", \"profile\": {\"down\": \"reject\"}},"
	    "{\"a\": \"nope\", \"profile\": {\"delay_us\": 1000}},"
	    "{\"a\": \"x\", \"profile\": {\"delay_us\": -1}},"
	    "{\"a\": \"x\", \"b\": \"x\"}, 7"
	    "]}");
	assert_int_equal(d->links->nlinks, 4);
	assert_non_null(link_find(d->links, LINK_PAIR, 0x0afa0008,
	    0x0afa0005));
	assert_non_null(link_find(d->links, LINK_ONEWAY, 0x0afa0008,
	    0x0afa0005));
	assert_null(link_find(d->links, LINK_ONEWAY, 0x0afa0005,
	    0x0afa0008));
	assert_int_equal(link_find(d->links, LINK_CTR, 0x0afa0008,
	    0)->p.down, LINKSPEC_DOWN_REJECT);
	/* y has no tun: reconcile drops it, and its entry with it. */
	snprintf(F.open_fail, sizeof(F.open_fail), "bt0afa0007");
	netd_reconcile_ctrs(d);
	assert_int_equal(d->nctrs, 2);
	assert_int_equal(d->links->nlinks, 3);
	out = state_json(d);
	l = json_object_get(out, "links");
	assert_int_equal(json_array_size(l), 3);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(l, 0), "b")), "z");
	assert_true(json_is_true(json_object_get(json_array_get(l, 1),
	    "oneway")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    json_array_get(l, 1), "profile"), "seed")), 7);
	s1 = json_dumps(l, JSON_SORT_KEYS);
	/* Parsed again into a fresh table: the same list. */
	link_table_free(d->links);
	d->links = link_table_new(d->router, d->ev);
	linkops_state_parse(d, l);
	json_decref(out);
	out = state_json(d);
	s2 = json_dumps(json_object_get(out, "links"), JSON_SORT_KEYS);
	assert_string_equal(s1, s2);
	free(s1);
	free(s2);
	json_decref(out);
	tfree(d);
}

/*
 * A dropped entry outside the pool: its tun may be another instance's;
 * without a label naming the entry it is kept.
 */
static void
test_reconcile_outside(void **state)
{
	struct netd	*d = tnetd("10.250.0.0/24");

	tstate(d, "{\"containers\": ["
	    "{\"name\": \"x\", \"ip\": \"10.251.0.5\", \"tun\": \"old\"}"
	    "], \"networks\": []}");
	netd_reconcile_ctrs(d);
	assert_int_equal(d->nctrs, 0);
	teardown_drain(d->teardown);
	assert_int_equal(F.deleted, 0);
	tfree(d);
}

/*
 * Deleted containers' tuns go on teardown's thread: the loop goes on
 * while the kernel is slow (the gate), a create that asks for such an
 * address claims it, and a full pool waits for the oldest.
 */
static void
test_teardown_thread(void **state)
{
	struct netd	*d = tnetd("10.250.0.0/29");
	struct ctr	*c[5];
	enum proto_code	 code;
	char		*cause = NULL, js[64];
	int		 i;

	netd_teardown_start(d);
	for (i = 0; i < 5; i++) {
		snprintf(js, sizeof(js), "{\"name\": \"c%d\"}", i);
		assert_non_null(c[i] = create(d, js, &code, &cause));
	}
	gate(1);
	for (i = 0; i < 4; i++)
		netd_ctr_delete(d, c[i]);
	/* The loop runs rounds while no tun is gone yet. */
	for (i = 0; i < 10; i++)
		assert_true(ev_run_once(d->ev, 0) >= 0);
	assert_int_equal(F.destroyed, 0);
	assert_int_equal(teardown_pending(d->teardown), 4);
	gate(0);
	/* c3's address, asked for: claimed, free at once. */
	assert_non_null(create(d, "{\"name\": \"n3\", "
	    "\"ip\": \"10.250.0.5\"}", &code, &cause));
	/* The pool is full (.6 is c4's): the oldest going one is claimed. */
	assert_non_null(create(d, "{\"name\": \"n0\"}", &code, &cause));
	teardown_drain(d->teardown);
	assert_int_equal(F.destroyed, 4);
	assert_int_equal(teardown_pending(d->teardown), 0);
	/* The rest came back: two more fit. */
	assert_non_null(create(d, "{\"name\": \"n1\"}", &code, &cause));
	assert_non_null(create(d, "{\"name\": \"n2\"}", &code, &cause));
	assert_null(create(d, "{\"name\": \"n4\"}", &code, &cause));
	assert_int_equal(code, PROTO_E_EXHAUSTED);
	free(cause);
	tfree(d);
}

/* The inode of STATE_DIR/name, 0 when there is none. */
static ino_t
tinode(const char *name)
{
	struct stat	 sb;
	char		 path[128];

	snprintf(path, sizeof(path), "%s/%s", statedir, name);
	return stat(path, &sb) == -1 ? 0 : sb.st_ino;
}

/* d's state, and what a start reads back from disk: the same text. */
static void
tsame(struct netd *d)
{
	struct statefile	 sf;
	char			*a, *b;

	assert_int_equal(statefile_read(statedir, NETD_STATE_MAX, &sf), 0);
	assert_null(sf.jwhy);
	a = json_dumps(sf.state, JSON_COMPACT | JSON_SORT_KEYS);
	json_t *j = state_json(d);
	b = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	assert_string_equal(a, b);
	free(a);
	free(b);
	statefile_clear(&sf);
}

/*
 * A create, a change of a container and a delete go to the journal, in
 * one write each: the snapshot is not replaced. A network, a journal
 * past its bound or a clean stop write a snapshot. What is on disk is
 * always d's state.
 */
static void
test_journal(void **state)
{
	struct netd	*d = tnetd("10.250.0.0/24"), *d2;
	struct ctr	*a;
	enum proto_code	 code;
	char		*cause = NULL;
	ino_t		 snap;
	size_t		 len;
	unsigned long long snaps, gen;

	assert_int_equal(state_save(d), 0);	/* the first: a snapshot */
	assert_int_equal(d->journal.snapshots, 1);
	snap = tinode(STATEFILE_SNAPSHOT);
	assert_int_not_equal(snap, 0);
	assert_int_not_equal(tinode(STATEFILE_JOURNAL), 0);
	gen = d->journal.gen;

	a = create(d, "{\"name\": \"a\"}", &code, &cause);
	assert_non_null(a);
	assert_non_null(create(d, "{\"name\": \"b\"}", &code, &cause));
	assert_int_equal(state_save(d), 0);
	assert_int_equal(d->journal.snapshots, 1);
	assert_int_equal(d->journal.appends, 1);
	assert_int_equal(tinode(STATEFILE_SNAPSHOT), snap);
	tsame(d);

	/* Nothing changed: nothing written. */
	len = d->journal.len;
	assert_int_equal(state_save(d), 0);
	assert_int_equal(d->journal.appends, 1);
	assert_int_equal(d->journal.len, len);

	/* One container changed: its put alone. */
	a->state = CTR_RUNNING;
	a->pid = 4242;
	state_ctr_changed(d, a);
	assert_int_equal(state_save(d), 0);
	assert_int_equal(d->journal.appends, 2);
	assert_true(d->journal.len > len);
	assert_true(d->journal.len - len < 2 * a->enc_len);
	tsame(d);

	/* A delete, then the same name again. */
	netd_ctr_delete(d, a);
	assert_int_equal(state_save(d), 0);
	tsame(d);
	assert_non_null(create(d, "{\"name\": \"a\"}", &code, &cause));
	netd_ctr_delete(d, netd_ctr_find(d, "b"));
	assert_int_equal(state_save(d), 0);
	assert_int_equal(d->journal.appends, 4);
	assert_int_equal(tinode(STATEFILE_SNAPSHOT), snap);
	assert_int_equal(d->journal.gen, gen);
	tsame(d);

	/* A network is no container: a snapshot, a new generation. */
	assert_int_equal(netd_net_create(d, "back", 0, &code, &cause), 0);
	assert_int_equal(state_save(d), 0);
	assert_int_equal(d->journal.snapshots, 2);
	assert_int_equal(d->journal.gen, gen + 1);
	assert_int_not_equal(tinode(STATEFILE_SNAPSHOT), snap);
	tsame(d);

	/* Past the bound: a snapshot. */
	snaps = d->journal.snapshots;
	d->journal.bound = d->journal.len + 10;
	assert_non_null(create(d, "{\"name\": \"c\"}", &code, &cause));
	assert_int_equal(state_save(d), 0);
	assert_int_equal(d->journal.snapshots, snaps + 1);
	tsame(d);
	assert_non_null(create(d, "{\"name\": \"e\"}", &code, &cause));
	assert_int_equal(state_save(d), 0);
	assert_int_equal(d->journal.snapshots, snaps + 1);

	/* A start reads the same containers back, a new one after it. */
	d2 = tnetd("10.250.0.0/24");
	assert_int_equal(state_load(d2, &cause), 0);
	assert_null(d2->degraded);
	assert_int_equal(d2->nctrs, 3);
	assert_string_equal(d2->ctrs[2]->name, "e");
	assert_int_equal(d2->journal.gen, d->journal.gen);
	tfree(d2);

	/* A clean stop: one snapshot, no journal. */
	assert_int_equal(state_compact(d), 0);
	assert_int_equal(tinode(STATEFILE_JOURNAL), 0);
	tsame(d);
	free(cause);
	tfree(d);
}

/* One request through ops_handle, then its save as netd_commit does. */
static void
top(struct netd *d, const char *op, json_t *args)
{
	json_t	*rep;
	int	 close = 0;

	rep = ops_handle(d, op, args, &close);
	json_decref(args);
	if (!json_is_true(json_object_get(rep, "ok")))
		fail_msg("%s: %s", op, json_dumps(rep, 0));
	json_decref(rep);
	assert_int_equal(d->dirty, 1);	/* it asked for a save */
	d->dirty = 0;
	assert_int_equal(state_save(d), 0);
}

/*
 * With 1,000 containers, a create, started, exited and delete (the real
 * ops) are four journal appends that look at the container they change
 * and at no other (issue 15: each walked all 1,000). What is on disk
 * after each is d's state, and the snapshot of a clean stop finds no
 * entry that moved without a mark.
 */
static void
test_journal_visits(void **state)
{
	struct netd	*d = tnetd("10.250.0.0/22");
	json_t		*a, *j;
	char		 name[32], ip[32];
	unsigned long long snaps;
	int		 i;

	a = json_array();
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		snprintf(ip, sizeof(ip), "10.250.%d.%d", (i + 2) / 256,
		    (i + 2) % 256);
		json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "name",
		    name, "ip", ip, "tun", "bt0"));
	}
	j = json_pack("{s:i, s:[], s:o}", "version", 1, "networks",
	    "containers", a);
	assert_int_equal(state_parse(d, j, NULL), 0);
	json_decref(j);
	assert_int_equal(d->nctrs, 1000);
	assert_int_equal(state_save(d), 0);	/* the first: a snapshot */
	snaps = d->journal.snapshots;
	tsame(d);

	state_ctr_visits = 0;
	top(d, "create", json_pack("{s:s, s:s}", "name", "new", "ip",
	    "10.250.3.250"));
	tsame(d);
	top(d, "started", json_pack("{s:s, s:I, s:I}", "name", "new", "pid",
	    (json_int_t)getpid(), "pid_start",
	    (json_int_t)proc_start(getpid())));
	tsame(d);
	top(d, "exited", json_pack("{s:s, s:i}", "name", "new", "exit_code",
	    3));
	tsame(d);
	top(d, "delete", json_pack("{s:s}", "name", "new"));
	tsame(d);
	assert_int_equal(d->journal.snapshots, snaps);
	assert_int_equal(d->journal.appends, 4);
	/* One each for create, started, exited; the delete is a name. */
	if (state_ctr_visits > 3)
		fail_msg("%llu containers visited for 4 changes",
		    state_ctr_visits);

	assert_int_equal(state_compact(d), 0);
	assert_int_equal(d->journal.missed, 0);
	tsame(d);
	tfree(d);
}

/*
 * A tun named again by reconcile (a start, after the snapshot of a
 * degraded one) reaches the journal. A field changed without a mark
 * does not, and the next snapshot counts it.
 */
static void
test_journal_marks(void **state)
{
	struct netd	*d = tnetd("10.250.0.0/24");

	tstate(d, "{\"containers\": ["
	    "{\"name\": \"x\", \"ip\": \"10.250.0.5\", \"tun\": \"old\"},"
	    "{\"name\": \"z\", \"ip\": \"10.250.0.8\", \"tun\": \"old\"}"
	    "], \"networks\": []}");
	assert_int_equal(state_save(d), 0);	/* a snapshot: tun "old" */
	netd_reconcile_ctrs(d);
	assert_string_equal(d->ctrs[1]->tun, "bt0afa0008");
	assert_int_equal(state_save(d), 0);
	assert_int_equal(d->journal.snapshots, 1);
	assert_int_equal(d->journal.appends, 1);
	tsame(d);
	assert_int_equal(d->journal.missed, 0);

	d->ctrs[0]->pid = 77;			/* nobody marks it */
	assert_int_equal(state_save(d), 0);
	assert_int_equal(d->journal.appends, 1);
	assert_int_equal(state_compact(d), 0);
	assert_int_equal(d->journal.missed, 1);
	tsame(d);				/* the snapshot has it */
	tfree(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_delete),
		cmocka_unit_test(test_many_one_session),
		cmocka_unit_test(test_ctr_index),
		cmocka_unit_test(test_exhausted),
		cmocka_unit_test(test_meta_total),
		cmocka_unit_test(test_reconcile),
		cmocka_unit_test(test_state_links),
		cmocka_unit_test(test_reconcile_outside),
		cmocka_unit_test(test_teardown_thread),
		cmocka_unit_test(test_journal),
		cmocka_unit_test(test_journal_visits),
		cmocka_unit_test(test_journal_marks),
	};
	char	 path[64];
	int	 rc;

	signal(SIGPIPE, SIG_IGN);
	if (mkdtemp(statedir) == NULL)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(path, sizeof(path), "%s/state.json", statedir);
	(void)unlink(path);
	snprintf(path, sizeof(path), "%s/state.journal", statedir);
	(void)unlink(path);
	(void)rmdir(statedir);
	return rc;
}
