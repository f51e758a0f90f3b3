/* SPDX-License-Identifier: ISC */
/*
 * test_ctrview.c - the CLI's view of a container (cli/ctrview.c): netd's
 * object decoded into typed fields, the object kept for output, the
 * state settled against the real process.
 */
#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "cli.h"
#include "proc.h"

/* A container object as netd's ops and state file write it. */
static json_t *
obj(const char *name, const char *stack, const char *service,
    enum ctr_state st, long long pid, long long start, int exit_code)
{
	struct ctr_info	 c;
	json_t		*j;

	memset(&c, 0, sizeof(c));
	snprintf(c.spec.name, sizeof(c.spec.name), "%s", name);
	assert_int_equal(addr_parse("10.213.0.7", &c.spec.addr), 0);
	c.spec.networks = calloc(2, sizeof(char *));
	c.spec.networks[c.spec.nnetworks++] = strdup("default");
	c.spec.ports = calloc(2, sizeof(*c.spec.ports));
	assert_int_equal(portspec_parse("127.0.0.1:8080:80/tcp",
	    &c.spec.ports[0], NULL), 0);
	c.spec.nports = 1;
	c.spec.stack = stack != NULL ? strdup(stack) : NULL;
	c.spec.service = service != NULL ? strdup(service) : NULL;
	c.spec.meta = json_pack("{s:[s,s], s:s, s:b, s:[s]}", "command",
	    "sleep", "60", "user", "nobody", "rm", 1, "env", "A=1");
	snprintf(c.tun, sizeof(c.tun), "berth7");
	c.state = st;
	c.pid = pid;
	c.pid_start = start;
	c.has_exit = exit_code >= 0;
	c.exit_code = exit_code >= 0 ? exit_code : 0;
	c.created = 1700000000;
	c.uid = getuid();
	j = ctr_info_to_json(&c);
	ctr_info_clear(&c);
	return j;
}

static void
test_decode(void **state)
{
	struct ctrview	 v;
	json_t		*j = obj("web", "shop", "web", CTR_CREATED, 0, 0, -1);
	char		*cause = NULL, buf[PORTSPEC_STRLEN];

	(void)state;
	assert_int_equal(ctrview_decode(j, &v, &cause), 0);
	assert_string_equal(v.name, "web");
	assert_string_equal(v.ip, "10.213.0.7");
	assert_string_equal(v.status, "created");
	assert_string_equal(v.info.spec.stack, "shop");
	assert_int_equal(v.info.spec.nports, 1);
	assert_string_equal(portspec_fmt(&v.info.spec.ports[0], buf),
	    "127.0.0.1:8080:80/tcp");
	assert_string_equal(v.meta.command[0], "sleep");
	assert_string_equal(v.meta.command[1], "60");
	assert_null(v.meta.command[2]);
	assert_string_equal(v.meta.user, "nobody");
	assert_null(v.meta.rootfs);
	assert_true(v.meta.rm);
	assert_int_equal(json_array_size(v.meta.env), 1);
	assert_true(container_trusted(&v));
	assert_ptr_equal(v.obj, j);	/* kept for output */
	/* ports and networks back as run takes them */
	{
		json_t	*p = ctrview_ports(&v), *n = ctrview_networks(&v);

		assert_true(json_equal(p, json_object_get(j, "ports")));
		assert_true(json_equal(n, json_object_get(j, "networks")));
		json_decref(p);
		json_decref(n);
	}
	ctrview_clear(&v);
	ctrview_clear(&v);	/* twice is harmless */
	json_decref(j);

	/* What is not a container says so. */
	j = json_pack("{s:s, s:s}", "name", "web", "ip", "10.213.0.7");
	assert_int_equal(ctrview_decode(j, &v, &cause), -1);
	assert_non_null(strstr(cause, "netd sent a container that is not "
	    "one: web: bad tun"));
	free(cause);
	ctrview_clear(&v);
	json_decref(j);
}

/* A "running" one is running only while its recorded process is. */
static void
test_settle(void **state)
{
	struct ctrview	 v;
	json_t		*j;

	(void)state;
	j = obj("a", NULL, NULL, CTR_RUNNING, getpid(),
	    (long long)proc_start(getpid()), -1);
	assert_int_equal(ctrview_decode(j, &v, NULL), 0);
	assert_true(ctrview_alive(&v));
	assert_int_equal(ctrview_settle(&v), CTR_RUNNING);
	assert_string_equal(v.status, "running");
	assert_string_equal(json_string_value(json_object_get(v.obj,
	    "status")), "running");
	ctrview_clear(&v);
	json_decref(j);

	/* Our pid with another start time: a reused pid, not ours. */
	j = obj("b", NULL, NULL, CTR_RUNNING, getpid(),
	    (long long)proc_start(getpid()) + 1, -1);
	assert_int_equal(ctrview_decode(j, &v, NULL), 0);
	assert_false(ctrview_alive(&v));
	assert_int_equal(ctrview_settle(&v), CTR_EXITED);
	assert_string_equal(v.status, "exited (?)");
	assert_string_equal(json_string_value(json_object_get(v.obj,
	    "state")), "exited");
	assert_string_equal(json_string_value(json_object_get(v.obj,
	    "status")), "exited (?)");
	ctrview_clear(&v);
	json_decref(j);

	j = obj("c", NULL, NULL, CTR_EXITED, 0, 0, 3);
	assert_int_equal(ctrview_decode(j, &v, NULL), 0);
	assert_int_equal(ctrview_settle(&v), CTR_EXITED);
	assert_string_equal(v.status, "exited (3)");
	ctrview_clear(&v);
	json_decref(j);
}

static void
test_find(void **state)
{
	struct ctrviews	 vs;
	struct ctrview	*v, moved;
	json_t		*list = json_array();
	const char	*other = NULL;

	(void)state;
	json_array_append_new(list, obj("x", NULL, NULL, CTR_CREATED, 0, 0,
	    -1));
	json_array_append_new(list, obj("shop-web", "shop", "web",
	    CTR_CREATED, 0, 0, -1));
	json_array_append_new(list, obj("blog-web", "blog", "web",
	    CTR_CREATED, 0, 0, -1));
	assert_int_equal(ctrviews_decode(list, &vs, NULL), 0);
	assert_int_equal(vs.n, 3);
	v = ctrviews_find(&vs, "blog", "web", &other);
	assert_non_null(v);
	assert_string_equal(v->name, "blog-web");
	assert_string_equal(other, "shop");
	other = NULL;
	assert_null(ctrviews_find(&vs, "none", "web", &other));
	assert_string_equal(other, "shop");
	assert_null(ctrviews_find(&vs, NULL, "db", NULL));

	/* Moving one out leaves an empty slot that clears to nothing. */
	moved = vs.v[0];
	memset(&vs.v[0], 0, sizeof(vs.v[0]));
	ctrviews_clear(&vs);
	assert_string_equal(moved.name, "x");
	ctrview_clear(&moved);

	/* One bad element: the list is refused. */
	json_array_append_new(list, json_pack("{s:s}", "name", "bad"));
	assert_int_equal(ctrviews_decode(list, &vs, NULL), -1);
	assert_int_equal(vs.n, 0);
	assert_null(vs.v);
	json_decref(list);
}

/*
 * ps's table from the brief list: the same columns and settled states
 * as from the whole objects, and never a trusted creator.
 */
static void
test_brief(void **state)
{
	struct ctrviews	 full, brief;
	struct ctr_info	 c;
	json_t		*list = json_array(), *blist = json_array(), *e;
	char		*cause = NULL;
	size_t		 i;

	(void)state;
	json_array_append_new(list, obj("a", NULL, NULL, CTR_RUNNING,
	    getpid(), (long long)proc_start(getpid()), -1));
	json_array_append_new(list, obj("b", NULL, NULL, CTR_RUNNING,
	    getpid(), (long long)proc_start(getpid()) + 1, -1));
	json_array_append_new(list, obj("c", NULL, NULL, CTR_EXITED, 0, 0,
	    3));
	json_array_foreach(list, i, e) {
		assert_int_equal(ctr_info_parse(e, &c, NULL), 0);
		json_array_append_new(blist, ctr_brief_to_json(&c));
		ctr_info_clear(&c);
	}
	assert_int_equal(ctrviews_decode(list, &full, NULL), 0);
	if (ctrviews_decode_brief(blist, &brief, &cause) == -1)
		fail_msg("%s", cause);
	assert_int_equal(brief.n, 3);
	for (i = 0; i < brief.n; i++) {
		assert_int_equal(ctrview_settle(&brief.v[i]),
		    ctrview_settle(&full.v[i]));
		assert_string_equal(brief.v[i].name, full.v[i].name);
		assert_string_equal(brief.v[i].ip, full.v[i].ip);
		assert_string_equal(brief.v[i].status, full.v[i].status);
		assert_int_equal(brief.v[i].info.spec.nports,
		    full.v[i].info.spec.nports);
		assert_string_equal(brief.v[i].meta.command[0], "sleep");
		assert_string_equal(brief.v[i].meta.command[1], "60");
		assert_null(brief.v[i].meta.command[2]);
		/* the whole object's creator is us; the brief one's unknown */
		assert_true(container_trusted(&full.v[i]));
		assert_false(container_trusted(&brief.v[i]));
		assert_null(brief.v[i].meta.user);
	}
	assert_string_equal(brief.v[1].status, "exited (?)");
	assert_string_equal(brief.v[2].status, "exited (3)");
	ctrviews_clear(&full);
	ctrviews_clear(&brief);

	/* One bad element: the list is refused. */
	json_array_append_new(blist, json_pack("{s:s}", "name", "bad"));
	assert_int_equal(ctrviews_decode_brief(blist, &brief, NULL), -1);
	assert_null(brief.v);
	json_decref(list);
	json_decref(blist);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_settle),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_brief),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
