/* SPDX-License-Identifier: ISC */
/*
 * test_state.c - netd's container objects and state file parsing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <limits.h>

#include "addr.h"
#include "netd.h"
#include "xmalloc.h"

static void
test_roundtrip(void **state)
{
	json_t		*j;
	struct ctr	*c;
	char		*cause = NULL;

	(void)state;
	j = json_loads("{\"name\": \"shop-web\", \"ip\": \"10.240.0.10\", "
	    "\"tun\": \"bt0af0000a\", \"networks\": [\"front\", \"back\"], "
	    "\"ports\": [\"8080:8000\", \"127.0.0.1:5353:53/udp\"], "
	    "\"stack\": \"shop\", \"service\": \"web\", \"state\": "
	    "\"exited\", \"pid\": 1234, \"pid_start\": 987654, "
	    "\"exit_code\": 3, \"created\": 1795400000, "
	    "\"meta\": {\"command\": [\"sh\"]}}", 0, NULL);
	assert_non_null(j);
	c = state_ctr_parse(j, &cause);
	assert_non_null(c);
	assert_string_equal(c->name, "shop-web");
	assert_int_equal(c->addr, 0x0af0000a);
	assert_int_equal(c->nnetworks, 2);
	assert_int_equal(c->nports, 2);
	assert_int_equal(c->ports[1].proto, 17);
	assert_int_equal(c->state, CTR_EXITED);
	assert_int_equal(c->exit_code, 3);
	assert_int_equal(c->port.fd, -1);
	json_decref(j);
	/* Written back: the same object, ports in canonical form. */
	j = state_ctr_json(c);
	assert_string_equal(json_string_value(json_object_get(j, "ip")),
	    "10.240.0.10");
	assert_string_equal(json_string_value(json_array_get(
	    json_object_get(j, "ports"), 0)), "8080:8000/tcp");
	assert_string_equal(json_string_value(json_object_get(j, "state")),
	    "exited");
	assert_int_equal(json_integer_value(json_object_get(j, "pid")), 1234);
	assert_string_equal(json_string_value(json_array_get(json_object_get(
	    json_object_get(j, "meta"), "command"), 0)), "sh");
	json_decref(j);
	ctr_free(c);
}

static void
test_bad_entries(void **state)
{
	static const char *const bad[] = {
		"[]",
		"{\"ip\": \"10.240.0.10\"}",
		"{\"name\": \"a b\", \"ip\": \"10.240.0.10\"}",
		"{\"name\": \"a\", \"ip\": \"10.240.0.300\", \"tun\": \"x\"}",
		"{\"name\": \"a\", \"ip\": \"10.240.0.3\", \"tun\": "
		    "\"0123456789abcdefXYZ\", \"networks\": [], \"ports\": []}",
		"{\"name\": \"a\", \"ip\": \"10.240.0.3\", \"tun\": \"bt1\", "
		    "\"networks\": [\"x;y\"], \"ports\": []}",
		"{\"name\": \"a\", \"ip\": \"10.240.0.3\", \"tun\": \"bt1\", "
		    "\"networks\": [], \"ports\": [\"99999:1\"]}",
		"{\"name\": \"a\", \"ip\": \"10.240.0.3\", \"tun\": \"bt1\", "
		    "\"networks\": [], \"ports\": [], \"stack\": 7}",
	};
	json_t	*j;
	char	*cause = NULL;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j = json_loads(bad[i], 0, NULL);
		assert_non_null(j);
		assert_null(state_ctr_parse(j, &cause));
		assert_non_null(cause);
		json_decref(j);
		free(cause);
		cause = NULL;
	}
}

static void
test_state_file(void **state)
{
	struct netd_config	 cfg;
	struct netd		*d;
	json_t			*j, *out;
	char			*cause = NULL;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(cidr_parse("10.240.0.0/16", &cfg.pool, NULL), 0);
	snprintf(cfg.prefix, sizeof(cfg.prefix), "berth");
	d = netd_new(&cfg);
	/* One good container, one damaged, one network, a bad network. */
	j = json_loads("{\"version\": 1, \"pf_token\": \"42\", "
	    "\"networks\": [{\"name\": \"back\", \"internal\": true}, "
	    "{\"name\": \"BAD\"}, {\"name\": \"default\"}], "
	    "\"containers\": [{\"name\": \"a\", \"ip\": \"10.240.0.2\", "
	    "\"tun\": \"bt0af00002\", \"networks\": [\"back\"], "
	    "\"ports\": []}, {\"name\": 5}]}", 0, NULL);
	assert_int_equal(state_parse(d, j, &cause), 0);
	json_decref(j);
	assert_int_equal(d->nctrs, 1);
	assert_int_equal(d->nnets, 1);
	assert_true(d->nets[0].internal);
	assert_string_equal(d->pf_token, "42");
	out = state_json(d);
	assert_int_equal(json_array_size(json_object_get(out, "containers")),
	    1);
	assert_string_equal(json_string_value(json_object_get(out, "pool")),
	    "10.240.0.0/16");
	json_decref(out);
	assert_int_equal(state_parse(d, json_null(), &cause), -1);
	free(cause);
	netd_free(d);
}

/*
 * The state file's text is json_dumps of state_json, byte for byte, and
 * a save encodes only the containers that changed since the last.
 */
static void
test_state_text(void **state)
{
	struct netd_config	 cfg;
	struct netd		*d;
	json_t			*j, *a;
	char			*text, *want, name[32], ip[32];
	size_t			 len;
	int			 i;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(cidr_parse("10.240.0.0/16", &cfg.pool, NULL), 0);
	snprintf(cfg.prefix, sizeof(cfg.prefix), "berth");
	d = netd_new(&cfg);
	a = json_array();
	for (i = 0; i < 50; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		snprintf(ip, sizeof(ip), "10.240.0.%d", i + 2);
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:[s], "
		    "s:[], s:{s:[s]}}", "name", name, "ip", ip, "tun", "bt0",
		    "networks", "back", "ports", "meta", "command", "x"));
	}
	j = json_pack("{s:i, s:[{s:s}], s:o}", "version", 1, "networks",
	    "name", "back", "containers", a);
	assert_int_equal(state_parse(d, j, NULL), 0);
	json_decref(j);
	assert_int_equal(d->nctrs, 50);
	state_ctr_encodes = 0;
	for (i = 0; i < 3; i++) {
		text = state_text(d, &len);
		j = state_json(d);
		want = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(j);
		assert_string_equal(text, want);
		assert_int_equal(len, strlen(want));
		free(text);
		free(want);
		/* 50 the first time, none the second, one the third. */
		assert_int_equal(state_ctr_encodes, i == 0 ? 50 : 50 + i - 1);
		if (i == 1) {
			d->ctrs[7]->state = CTR_RUNNING;
			d->ctrs[7]->pid = 4242;
		}
	}
	text = state_text(d, &len);
	assert_non_null(strstr(text, "4242"));
	free(text);
	netd_free(d);
}

/* The biggest container netd can make, without meta, fits its cap. */
static void
test_bounds_ctr(void **state)
{
	struct ctr	*c;
	json_t		*j;
	char		*enc, label[64];
	size_t		 i;

	(void)state;
	memset(label, 'a', 63);
	label[63] = '\0';
	c = xcalloc(1, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", label);
	c->addr = 0xffffffff;
	snprintf(c->tun, sizeof(c->tun), "bt%08x", c->addr);
	c->networks = xcalloc(CTR_MAX_NETS, sizeof(char *));
	for (i = 0; i < CTR_MAX_NETS; i++)
		c->networks[c->nnetworks++] = xstrdup(label);
	c->ports = xcalloc(CTR_MAX_PORTS, sizeof(*c->ports));
	for (i = 0; i < CTR_MAX_PORTS; i++)
		assert_int_equal(portspec_parse("255.255.255.255:65000-65535:"
		    "65000-65535/udp,proxy", &c->ports[c->nports++], NULL), 0);
	c->stack = xstrdup(label);
	c->service = xstrdup(label);
	c->state = CTR_EXITED;
	c->pid = c->pid_start = c->exit_code = c->created = LLONG_MIN;
	c->has_exit = 1;
	c->uid = 4294967295LL;
	c->port.fd = -1;
	j = state_ctr_json(c);
	enc = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_true(strlen(enc) <= NETD_CTR_JSON_MAX);
	free(enc);
	json_decref(j);
	ctr_free(c);
}

/* Past the number of containers, or the meta of all together: refused. */
static void
test_bounds_admit(void **state)
{
	struct netd	 d;
	struct ctr	*cs;
	char		*cause = NULL;
	size_t		 i;

	(void)state;
	memset(&d, 0, sizeof(d));
	cs = xcalloc(NETD_MAX_CTRS, sizeof(*cs));
	d.ctrs = xcalloc(NETD_MAX_CTRS, sizeof(*d.ctrs));
	for (i = 0; i < NETD_META_TOTAL / NETD_META_MAX; i++) {
		assert_int_equal(bounds_ctr_admit(&d, NETD_META_MAX, NULL), 0);
		cs[i].meta_len = NETD_META_MAX;
		d.ctrs[d.nctrs++] = &cs[i];
		d.meta_total += NETD_META_MAX;	/* netd_ctr_append's */
	}
	assert_int_equal(bounds_ctr_admit(&d, NETD_META_MAX, &cause), -1);
	assert_non_null(strstr(cause, "together"));
	assert_int_equal(bounds_ctr_admit(&d, NETD_META_MAX + 1, &cause), -1);
	for (i = 0; i < d.nctrs; i++)
		cs[i].meta_len = 2;
	d.meta_total = 2 * d.nctrs;
	assert_int_equal(bounds_ctr_admit(&d, NETD_META_MAX, NULL), 0);
	while (d.nctrs < NETD_MAX_CTRS) {
		cs[d.nctrs].meta_len = 2;
		d.ctrs[d.nctrs] = &cs[d.nctrs];
		d.nctrs++;
		d.meta_total += 2;
	}
	assert_int_equal(bounds_ctr_admit(&d, 2, &cause), -1);
	assert_non_null(strstr(cause, "8192 containers"));
	free(cause);
	free(d.ctrs);
	free(cs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_bad_entries),
		cmocka_unit_test(test_state_file),
		cmocka_unit_test(test_state_text),
		cmocka_unit_test(test_bounds_ctr),
		cmocka_unit_test(test_bounds_admit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
