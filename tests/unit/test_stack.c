/* SPDX-License-Identifier: ISC */
/*
 * test_stack.c - the stack file parser: a full file, and every refusal
 * naming its field.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "stack.h"
#include "util.h"

static const char full[] =
"{ \"name\": \"shop\", \"pool\": \"10.213.0.0/16\",\n"
"  \"networks\": { \"front\": {}, \"back\": { \"internal\": true } },\n"
"  \"services\": {\n"
"    \"web\": {\n"
"      \"command\": [\"python3\", \"-m\", \"http.server\", \"8000\"],\n"
"      \"networks\": [\"front\", \"back\"],\n"
"      \"ports\": [\"8080:8000\", \"127.0.0.1:5353:53/udp\",\n"
"                \"9000-9005:9000-9005\"],\n"
"      \"ip\": \"10.213.0.10\", \"rootfs\": \"./rootfs/web\",\n"
"      \"user\": \"nobody\", \"workdir\": \"/srv\",\n"
"      \"env\": { \"MODE\": \"dev\" }, \"depends_on\": [\"db\"],\n"
"      \"healthcheck\": { \"tcp\": 8000, \"interval_ms\": 100,\n"
"                       \"retries\": 50 } },\n"
"    \"db\": { \"command\": [\"redis-server\", \"--port\", \"6379\"],\n"
"            \"networks\": [\"back\"], \"container_name\": \"thedb\" }\n"
"  },\n"
"  \"policy\": [ { \"from\": \"web\", \"to\": \"db\",\n"
"                \"ports\": [\"tcp/6379\"], \"action\": \"allow\" } ],\n"
"  \"links\": [ { \"between\": [\"web\", \"db\"], \"delay_ms\": 20,\n"
"               \"jitter_ms\": 5, \"loss\": 0.01, \"rate\": \"10mbit\" } ]\n"
"}\n";

static void
test_full(void **state)
{
	struct stack			*st;
	const struct stack_service	*web, *db;
	char				*cause = NULL;

	st = stack_parse(full, strlen(full), "/x/y/shop.json", &cause);
	if (st == NULL)
		fail_msg("%s", cause);
	assert_string_equal(st->name, "shop");
	assert_int_equal(st->nservices, 2);
	assert_int_equal(st->nnetworks, 2);
	web = stack_find(st, "web");
	db = stack_find(st, "db");
	assert_non_null(web);
	assert_non_null(db);
	assert_string_equal(web->container_name, "shop-web");
	assert_string_equal(db->container_name, "thedb");
	assert_int_equal(web->ncommand, 4);
	assert_string_equal(web->command[3], "8000");
	assert_null(web->command[4]);
	assert_int_equal(web->nports, 3);
	assert_int_equal(web->ports[2].host_hi, 9005);
	assert_int_equal(web->ip, 0x0ad5000a);
	assert_string_equal(web->rootfs, "/x/y/./rootfs/web");
	assert_string_equal(web->env[0].key, "MODE");
	assert_int_equal(web->health.tcp_port, 8000);
	assert_int_equal(db->ip, 0);
	assert_string_equal(db->networks[0], "back");
	/* db first: web depends on it */
	assert_string_equal(st->services[st->order[0]].name, "db");
	assert_string_equal(st->services[st->order[1]].name, "web");
	assert_int_equal(st->npolicy, 1);
	assert_true(st->policy[0].allow);
	assert_int_equal(st->nlinks, 1);
	assert_int_equal(st->links[0].p.delay_us, 20000);
	assert_int_equal(st->links[0].p.jitter_us, 5000);
	assert_int_equal(st->links[0].p.rate, 10000000);
	assert_false(st->links[0].oneway);
	assert_string_equal(st->links[0].b, "db");
	stack_free(st);
	free(cause);
}

static void
test_defaults(void **state)
{
	static const char txt[] =
	    "{\"services\": {\"a\": {\"command\": [\"true\"]}}}";
	struct stack	*st;
	char		*cause = NULL;

	st = stack_parse(txt, strlen(txt), "dir/mystack.json", &cause);
	assert_non_null(st);
	assert_string_equal(st->name, "mystack");
	assert_int_equal(st->pool.net, 0x0ad50000);
	assert_int_equal(st->pool.plen, 16);
	assert_false(st->pool_set);
	assert_string_equal(st->services[0].container_name, "mystack-a");
	assert_string_equal(st->services[0].networks[0], "default");
	stack_free(st);
	free(cause);
}

/* Each bad input and a piece of the message it must produce. */
static const struct { const char *json, *msg; } bad[] = {
	{ "not json", "not a valid JSON" },
	{ "[1]", "top level must be a JSON object" },
	{ "{}", "services: missing" },
	{ "{\"services\": {}}", "no services" },
	{ "{\"services\": []}", "services: must be an object" },
	{ "{\"servces\": {}}", "servces: unknown key" },
	{ "{\"name\": \"a b\", \"services\": {\"a\": {\"command\": [\"x\"]}}}",
	    "name \"a b\"" },
	{ "{\"name\": 3, \"services\": {\"a\": {\"command\": [\"x\"]}}}",
	    "name: must be a string" },
	{ "{\"pool\": \"10.0.0.1/8\", \"services\": {\"a\": {\"command\": "
	    "[\"x\"]}}}", "pool: bad CIDR" },
	{ "{\"pool\": \"10.0.0.0/33\", \"services\": {\"a\": {\"command\": "
	    "[\"x\"]}}}", "pool: bad CIDR" },
	{ "{\"services\": {\"a\": {}}}", "services.a.command: missing" },
	{ "{\"services\": {\"a\": {\"command\": []}}}",
	    "services.a.command: must not be empty" },
	{ "{\"services\": {\"a\": {\"command\": \"ls\"}}}",
	    "services.a.command: must be an array of strings" },
	{ "{\"services\": {\"a\": {\"command\": [1]}}}",
	    "services.a.command[0]: must be a string" },
	{ "{\"services\": {\"a\": {\"command\": [\"x\"], \"portz\": []}}}",
	    "services.a.portz: unknown key" },
	{ "{\"services\": {\"a\\\"b\": {\"command\": [\"x\"]}}}",
	    "service name \"a\\\"b\"" },
	{ "{\"services\": {\"a\\nb\": {\"command\": [\"x\"]}}}",
	    "service name" },
	{ "{\"services\": {\"a{b\": {\"command\": [\"x\"]}}}",
	    "service name" },
	{ "{\"services\": {\"a*\": {\"command\": [\"x\"]}}}",
	    "service name" },
	{ "{\"services\": {\"a b\": {\"command\": [\"x\"]}}}",
	    "service name" },
	{ "{\"services\": {\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaa\": {\"command\": [\"x\"]}}}", "longer than 63" },
	{ "{\"services\": {\"a\": {\"command\": [\"x\"], \"ports\": "
	    "[\"0:80\"]}}}", "services.a.ports[0]" },
	{ "{\"services\": {\"a\": {\"command\": [\"x\"], \"ports\": "
	    "[\"80:80\", \"65536:80\"]}}}", "services.a.ports[1]" },
	{ "{\"services\": {\"a\": {\"command\": [\"x\"], \"ports\": "
	    "[\"90-80:80-90\"]}}}", "reversed" },
	{ "{\"services\": {\"a\": {\"command\": [\"x\"], \"ports\": "
	    "[\"80-90:80-85\"]}}}", "services.a.ports[0]" },
	{ "{\"services\": {\"a\": {\"command\": [\"x\"], \"ports\": "
	    "\"80:80\"}}}", "services.a.ports: must be an array" },
	{ "{\"services\": {\"a\": {\"command\": [\"x\"], \"ip\": "
	    "\"10.9.0.5\"}}}", "services.a.ip: 10.9.0.5 is not in the pool" },
	{ "{\"services\": {\"a\": {\"command\": [\"x\"], \"ip\": "
	    "\"10.213.0.1\"}}}", "services.a.ip: 10.213.0.1 is the gateway" },
	{ "{\"services\": {\"a\": {\"command\": [\"x\"], \"ip\": "
	    "\"10.213.255.255\"}}}", "broadcast" },
	{ "{\"services\": {\"a\": {\"command\": [\"x\"], \"ip\": "
	    "\"10.213.0.300\"}}}", "services.a.ip: \"10.213.0.300\" is not" },
	{ "{\"services\": {\"a\": {\"command\": [\"x\"], \"ip\": 5}}}",
	    "services.a.ip: must be a string" },
	{ "{\"services\": {\"a\": {\"command\": [\"x\"], \"ip\": "
	    "\"10.213.0.5\"}, \"b\": {\"command\": [\"x\"], \"ip\": "
	    "\"10.213.0.5\"}}}", "services.b.ip: 10.213.0.5 is also" },
	{ "{\"services\": {\"a\": {\"command\": [\"x\"], \"ports\": "
	    "[\"80:80\"]}, \"b\": {\"command\": [\"x\"], \"ports\": "
	    "[\"80:81\"]}}}", "services.b.ports[0]: host port" },
	{ "{\"services\": {\"a\": {\"command\": [\"x\"], \"container_name\": "
	    "\"z\"}, \"b\": {\"command\": [\"x\"], \"container_name\": "
	    "\"z\"}}}", "container name \"z\" is also used" },
	{ "{\"services\": {\"a\": {\"command\": [\"x\"], \"networks\": "
	    "[\"nope\"]}}}", "network \"nope\" is not declared" },
	{ "{\"services\": {\"a\": {\"command\": [\"x\"], \"depends_on\": "
	    "[\"b\"]}}}", "services.a.depends_on[0]: no service \"b\"" },
	{ "{\"services\": {\"a\": {\"command\": [\"x\"], \"depends_on\": "
	    "[\"b\"]}, \"b\": {\"command\": [\"x\"], \"depends_on\": "
	    "[\"a\"]}}}", "cycle" },
	{ "{\"services\": {\"a\": {\"command\": [\"x\"], \"env\": "
	    "{\"A-B\": \"x\"}}}}", "not a valid variable name" },
	{ "{\"services\": {\"a\": {\"command\": [\"x\"], \"env\": "
	    "{\"A\": 1}}}}", "services.a.env.A: must be a string" },
	{ "{\"services\": {\"a\": {\"command\": [\"x\"], \"healthcheck\": "
	    "{\"tcp\": 0}}}}", "services.a.healthcheck.tcp: 0 is not in" },
	{ "{\"services\": {\"a\": {\"command\": [\"x\"], \"healthcheck\": "
	    "{\"http\": 80}}}}", "services.a.healthcheck.http: unknown key" },
	{ "{\"networks\": {\"n\": {\"internal\": 1}}, \"services\": {\"a\": "
	    "{\"command\": [\"x\"]}}}", "networks.n.internal: must be true" },
	{ "{\"networks\": {\"N\": {}}, \"services\": {\"a\": "
	    "{\"command\": [\"x\"]}}}", "network name \"N\"" },
	{ "{\"services\": {\"a\": {\"command\": [\"x\"]}}, \"policy\": "
	    "[{\"from\": \"a\", \"to\": \"b\", \"action\": \"allow\"}]}",
	    "policy[0]: no service \"b\"" },
	{ "{\"services\": {\"a\": {\"command\": [\"x\"]}}, \"policy\": "
	    "[{\"from\": \"a\", \"to\": \"a\", \"action\": \"maybe\"}]}",
	    "policy[0].action" },
	{ "{\"services\": {\"a\": {\"command\": [\"x\"]}}, \"policy\": "
	    "[{\"from\": \"a\", \"to\": \"a\", \"action\": \"allow\", "
	    "\"ports\": [\"6379\"]}]}", "policy[0].ports[0]" },
	{ "{\"services\": {\"a\": {\"command\": [\"x\"]}}, \"links\": "
	    "[{\"between\": [\"a\"]}]}", "links[0].between: must name two" },
	{ "{\"services\": {\"a\": {\"command\": [\"x\"]}, \"b\": {\"command\":"
	    " [\"x\"]}}, \"links\": [{\"between\": [\"a\", \"b\"], \"loss\": "
	    "2}]}", "links[0]: loss must be" },
	{ "{\"services\": {\"a\": {\"command\": [\"x\"]}, \"b\": {\"command\":"
	    " [\"x\"]}}, \"links\": [{\"from\": \"a\"}]}", "links[0].to" },
	{ "{\"services\": {\"a\": {\"command\": [\"x\"]}}, \"links\": "
	    "[{\"service\": \"a\", \"between\": [\"a\", \"a\"]}]}",
	    "give one of" },
	{ "{\"services\": {\"a\": {\"command\": [\"x\"]}}, \"links\": "
	    "[{\"service\": \"b\"}]}", "links[0]: no service \"b\"" },
	{ "{\"services\": {\"a\": {\"command\": [\"x\"]}}, \"links\": "
	    "[{\"service\": \"a\", \"down\": \"sideways\"}]}",
	    "links[0]: down must be" },
	{ "{\"services\": {\"a\": {\"command\": [\"x\"]}, \"b\": {\"command\":"
	    " [\"x\"]}}, \"links\": [{\"between\": [\"a\", \"b\"], \"rate\": "
	    "\"fast\"}]}", "links[0].rate" },
	{ "{\"services\": {\"a\": {\"command\": [\"x\"]}, \"a\": {\"command\":"
	    " [\"x\"]}}}", "duplicate" },
};

static void
test_refusals(void **state)
{
	struct stack	*st;
	char		*cause = NULL;
	size_t		 i;

	for (i = 0; i < nitems(bad); i++) {
		st = stack_parse(bad[i].json, strlen(bad[i].json), "t.json",
		    &cause);
		if (st != NULL)
			fail_msg("accepted: %s", bad[i].json);
		if (strstr(cause, bad[i].msg) == NULL)
			fail_msg("%s\n  message \"%s\" lacks \"%s\"",
			    bad[i].json, cause, bad[i].msg);
	}
	free(cause);
}

static void
test_load(void **state)
{
	char	*cause = NULL, path[] = "/tmp/berth-test-stack.XXXXXX";
	int	 fd;

	assert_null(stack_load("/nonexistent/x.json", NULL, &cause));
	assert_non_null(strstr(cause, "/nonexistent/x.json"));
	fd = mkstemp(path);
	assert_true(fd != -1);
	assert_int_equal(write(fd, "{\"name\": \"s\", \"services\": 1}", 28), 28);
	close(fd);
	assert_null(stack_load(path, NULL, &cause));
	assert_non_null(strstr(cause, "services: must be an object"));
	unlink(path);
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
