/* SPDX-License-Identifier: ISC */
/*
 * fuzz_statefile.c - libFuzzer entry for the state's reader
 * (common/statefile.c): a snapshot and its journal.
 *
 * The input is the snapshot, a NUL byte, then the journal (no NUL: no
 * journal), written to a directory of the fuzzer's own and read with
 * statefile_read() as netd reads its state at start. It must answer 0
 * with a state or -1 with EINVAL and a reason (the snapshot is there);
 * say "torn" only of a journal whose last byte is not a newline; apply
 * no more lines than the journal has, and none from a journal of
 * another generation; read the same twice. Where the snapshot's
 * container names are unique, the journal's lines applied once more
 * change nothing (a put replaces the entry of its name, a delete of a
 * name not there does nothing) and the names stay unique. What it
 * reads goes on to state_parse(), as at netd's start.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_netd.h"
#include "netd.h"
#include "statefile.h"

#define FUZZ_MAX	(1 << 20)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char	 dir[] = "/tmp/berth-fuzz-statefile.XXXXXX";
static char	 snap[64], jpath[64];

static void
fuzz_cleanup(void)
{
	(void)unlink(snap);
	(void)unlink(jpath);
	(void)rmdir(dir);
}

static void
fuzz_write(const char *path, const uint8_t *data, size_t len)
{
	int	 fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1 ||
	    (len > 0 && write(fd, data, len) != (ssize_t)len))
		abort();
	close(fd);
}

/* Whether the containers of state are string-named, each name once. */
static int
fuzz_unique(json_t *state)
{
	json_t		*a = json_object_get(state, "containers"), *c, *d;
	const char	*s, *t;
	size_t		 i, k;

	json_array_foreach(a, i, c) {
		if ((s = json_string_value(json_object_get(c, "name"))) ==
		    NULL)
			return 0;
		for (k = 0; k < i; k++) {
			d = json_array_get(a, k);
			t = json_string_value(json_object_get(d, "name"));
			if (t != NULL && strcmp(s, t) == 0)
				return 0;
		}
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct statefile	 sf, sf2;
	struct netd		*d;
	const uint8_t		*nul, *j = NULL, *p, *nl;
	json_t			*snapj, *again;
	char			*cause = NULL;
	size_t			 slen = size, jlen = 0, nlines = 0;
	int			 rc, unique;

	/* Once: not by the template's last letter, which mkdtemp makes
	 * an X one time in 62. */
	if (snap[0] == '\0') {
		if (mkdtemp(dir) == NULL)
			abort();
		snprintf(snap, sizeof(snap), "%s/" STATEFILE_SNAPSHOT, dir);
		snprintf(jpath, sizeof(jpath), "%s/" STATEFILE_JOURNAL, dir);
		atexit(fuzz_cleanup);
	}
	if ((nul = memchr(data, '\0', size)) != NULL) {
		slen = (size_t)(nul - data);
		j = nul + 1;
		jlen = size - slen - 1;
	}
	fuzz_write(snap, data, slen);
	if (j != NULL)
		fuzz_write(jpath, j, jlen);
	else
		(void)unlink(jpath);
	for (p = j; p != NULL && p < j + jlen; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(j + jlen - p))) == NULL)
			break;
		nlines++;
	}

	errno = 0;
	rc = statefile_read(dir, FUZZ_MAX, &sf);
	if (rc == -1) {
		if (sf.state != NULL || errno != EINVAL || sf.why == NULL)
			abort();
		statefile_clear(&sf);
		return 0;
	}
	if (rc != 0 || sf.state == NULL)
		abort();
	if (sf.torn && (jlen == 0 || j[jlen - 1] == '\n'))
		abort();
	if (sf.lines > 0 && (nlines < sf.lines + 1 || sf.jgen != sf.gen ||
	    sf.stale))
		abort();
	if (sf.stale && sf.jgen >= sf.gen)
		abort();
	if (statefile_read(dir, FUZZ_MAX, &sf2) != 0 ||
	    !json_equal(sf.state, sf2.state) || sf.lines != sf2.lines ||
	    sf.torn != sf2.torn)
		abort();
	statefile_clear(&sf2);

	/* Each line again, on the state read: nothing changes. */
	snapj = json_loadb((const char *)data, slen, 0, NULL);
	unique = snapj != NULL && fuzz_unique(snapj);
	json_decref(snapj);
	if (unique && sf.lines > 0) {
		if (!fuzz_unique(sf.state))
			abort();
		again = json_deep_copy(sf.state);
		p = (const uint8_t *)memchr(j, '\n', jlen) + 1;
		for (; (nl = memchr(p, '\n', (size_t)(j + jlen - p))) != NULL;
		    p = nl + 1) {
			(void)statefile_apply(again, (const char *)p,
			    (size_t)(nl - p), &cause);
			free(cause);
			cause = NULL;
		}
		if (!json_equal(again, sf.state))
			abort();
		json_decref(again);
	}

	d = fuzz_netd();
	if (state_parse(d, sf.state, &cause) == -1) {
		if (cause == NULL)
			abort();
		free(cause);
	}
	netd_free(d);
	statefile_clear(&sf);
	return 0;
}
