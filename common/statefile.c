/* SPDX-License-Identifier: ISC */
/*
 * statefile.c - reading netd's state: the snapshot and its journal.
 *
 * DOC: snapshot and journal
 * STATE_DIR/state.json is a whole state (netd/state.c writes it with a
 * temporary file and a rename) and names its generation ("gen").
 * STATE_DIR/state.journal holds what changed in the containers since:
 * its first line is {"gen":N}, the generation of the snapshot it
 * follows, then one line per changed container, {"put":ENTRY} (the
 * entry as the snapshot would hold it) or {"del":NAME}. The state is
 * the snapshot with the lines applied in order.
 *
 * A journal of another generation is not applied: netd writes a new
 * snapshot first and starts its journal afterwards, so a crash in
 * between leaves the older journal next to the newer snapshot (it is
 * "stale"). A put replaces the entry of its name, a delete of a name
 * not there does nothing, so applying a line twice changes nothing
 * more. A last line without its newline is what a crash in the middle
 * of a write leaves ("torn"); it is dropped. Any other line that is
 * not a put or a delete is damage (jwhy): skipped, the others applied.
 *
 * netd replaces the snapshot and then truncates the journal while
 * others read: a reader whose snapshot was replaced while it read the
 * journal reads both again.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "statefile.h"
#include "util.h"
#include "xmalloc.h"

#define STATEFILE_TRIES	5

void
statefile_clear(struct statefile *sf)
{
	json_decref(sf->state);
	free(sf->why);
	free(sf->jwhy);
	memset(sf, 0, sizeof(*sf));
}

int
statefile_header(char *buf, size_t len, unsigned long long gen)
{
	return snprintf(buf, len, "{\"gen\":%llu}\n", gen);
}

/* The index of the container entry called name, or -1. */
static ssize_t
statefile_find(json_t *a, const char *name)
{
	const char	*s;
	size_t		 i;

	for (i = json_array_size(a); i-- > 0; ) {
		s = json_string_value(json_object_get(json_array_get(a, i),
		    "name"));
		if (s != NULL && strcmp(s, name) == 0)
			return (ssize_t)i;
	}
	return -1;
}

int
statefile_apply(json_t *state, const char *line, size_t len, char **cause)
{
	json_t		*j, *a, *put, *del;
	json_error_t	 err;
	const char	*name;
	ssize_t		 at;
	int		 ret = -1;

	if ((j = json_loadb(line, len, 0, &err)) == NULL)
		return cause_set(cause, "not JSON: %s", err.text);
	put = json_object_get(j, "put");
	del = json_object_get(j, "del");
	if (!json_is_object(j) || json_object_size(j) != 1 ||
	    (put == NULL && del == NULL)) {
		cause_set(cause, "neither a put nor a delete");
		goto out;
	}
	name = put != NULL ? json_string_value(json_object_get(put, "name")) :
	    json_string_value(del);
	if (name == NULL || (put != NULL && !json_is_object(put))) {
		cause_set(cause, "a %s without a name", put != NULL ? "put" :
		    "delete");
		goto out;
	}
	if ((a = json_object_get(state, "containers")) == NULL) {
		a = json_array();
		json_object_set_new(state, "containers", a);
	}
	if (!json_is_array(a)) {
		cause_set(cause, "the snapshot has no list of containers");
		goto out;
	}
	at = statefile_find(a, name);
	if (put != NULL && at >= 0)
		json_array_set(a, (size_t)at, put);
	else if (put != NULL)
		json_array_append(a, put);
	else if (at >= 0)
		json_array_remove(a, (size_t)at);
	ret = 0;
out:
	json_decref(j);
	return ret;
}

/* The journal at path, applied to sf->state (when there is one). */
static void
statefile_journal(struct statefile *sf, const char *path, size_t max)
{
	struct stat	 sb;
	json_t		*h;
	json_int_t	 g;
	char		*buf, *p, *nl, *why = NULL;
	size_t		 len, n = 0;
	int		 fd, saved;

	/* As the snapshot: a FIFO is never waited on. */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1) {
		if (errno != ENOENT)
			xasprintf(&sf->jwhy, "%s", strerror(errno));
		return;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		close(fd);
		xasprintf(&sf->jwhy, "not a regular file");
		return;
	}
	buf = util_read_fd(fd, max, &len);
	saved = errno;
	close(fd);
	if (buf == NULL) {
		xasprintf(&sf->jwhy, "%s", strerror(saved));
		return;
	}
	for (p = buf; p < buf + len; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(buf + len - p))) == NULL) {
			sf->torn = 1;
			break;
		}
		if (++n == 1) {
			h = json_loadb(p, (size_t)(nl - p), 0, NULL);
			g = json_integer_value(json_object_get(h, "gen"));
			json_decref(h);
			if (g <= 0) {
				xasprintf(&sf->jwhy, "line 1: not a journal "
				    "header");
				break;
			}
			sf->jgen = (unsigned long long)g;
			if (sf->jgen < sf->gen)
				sf->stale = 1;
			else if (sf->jgen > sf->gen)
				xasprintf(&sf->jwhy, "generation %llu follows "
				    "no snapshot (the snapshot's is %llu)",
				    sf->jgen, sf->gen);
			if (sf->jgen != sf->gen)
				break;
			continue;
		}
		if (statefile_apply(sf->state, p, (size_t)(nl - p),
		    &why) == 0) {
			sf->lines++;
			continue;
		}
		if (sf->jwhy == NULL)
			xasprintf(&sf->jwhy, "line %zu: %s", n, why);
		free(why);
		why = NULL;
	}
	free(buf);
}

/* Why the snapshot cannot be used, with the errno statefile_read gives. */
static void
statefile_why(struct statefile *sf, int err, const char *why)
{
	free(sf->why);
	sf->why = xstrdup(why);
	sf->err = err;
}

/* A state object the journal can go on. */
static int
statefile_fits(json_t *j)
{
	json_t	*a = json_object_get(j, "containers");

	return json_is_object(j) && (a == NULL || json_is_array(a));
}

/* One read of the snapshot and the journal; 1: read again. */
static int
statefile_once(struct statefile *sf, const char *snap, const char *jpath,
    size_t max, int last)
{
	struct stat	 sb, now;
	json_error_t	 err;
	json_int_t	 g;
	char		*buf = NULL, line[256];
	size_t		 len;
	int		 fd, again = 0;

	/* O_NONBLOCK: a FIFO put there must not hang the open. */
	if ((fd = open(snap, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1) {
		if (errno != ENOENT)
			statefile_why(sf, errno, strerror(errno));
		else
			sf->err = ENOENT;
		return 0;
	}
	if (fstat(fd, &sb) == -1) {
		statefile_why(sf, errno, strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		statefile_why(sf, EINVAL, "not a regular file");
		goto out;
	}
	if ((buf = util_read_fd(fd, max, &len)) == NULL) {
		statefile_why(sf, errno, strerror(errno));
		goto out;
	}
	if ((sf->state = json_loadb(buf, len, 0, &err)) == NULL) {
		snprintf(line, sizeof(line), "line %d: %s", err.line,
		    err.text);
		statefile_why(sf, EINVAL, line);
		goto out;
	}
	g = json_integer_value(json_object_get(sf->state, "gen"));
	sf->gen = g > 0 ? (unsigned long long)g : 0;
	/* The journal goes on a snapshot of the right shape only. */
	if (statefile_fits(sf->state))
		statefile_journal(sf, jpath, max);
	/* Replaced since it was opened: its journal may be gone too. */
	if (!last && (stat(snap, &now) == -1 || now.st_ino != sb.st_ino ||
	    now.st_dev != sb.st_dev))
		again = 1;
out:
	free(buf);
	close(fd);
	return again;
}

int
statefile_read(const char *dir, size_t max, struct statefile *sf)
{
	char	*snap, *jpath;
	int	 i;

	memset(sf, 0, sizeof(*sf));
	xasprintf(&snap, "%s/" STATEFILE_SNAPSHOT, dir);
	xasprintf(&jpath, "%s/" STATEFILE_JOURNAL, dir);
	for (i = 0; i < STATEFILE_TRIES; i++) {
		statefile_clear(sf);
		if (!statefile_once(sf, snap, jpath, max,
		    i == STATEFILE_TRIES - 1))
			break;
	}
	free(snap);
	free(jpath);
	if (sf->state != NULL)
		return 0;
	errno = sf->err;
	return -1;
}
