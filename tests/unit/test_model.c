/* SPDX-License-Identifier: ISC */
/*
 * test_model.c - the container object's and hello's codecs
 * (common/model.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "addr.h"
#include "model.h"
#include "util.h"

static void
refuse(const char *json, const char *want)
{
	struct ctr_spec	 s;
	json_t		*j = json_loads(json, 0, NULL);
	char		*cause = NULL;

	assert_non_null(j);
	assert_int_equal(ctr_spec_parse(j, &s, &cause), -1);
	if (strstr(cause, want) == NULL)
		fail_msg("%s: \"%s\" lacks \"%s\"", json, cause, want);
	ctr_spec_clear(&s);
	json_decref(j);
	free(cause);
}

/* What needs no netd is refused by the codec, naming the field. */
static void
test_spec_refused(void **state)
{
	refuse("{}", "a container name is needed");
	refuse("{\"name\": \"B\"}", "container name");
	refuse("{\"name\": \"a\", \"ip\": 5}", "ip must be a string");
	refuse("{\"name\": \"a\", \"ip\": \"10.1.2\"}", "bad address");
	refuse("{\"name\": \"a\", \"networks\": []}", "non-empty array");
	refuse("{\"name\": \"a\", \"networks\": [\"x y\"]}", "network name");
	refuse("{\"name\": \"a\", \"ports\": [\"80:80\", \"80:81\"]}",
	    "published twice");
	refuse("{\"name\": \"a\", \"ports\": [\"0:80\"]}", "port");
	refuse("{\"name\": \"a\", \"ports\": \"80:80\"}", "must be an array");
	refuse("{\"name\": \"a\", \"stack\": \"S\"}", "stack name");
	refuse("{\"name\": \"a\", \"meta\": []}", "meta must be an object");
}

/* Spec -> object -> spec, and the container object round trip. */
static void
test_roundtrip(void **state)
{
	struct ctr_spec	 s;
	struct ctr_info	 info, back;
	json_t		*j, *k;
	char		*cause = NULL;

	j = json_loads("{\"name\": \"web\", \"ip\": \"10.213.0.9\", "
	    "\"networks\": [\"a\", \"a\", \"b\"], \"ports\": [\"8080:80\", "
	    "\"127.0.0.1:53:53/udp,proxy\"], \"stack\": \"shop\", "
	    "\"service\": \"web\", \"meta\": {\"x\": 1}}", 0, NULL);
	if (ctr_spec_parse(j, &s, &cause) == -1)
		fail_msg("%s", cause);
	json_decref(j);
	assert_string_equal(s.name, "web");
	assert_int_equal(s.nnetworks, 2);	/* duplicate dropped */
	assert_int_equal(s.nports, 2);
	assert_int_equal(s.ports[1].flags, PORTSPEC_PROXY);

	memset(&info, 0, sizeof(info));
	info.spec = s;
	strcpy(info.tun, "bt0ad50009");
	info.state = CTR_EXITED;
	info.has_exit = 1;
	info.exit_code = 3;
	info.pid = 77;
	k = ctr_info_to_json(&info);
	assert_string_equal(json_string_value(json_object_get(k, "state")),
	    "exited");
	if (ctr_info_parse(k, &back, &cause) == -1)
		fail_msg("%s", cause);
	assert_string_equal(back.spec.name, "web");
	assert_int_equal(back.spec.addr, s.addr);
	assert_int_equal(back.spec.nports, 2);
	assert_string_equal(back.spec.networks[1], "b");
	assert_string_equal(back.tun, "bt0ad50009");
	assert_int_equal(back.exit_code, 3);
	assert_int_equal(back.pid, 77);
	assert_true(json_equal(back.spec.meta, s.meta));
	json_decref(k);
	ctr_info_clear(&back);
	ctr_spec_clear(&s);

	/* No networks: "default"; a stored container needs its ip. */
	j = json_loads("{\"name\": \"x\"}", 0, NULL);
	assert_int_equal(ctr_spec_parse(j, &s, NULL), 0);
	assert_string_equal(s.networks[0], "default");
	ctr_spec_clear(&s);
	assert_int_equal(ctr_info_parse(j, &back, &cause), -1);
	assert_non_null(strstr(cause, "no ip"));
	free(cause);
	json_decref(j);
}

/*
 * The brief container (list {"brief": true}): exactly what ps's table
 * shows and settles with, back the same; nothing of the creator.
 */
static void
test_brief(void **state)
{
	static const char *const keys[] = { "name", "ip", "ports", "state",
	    "pid", "pid_start", "exit_code", "command" };
	struct ctr_info	 info, back;
	json_t		*j, *k, *v;
	const char	*key;
	char		*cause = NULL, buf[PORTSPEC_STRLEN];
	size_t		 i;

	(void)state;
	j = json_loads("{\"name\": \"web\", \"ip\": \"10.213.0.9\", "
	    "\"networks\": [\"a\"], \"ports\": [\"8080:80\"], "
	    "\"stack\": \"shop\", \"service\": \"web\", \"meta\": "
	    "{\"command\": [\"sleep\", \"9\"], \"env\": [\"S=1\"], "
	    "\"user\": \"root\"}}", 0, NULL);
	memset(&info, 0, sizeof(info));
	if (ctr_spec_parse(j, &info.spec, &cause) == -1)
		fail_msg("%s", cause);
	json_decref(j);
	strcpy(info.tun, "bt0ad50009");
	info.state = CTR_RUNNING;
	info.pid = 77;
	info.pid_start = 12345;
	info.has_exit = 1;
	info.exit_code = 3;
	info.created = 1700000000;
	info.uid = 1000;

	k = ctr_brief_to_json(&info);
	assert_int_equal(json_object_size(k), nitems(keys));
	for (i = 0; i < nitems(keys); i++)
		assert_non_null(json_object_get(k, keys[i]));
	json_object_foreach(k, key, v)
		assert_string_not_equal(key, "meta");
	if (ctr_brief_parse(k, &back, &cause) == -1)
		fail_msg("%s", cause);
	assert_string_equal(back.spec.name, "web");
	assert_int_equal(back.spec.addr, info.spec.addr);
	assert_int_equal(back.spec.nports, 1);
	assert_string_equal(portspec_fmt(&back.spec.ports[0], buf),
	    "8080:80/tcp");
	assert_int_equal(back.state, CTR_RUNNING);
	assert_int_equal(back.pid, 77);
	assert_int_equal(back.pid_start, 12345);
	assert_true(back.has_exit);
	assert_int_equal(back.exit_code, 3);
	/* The creator is unknown, meta the command and nothing else. */
	assert_int_equal(back.uid, -1);
	assert_int_equal(back.spec.nnetworks, 0);
	assert_null(back.spec.stack);
	assert_int_equal(json_object_size(back.spec.meta), 1);
	assert_true(json_equal(json_object_get(back.spec.meta, "command"),
	    json_object_get(info.spec.meta, "command")));
	ctr_info_clear(&back);
	json_decref(k);

	/* Not running, no command: no pid, no command key. */
	info.state = CTR_CREATED;
	info.pid = 0;
	info.has_exit = 0;
	json_object_del(info.spec.meta, "command");
	k = ctr_brief_to_json(&info);
	assert_null(json_object_get(k, "pid"));
	assert_null(json_object_get(k, "exit_code"));
	assert_null(json_object_get(k, "command"));
	assert_int_equal(ctr_brief_parse(k, &back, NULL), 0);
	assert_int_equal(back.state, CTR_CREATED);
	assert_int_equal(json_object_size(back.spec.meta), 0);
	ctr_info_clear(&back);

	/* What is not one is refused, naming the field. */
	json_object_del(k, "ip");
	assert_int_equal(ctr_brief_parse(k, &back, &cause), -1);
	assert_non_null(strstr(cause, "no ip"));
	json_object_set_new(k, "ip", json_string("10.213.0.9"));
	json_object_set_new(k, "ports", json_string("80"));
	assert_int_equal(ctr_brief_parse(k, &back, &cause), -1);
	assert_non_null(strstr(cause, "ports must be an array"));
	free(cause);
	json_decref(k);
	ctr_info_clear(&info);
}

/* hello: what netd encodes is what the CLI decodes; old netds too. */
static void
test_hello(void **state)
{
	struct netd_hello	 h, g;
	json_t			*j;
	char			*cause = NULL;

	memset(&h, 0, sizeof(h));
	h.version = 1;
	assert_int_equal(cidr_parse("10.213.0.0/16", &h.pool, NULL), 0);
	assert_int_equal(addr_parse("10.213.0.1", &h.gateway), 0);
	h.prefix = (char *)"berth";
	h.pid = 4242;
	h.table = 213;
	h.gateway_tun = (char *)"berth0";
	h.state_dir = (char *)"/var/lib/berth";
	h.containers = 7;
	h.enforce = (char *)"cgroup-bpf";
	h.dns = 0;
	j = netd_hello_to_json(&h);
	assert_null(json_object_get(j, "degraded"));
	assert_null(json_object_get(j, "cgroup"));
	assert_true(json_is_false(json_object_get(j, "dns")));
	assert_int_equal(netd_hello_parse(j, &g, &cause), 0);
	assert_int_equal(g.pool.net, h.pool.net);
	assert_int_equal(g.pool.plen, 16);
	assert_int_equal(g.gateway, h.gateway);
	assert_int_equal(g.pid, 4242);
	assert_int_equal(g.table, 213);
	assert_int_equal(g.containers, 7);
	assert_string_equal(g.prefix, "berth");
	assert_string_equal(g.gateway_tun, "berth0");
	assert_string_equal(g.state_dir, "/var/lib/berth");
	assert_string_equal(g.enforce, "cgroup-bpf");
	assert_int_equal(g.dns, 0);
	assert_null(g.degraded);
	netd_hello_clear(&g);
	json_decref(j);

	h.dns = 1;
	h.degraded = (char *)"state file damaged";
	h.cgroup = (char *)"/sys/fs/cgroup/berth-berth";
	j = netd_hello_to_json(&h);
	assert_int_equal(netd_hello_parse(j, &g, NULL), 0);
	assert_int_equal(g.dns, 1);
	assert_string_equal(g.degraded, "state file damaged");
	assert_string_equal(g.cgroup, "/sys/fs/cgroup/berth-berth");
	netd_hello_clear(&g);
	json_decref(j);

	/* An older netd says nothing of dns: it has it. */
	j = json_pack("{s:s, s:s}", "pool", "10.9.0.0/24", "gateway",
	    "10.9.0.1");
	assert_int_equal(netd_hello_parse(j, &g, NULL), 0);
	assert_int_equal(g.dns, 1);
	assert_null(g.enforce);
	netd_hello_clear(&g);
	json_decref(j);

	j = json_pack("{s:s}", "pool", "10.9.0/24");
	assert_int_equal(netd_hello_parse(j, &g, &cause), -1);
	assert_string_equal(cause, "hello: bad pool");
	free(cause);
	json_decref(j);
}

/* Networks: netd's encoding read back; a bad element refuses the list. */
static void
test_net(void **state)
{
	struct net_info	 a = { "back", 1 }, *nets;
	json_t		*list = json_array();
	char		*cause = NULL;
	size_t		 n;

	json_array_append_new(list, net_info_to_json(&a));
	snprintf(a.name, sizeof(a.name), "default");
	a.internal = 0;
	json_array_append_new(list, net_info_to_json(&a));
	assert_int_equal(net_infos_parse(list, &nets, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_string_equal(nets[0].name, "back");
	assert_int_equal(nets[0].internal, 1);
	assert_string_equal(nets[1].name, "default");
	assert_int_equal(nets[1].internal, 0);
	free(nets);
	json_array_append_new(list, json_pack("{s:s}", "name", "Bad Name"));
	assert_int_equal(net_infos_parse(list, &nets, &n, &cause), -1);
	assert_null(nets);
	assert_int_equal(n, 0);
	assert_non_null(strstr(cause, "network name"));
	free(cause);
	json_decref(list);
	assert_int_equal(net_infos_parse(json_null(), &nets, &n, NULL), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_refused),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_brief),
		cmocka_unit_test(test_hello),
		cmocka_unit_test(test_net),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
