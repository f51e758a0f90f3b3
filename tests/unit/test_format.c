/* SPDX-License-Identifier: ISC */
/*
 * test_format.c - inspect -f / ps --format templates (cli/format.c), the
 * YAML reader (common/yaml_json.c) and logs --since (cli/logview.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "cli.h"
#include "yaml_json.h"

static char *
render(const char *tmpl, json_t *obj, int *rc)
{
	char	*buf = NULL, *cause = NULL;
	size_t	 len = 0;
	FILE	*f = open_memstream(&buf, &len);

	*rc = format_render(f, tmpl, obj, &cause);
	fclose(f);
	free(cause);
	return buf;
}

static void
test_templates(void **state)
{
	json_t	*c = json_pack("{s:s, s:s, s:[s, s], s:{s:[s, s]}, s:i}",
		    "name", "web", "ip", "10.0.0.2", "ports", "80:8000/tcp",
		    "81:81/tcp", "meta", "command", "sleep", "60", "pid", 42);
	char	*s;
	int	 rc;

	(void)state;
	s = render("{{.ip}}", c, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(s, "10.0.0.2");
	free(s);
	s = render("{{.Names}}\\t{{ .IPAddress }}:{{.pid}}", c, &rc);
	assert_string_equal(s, "web\t10.0.0.2:42");
	free(s);
	s = render("{{.meta.command}} {{json .ports}}", c, &rc);
	assert_string_equal(s, "[sleep 60] [\"80:8000/tcp\",\"81:81/tcp\"]");
	free(s);
	s = render("{{.NetworkSettings.IPAddress}} {{upper .name}} {{.nope}}",
	    c, &rc);
	assert_string_equal(s, "10.0.0.2 WEB <no value>");
	free(s);
	/* refused whole: nothing printed */
	s = render("x{{range .ports}}{{.}}{{end}}", c, &rc);
	assert_int_equal(rc, -1);
	assert_string_equal(s, "");
	free(s);
	s = render("{{.ip", c, &rc);
	assert_int_equal(rc, -1);
	free(s);
	json_decref(c);
}

static void
test_yaml(void **state)
{
	const char	*y = "a: 1\nb: [x, 'y', \"2\", 3.5, true, ~]\n"
			    "base: &b {k: v, n: 1}\nc:\n  <<: *b\n  n: 2\n";
	json_t		*j, *lines = NULL;
	char		*cause = NULL, *s;

	(void)state;
	j = yaml_json_load(y, strlen(y), &lines, &cause);
	assert_non_null(j);
	s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "{\"a\":1,\"b\":[\"x\",\"y\",\"2\",3.5,true,"
	    "null],\"base\":{\"k\":\"v\",\"n\":1},\"c\":{\"k\":\"v\",\"n\":2}}");
	free(s);
	assert_int_equal(yaml_json_line(lines, "b[3]: bad"), 2);
	assert_int_equal(yaml_json_line(lines, "c.n: bad"), 6);
	assert_int_equal(yaml_json_line(lines, "zz: bad"), 0);
	json_decref(j);
	json_decref(lines);

	j = yaml_json_load("a: 1\na: 2\n", 10, NULL, &cause);
	assert_null(j);
	assert_non_null(strstr(cause, "line 2: a: duplicate key"));
	free(cause);
	cause = NULL;
	j = yaml_json_load("a: [1,\n", 7, NULL, &cause);
	assert_null(j);
	assert_non_null(strstr(cause, "line "));
	free(cause);
	cause = NULL;
	j = yaml_json_load("a: *nope\n", 9, NULL, &cause);
	assert_null(j);
	free(cause);
}

static void
test_since(void **state)
{
	long long	 ms;
	char		*cause = NULL;

	(void)state;
	assert_int_equal(logs_parse_since("1700000000", &ms, &cause), 0);
	assert_true(ms == 1700000000000LL);
	assert_int_equal(logs_parse_since("2023-11-14T22:13:20Z", &ms,
	    &cause), 0);
	assert_true(ms == 1700000000000LL);
	assert_int_equal(logs_parse_since("1h30m", &ms, &cause), 0);
	assert_true(ms <= (long long)time(NULL) * 1000 - 5400000 + 1000);
	assert_int_equal(logs_parse_since("soon", &ms, &cause), -1);
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_templates),
		cmocka_unit_test(test_yaml),
		cmocka_unit_test(test_since),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
