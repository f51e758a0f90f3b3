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

#include "addr.h"
#include "netd.h"

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_bad_entries),
		cmocka_unit_test(test_state_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
