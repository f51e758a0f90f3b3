/* SPDX-License-Identifier: ISC */
/*
 * test_statefile - the state on disk (common/statefile.c): a snapshot
 * and its journal read back, a torn last line, a stale journal, a
 * damaged line, a line applied twice.
 */
#include <sys/stat.h>

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

#include "statefile.h"
#include "util.h"

static char	 dir[] = "/tmp/berth-test-statefile.XXXXXX";

static void
put_file(const char *name, const char *text)
{
	char	 path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	(void)unlink(path);
	assert_int_equal(util_write_file_atomic(path, text, strlen(text),
	    0600), 0);
}

static void
rm_file(const char *name)
{
	char	 path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	(void)unlink(path);
}

/* The containers of sf as "name=ip name=ip". */
static const char *
names(const struct statefile *sf)
{
	static char	 s[512];
	json_t		*c;
	size_t		 i, n = 0;

	s[0] = '\0';
	json_array_foreach(json_object_get(sf->state, "containers"), i, c)
		n += (size_t)snprintf(s + n, sizeof(s) - n, "%s%s=%s",
		    n > 0 ? " " : "",
		    json_string_value(json_object_get(c, "name")),
		    json_string_value(json_object_get(c, "ip")));
	return s;
}

#define SNAP	"{\"version\":1,\"gen\":7,\"containers\":[" \
		"{\"name\":\"a\",\"ip\":\"10.0.0.2\"}," \
		"{\"name\":\"b\",\"ip\":\"10.0.0.3\"}],\"links\":[]}"
#define LINES	"{\"put\":{\"name\":\"c\",\"ip\":\"10.0.0.4\"}}\n" \
		"{\"put\":{\"name\":\"a\",\"ip\":\"10.0.0.9\"}}\n" \
		"{\"del\":\"b\"}\n"

/* Snapshot, then each line in order: a put replaces in place. */
static void
test_replay(void **state)
{
	struct statefile	 sf;

	put_file(STATEFILE_SNAPSHOT, SNAP);
	put_file(STATEFILE_JOURNAL, "{\"gen\":7}\n" LINES);
	assert_int_equal(statefile_read(dir, 1 << 20, &sf), 0);
	assert_string_equal(names(&sf), "a=10.0.0.9 c=10.0.0.4");
	assert_int_equal(sf.gen, 7);
	assert_int_equal(sf.jgen, 7);
	assert_int_equal(sf.lines, 3);
	assert_false(sf.torn);
	assert_false(sf.stale);
	assert_null(sf.jwhy);
	assert_null(sf.why);
	statefile_clear(&sf);

	/* No journal: the snapshot alone. */
	rm_file(STATEFILE_JOURNAL);
	assert_int_equal(statefile_read(dir, 1 << 20, &sf), 0);
	assert_string_equal(names(&sf), "a=10.0.0.2 b=10.0.0.3");
	assert_int_equal(sf.jgen, 0);
	statefile_clear(&sf);
}

/* The lines applied a second time change nothing more. */
static void
test_idempotent(void **state)
{
	struct statefile	 sf;

	put_file(STATEFILE_SNAPSHOT, SNAP);
	put_file(STATEFILE_JOURNAL, "{\"gen\":7}\n" LINES LINES);
	assert_int_equal(statefile_read(dir, 1 << 20, &sf), 0);
	assert_string_equal(names(&sf), "a=10.0.0.9 c=10.0.0.4");
	assert_int_equal(sf.lines, 6);
	statefile_clear(&sf);
}

/* A crash in the middle of a write: the last line is dropped, no damage. */
static void
test_torn(void **state)
{
	struct statefile	 sf;

	put_file(STATEFILE_SNAPSHOT, SNAP);
	put_file(STATEFILE_JOURNAL, "{\"gen\":7}\n" LINES
	    "{\"put\":{\"name\":\"d\",\"i");
	assert_int_equal(statefile_read(dir, 1 << 20, &sf), 0);
	assert_string_equal(names(&sf), "a=10.0.0.9 c=10.0.0.4");
	assert_true(sf.torn);
	assert_null(sf.jwhy);
	statefile_clear(&sf);

	/* Even a torn header: no journal at all. */
	put_file(STATEFILE_JOURNAL, "{\"gen\":");
	assert_int_equal(statefile_read(dir, 1 << 20, &sf), 0);
	assert_string_equal(names(&sf), "a=10.0.0.2 b=10.0.0.3");
	assert_true(sf.torn);
	assert_null(sf.jwhy);
	statefile_clear(&sf);
}

/*
 * A crash between a snapshot's rename and the journal's reset: the
 * journal of the older generation is not applied. One of a generation
 * no snapshot has is damage.
 */
static void
test_generation(void **state)
{
	struct statefile	 sf;

	put_file(STATEFILE_SNAPSHOT, SNAP);
	put_file(STATEFILE_JOURNAL, "{\"gen\":6}\n" LINES);
	assert_int_equal(statefile_read(dir, 1 << 20, &sf), 0);
	assert_string_equal(names(&sf), "a=10.0.0.2 b=10.0.0.3");
	assert_true(sf.stale);
	assert_int_equal(sf.lines, 0);
	assert_null(sf.jwhy);
	statefile_clear(&sf);

	put_file(STATEFILE_JOURNAL, "{\"gen\":8}\n" LINES);
	assert_int_equal(statefile_read(dir, 1 << 20, &sf), 0);
	assert_string_equal(names(&sf), "a=10.0.0.2 b=10.0.0.3");
	assert_int_equal(sf.jgen, 8);
	assert_non_null(strstr(sf.jwhy, "follows no snapshot"));
	statefile_clear(&sf);

	put_file(STATEFILE_JOURNAL, "{\"put\":{\"name\":\"c\"}}\n");
	assert_int_equal(statefile_read(dir, 1 << 20, &sf), 0);
	assert_non_null(strstr(sf.jwhy, "not a journal header"));
	assert_string_equal(names(&sf), "a=10.0.0.2 b=10.0.0.3");
	statefile_clear(&sf);
}

/* A damaged line that is not the last: reported, the others applied. */
static void
test_damaged(void **state)
{
	static const char	*bad[] = {
		"garbage", "{\"put\":7}", "{\"del\":7}", "[]",
		"{\"put\":{\"ip\":\"10.0.0.8\"}}", "{\"add\":\"x\"}",
		"{\"put\":{\"name\":\"x\"},\"del\":\"a\"}",
	};
	struct statefile	 sf;
	char			 text[512];
	size_t			 i;

	put_file(STATEFILE_SNAPSHOT, SNAP);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "{\"gen\":7}\n"
		    "{\"del\":\"b\"}\n%s\n{\"put\":{\"name\":\"c\","
		    "\"ip\":\"10.0.0.4\"}}\n", bad[i]);
		put_file(STATEFILE_JOURNAL, text);
		assert_int_equal(statefile_read(dir, 1 << 20, &sf), 0);
		if (sf.jwhy == NULL || strncmp(sf.jwhy, "line 3: ", 8) != 0)
			fail_msg("%s: %s", bad[i], sf.jwhy);
		assert_string_equal(names(&sf), "a=10.0.0.2 c=10.0.0.4");
		assert_int_equal(sf.lines, 2);
		statefile_clear(&sf);
	}
}

/* A snapshot that cannot be used, or none: no state, and why. */
static void
test_snapshot(void **state)
{
	struct statefile	 sf;
	char			 path[128];

	put_file(STATEFILE_JOURNAL, "{\"gen\":7}\n" LINES);
	rm_file(STATEFILE_SNAPSHOT);
	assert_int_equal(statefile_read(dir, 1 << 20, &sf), -1);
	assert_int_equal(errno, ENOENT);
	assert_null(sf.why);
	statefile_clear(&sf);

	put_file(STATEFILE_SNAPSHOT, "{\"version\": 1, \"contain");
	assert_int_equal(statefile_read(dir, 1 << 20, &sf), -1);
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(sf.why, "line 1"));
	statefile_clear(&sf);

	rm_file(STATEFILE_SNAPSHOT);
	snprintf(path, sizeof(path), "%s/%s", dir, STATEFILE_SNAPSHOT);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(statefile_read(dir, 1 << 20, &sf), -1);
	assert_int_equal(errno, EINVAL);
	assert_string_equal(sf.why, "not a regular file");
	statefile_clear(&sf);
	rm_file(STATEFILE_SNAPSHOT);

	/* A FIFO in the journal's place: damage, never waited on. */
	put_file(STATEFILE_SNAPSHOT, SNAP);
	rm_file(STATEFILE_JOURNAL);
	snprintf(path, sizeof(path), "%s/%s", dir, STATEFILE_JOURNAL);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(statefile_read(dir, 1 << 20, &sf), 0);
	assert_string_equal(sf.jwhy, "not a regular file");
	assert_string_equal(names(&sf), "a=10.0.0.2 b=10.0.0.3");
	statefile_clear(&sf);
	rm_file(STATEFILE_JOURNAL);

	/* Larger than max. */
	put_file(STATEFILE_SNAPSHOT, SNAP);
	assert_int_equal(statefile_read(dir, 16, &sf), -1);
	assert_int_equal(errno, EFBIG);
	statefile_clear(&sf);

	/* JSON of another shape: given as it is, no journal on it. */
	put_file(STATEFILE_SNAPSHOT, "[]");
	assert_int_equal(statefile_read(dir, 1 << 20, &sf), 0);
	assert_true(json_is_array(sf.state));
	assert_int_equal(sf.lines, 0);
	statefile_clear(&sf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_idempotent),
		cmocka_unit_test(test_torn),
		cmocka_unit_test(test_generation),
		cmocka_unit_test(test_damaged),
		cmocka_unit_test(test_snapshot),
	};
	int	 rc;

	if (mkdtemp(dir) == NULL)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rm_file(STATEFILE_SNAPSHOT);
	rm_file(STATEFILE_JOURNAL);
	(void)rmdir(dir);
	return rc;
}
